/* Reports as XLSX (libxlsxwriter): a sheet with the headings in bold and a
 * row per report row. libxlsxwriter 1.1 writes only to a file, so the
 * workbook goes through a temporary file that is read back and removed. */
#include "report_xlsx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

/* The digits of a decimal string such as "-1234.50"; 0 if it is not one. */
static int decimal_digits(const char *s)
{
    int digits = 0, points = 0;
    if (*s == '-')
        s++;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            digits++;
        else if (*s == '.' && !points++)
            continue;
        else
            return 0;
    }
    return digits;
}

/* A decimal cell as an XLSX number, so that sheets can add it up. The
 * format has no decimal numbers: a number cell is an IEEE double
 * (ECMA-376 §18.3.1.4), which holds up to 15 significant digits exactly.
 * The text is converted only here, never computed with, and a longer one
 * stays text rather than change by a cent. */
static bool decimal_cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
                         lxw_format *fmt)
{
    int digits = decimal_digits(s);
    if (digits == 0 || digits > 15)
        return false;
    worksheet_write_number(ws, r, c, strtod(s, NULL), fmt);
    return true;
}

static void write_cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const json_t *v,
                       const char *type, lxw_format *money)
{
    if (json_is_integer(v))
        worksheet_write_number(ws, r, c, (double)json_integer_value(v), NULL);
    else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        bool numeric = type && (strcmp(type, "money") == 0 || strcmp(type, "decimal") == 0);
        if (!numeric || !decimal_cell(ws, r, c, s, strcmp(type, "money") == 0 ? money : NULL))
            worksheet_write_string(ws, r, c, s, NULL);
    } else if (json_is_boolean(v))
        worksheet_write_boolean(ws, r, c, json_is_true(v), NULL);
    /* null: an empty cell */
}

bool report_xlsx(const json_t *report, const char *tmpdir, char **out, size_t *len, char *msg,
                 size_t msglen)
{
    const json_t *columns = json_object_get(report, "columns"),
                 *rows = json_object_get(report, "rows");
    if (!json_is_array(columns) || !json_is_array(rows)) {
        snprintf(msg, msglen, "the report is not a table");
        return false;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/probity-report-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(msg, msglen, "cannot make a temporary file in %s: %s", tmpdir, strerror(errno));
        return false;
    }
    close(fd);
    lxw_workbook_options opts = {.constant_memory = LXW_TRUE, .tmpdir = (char *)tmpdir,
                                 .use_zip64 = LXW_TRUE};
    lxw_workbook *wb = workbook_new_opt(path, &opts);
    bool ok = wb != NULL;
    if (ok) {
        lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
        lxw_format *bold = workbook_add_format(wb), *money = workbook_add_format(wb);
        format_set_bold(bold);
        format_set_num_format(money, "#,##0.00");
        size_t ncol = json_array_size(columns), i;
        const json_t *row;
        for (size_t c = 0; c < ncol; c++) {
            const char *h = json_string_value(json_object_get(json_array_get(columns, c), "heading"));
            worksheet_write_string(ws, 0, (lxw_col_t)c, h ? h : "", bold);
        }
        worksheet_freeze_panes(ws, 1, 0);
        json_array_foreach(rows, i, row)
        {
            for (size_t c = 0; c < ncol && c < json_array_size(row); c++)
                write_cell(ws, (lxw_row_t)(i + 1), (lxw_col_t)c, json_array_get(row, c),
                           json_string_value(json_object_get(json_array_get(columns, c), "type")),
                           money);
        }
        lxw_error e = workbook_close(wb);
        if (e != LXW_NO_ERROR) {
            snprintf(msg, msglen, "xlsx: %s", lxw_strerror(e));
            ok = false;
        }
    } else {
        snprintf(msg, msglen, "xlsx: cannot open a workbook in %s", path);
    }
    FILE *f = ok ? fopen(path, "rb") : NULL;
    if (ok && f) {
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        rewind(f);
        *out = malloc(n > 0 ? (size_t)n : 1);
        if (!*out)
            abort();
        ok = n > 0 && fread(*out, 1, (size_t)n, f) == (size_t)n;
        *len = (size_t)n;
        if (!ok) {
            free(*out);
            *out = NULL;
            snprintf(msg, msglen, "xlsx: cannot read back %s", path);
        }
    } else if (ok) {
        snprintf(msg, msglen, "xlsx: cannot read back %s: %s", path, strerror(errno));
        ok = false;
    }
    if (f)
        fclose(f);
    unlink(path);
    return ok;
}
