/* Query string decoding and list parameters. */
#include "query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "jsonin.h"
#include "textcheck.h"
#include "validate.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* Decodes in place; returns false on a broken escape. */
static bool pct_decode(char *s, size_t *len)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '+') {
            *w++ = ' ';
        } else if (*r == '%') {
            int h = hexval((unsigned char)r[1]), l = h < 0 ? -1 : hexval((unsigned char)r[2]);
            if (l < 0)
                return false;
            *w++ = (char)(h << 4 | l);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *len = (size_t)(w - s);
    *w = '\0';
    return true;
}

static bool utf8_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t l = text_utf8_seq((const unsigned char *)s + i, n - i);
        if (!l)
            return false;
        i += l;
    }
    return true;
}

bool query_parse(const char *qs, qparams_t *out, app_error_t *err)
{
    memset(out, 0, sizeof *out);
    if (!qs || !*qs)
        return true;
    out->buf = strdup(qs);
    if (!out->buf)
        abort();
    char *save = NULL;
    for (char *part = strtok_r(out->buf, "&", &save); part; part = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(part, '=');
        char *val = eq ? eq + 1 : part + strlen(part);
        if (eq)
            *eq = '\0';
        size_t nl, vl;
        char shown[48];
        if (!pct_decode(part, &nl) || !pct_decode(val, &vl)) {
            snprintf(shown, sizeof shown, "%.40s", part);
            err_field(err, utf8_ok(shown, strlen(shown)) ? shown : "", "format",
                      "Broken percent-encoding.");
            continue;
        }
        /* Name the parameter when its name is clean and only the value is not. */
        bool name_ok = strlen(part) == nl && utf8_ok(part, nl);
        if (strlen(part) != nl || strlen(val) != vl) {
            err_field(err, name_ok ? part : "", "nul_byte", "Query parameters must not contain NUL.");
            continue;
        }
        if (!name_ok || !utf8_ok(val, vl)) {
            err_field(err, name_ok ? part : "", "invalid_utf8",
                      "Query parameters must be valid UTF-8.");
            continue;
        }
        if (out->n == QUERY_MAX_PARAMS) {
            err_field(err, part, "unknown_parameter", "More than %d query parameters; this one and "
                      "the rest were not read.", QUERY_MAX_PARAMS);
            break;
        }
        for (size_t i = 0; i < out->n; i++)
            if (strcmp(out->items[i].name, part) == 0) {
                err_field(err, part, "invalid", "Given more than once.");
                break;
            }
        out->items[out->n].name = part;
        out->items[out->n].value = val;
        out->n++;
    }
    if (err->kind != ERR_NONE) {
        query_free(out);
        return false;
    }
    return true;
}

void query_free(qparams_t *q)
{
    free(q->buf);
    memset(q, 0, sizeof *q);
}

const char *query_get(const qparams_t *q, const char *name)
{
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->items[i].name, name) == 0)
            return q->items[i].value;
    return NULL;
}

bool query_only(const qparams_t *q, const char *const *allowed, app_error_t *err)
{
    bool ok = true;
    for (size_t i = 0; i < q->n; i++) {
        bool known = false;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(*a, q->items[i].name) == 0;
        if (!known) {
            err_field(err, q->items[i].name, "unknown_parameter", "Unknown query parameter.");
            ok = false;
        }
    }
    return ok;
}

static bool parse_limit(const char *s, int *out)
{
    if (!*s || strlen(s) > 4)
        return false;
    int v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return v >= 1 && v <= REG_PAGE_MAX;
}

/* A filter value is checked with the field's own rules, as a string. */
static bool filter_value_ok(const field_t *f, const char *param, const char *value, app_error_t *err)
{
    if (f->type == FT_INT || f->type == FT_BOOL || f->type == FT_ARRAY || f->type == FT_OBJECT ||
        f->type == FT_JSON) {
        err_field(err, param, "invalid", "This field cannot be filtered on.");
        return false;
    }
    json_t *v = json_string(value);
    if (!v) {
        err_field(err, param, "invalid_utf8", "Must be valid UTF-8.");
        return false;
    }
    app_error_t sub;
    err_clear(&sub);
    bool ok = validate_value(f, v, param, &sub);
    json_decref(v);
    if (!ok)
        err_field(err, param, "invalid", "%s", sub.nfields ? sub.fields[0].message : "Invalid.");
    return ok;
}

bool list_query_build(const entity_t *e, const qparams_t *q, list_query_t *out, app_error_t *err)
{
    memset(out, 0, sizeof *out);
    out->limit = REG_PAGE_DEFAULT;
    for (size_t i = 0; i < q->n; i++) {
        const char *name = q->items[i].name, *value = q->items[i].value;
        if (strcmp(name, "limit") == 0) {
            if (!parse_limit(value, &out->limit))
                err_field(err, name, "invalid", "Must be an integer from 1 to %d.", REG_PAGE_MAX);
            continue;
        }
        if (strcmp(name, "cursor") == 0) {
            out->has_after = cursor_decode(value, out->after);
            if (!out->has_after)
                err_field(err, name, "invalid", "Not a cursor returned by this API.");
            continue;
        }
        if (strcmp(name, "updated_since") == 0) {
            if (!text_is_timestamp(value))
                err_field(err, name, "invalid", "Must be an RFC 3339 timestamp.");
            out->updated_since = value;
            continue;
        }
        const field_t *f = registry_field(e, name);
        filter_op_t op = FILTER_EQ;
        if (!f || !(f->flags & F_FILTER)) {
            /* name_from / name_to on a range field */
            size_t nl = strlen(name);
            f = NULL;
            if (nl > 5 && (strcmp(name + nl - 5, "_from") == 0 || strcmp(name + nl - 3, "_to") == 0)) {
                bool from = strcmp(name + nl - 5, "_from") == 0;
                char base[64];
                size_t bl = nl - (from ? 5 : 3);
                if (bl < sizeof base) {
                    memcpy(base, name, bl);
                    base[bl] = '\0';
                    f = registry_field(e, base);
                    if (f && !(f->flags & F_RANGE))
                        f = NULL;
                    op = from ? FILTER_GE : FILTER_LE;
                }
            }
        }
        if (!f) {
            err_field(err, name, "unknown_parameter", "Unknown query parameter.");
            continue;
        }
        if (!filter_value_ok(f, name, value, err))
            continue;
        if (out->nfilters == LIST_MAX_FILTERS) {
            err_field(err, name, "invalid", "Too many filters.");
            continue;
        }
        if (f->type == FT_UUID) /* ids are stored and compared in lowercase */
            for (char *p = q->items[i].value; *p; p++)
                if (*p >= 'A' && *p <= 'F')
                    *p = (char)(*p | 0x20);
        out->filters[out->nfilters++] = (list_filter_t){f, op, value};
    }
    return err->kind == ERR_NONE;
}

bool list_page_build(const entity_t *e, const qparams_t *q, list_query_t *out, app_error_t *err)
{
    qparams_t paging = {0}; /* borrows q's names and values; buf stays NULL */
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->items[i].name, "limit") == 0 || strcmp(q->items[i].name, "cursor") == 0)
            paging.items[paging.n++] = q->items[i];
    return list_query_build(e, &paging, out, err);
}
