/* CSV rendering for reports. */
#include "csv.h"

#include <stdlib.h>
#include <string.h>

void csv_field(strbuf_t *b, const char *s, size_t n)
{
    if (strcspn(s, ",\"\r\n") >= n) {
        strbuf_append(b, s, n);
        return;
    }
    strbuf_append(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '"') {
            strbuf_append(b, s + run, i + 1 - run); /* the quote, then its double */
            strbuf_append(b, "\"", 1);
            run = i + 1;
        }
    strbuf_append(b, s + run, n - run);
    strbuf_append(b, "\"", 1);
}

static bool cell(strbuf_t *b, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING: {
        /* Names come from users, and a spreadsheet runs a cell starting
         * with = + - @ (or a tab or CR) as a formula: OWASP's defence is a
         * leading apostrophe, which spreadsheets show as text. */
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (n && strchr("=+-@\t\r", s[0])) {
            char *t = malloc(n + 2);
            if (!t)
                abort();
            t[0] = '\'';
            memcpy(t + 1, s, n + 1);
            csv_field(b, t, n + 1);
            free(t);
        } else {
            csv_field(b, s, n);
        }
        return true;
    }
    case JSON_INTEGER:
        strbuf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return true;
    case JSON_TRUE:
        strbuf_append(b, "true", 4);
        return true;
    case JSON_FALSE:
        strbuf_append(b, "false", 5);
        return true;
    case JSON_NULL:
        return true;
    default: /* reals never: amounts are decimal strings */
        return false;
    }
}

bool csv_header(const json_t *columns, strbuf_t *out)
{
    if (!json_is_array(columns))
        return false;
    size_t i;
    const json_t *c;
    json_array_foreach(columns, i, c)
    {
        const json_t *h = json_object_get(c, "heading");
        if (!json_is_string(h))
            return false;
        if (i)
            strbuf_append(out, ",", 1);
        csv_field(out, json_string_value(h), json_string_length(h));
    }
    strbuf_append(out, "\r\n", 2);
    return true;
}

bool csv_row(const json_t *row, size_t ncol, strbuf_t *out)
{
    if (!json_is_array(row) || json_array_size(row) != ncol)
        return false;
    for (size_t k = 0; k < ncol; k++) {
        if (k)
            strbuf_append(out, ",", 1);
        if (!cell(out, json_array_get(row, k)))
            return false;
    }
    strbuf_append(out, "\r\n", 2);
    return true;
}

bool csv_table(const json_t *columns, const json_t *rows, strbuf_t *out)
{
    if (!json_is_array(rows) || !csv_header(columns, out))
        return false;
    size_t ncol = json_array_size(columns), i;
    const json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (!csv_row(row, ncol, out))
            return false;
    }
    return true;
}
