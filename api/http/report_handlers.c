/* GET /v1/reports/{id}: the stored report as JSON (the record), CSV or XLSX
 * (its table, headings in the report's locale), chosen by ?format= or else
 * by Accept. Reading it is the generic GET: the same roles and subtree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../domain/csv.h"
#include "../../domain/query.h"
#include "report_xlsx.h"
#include "routes.h"

typedef enum { FMT_JSON, FMT_CSV, FMT_XLSX, FMT__N } report_format_t;

static const struct {
    const char *name, *media;
} FORMATS[FMT__N] = {
    [FMT_JSON] = {"json", "application/json"},
    [FMT_CSV] = {"csv", "text/csv"},
    [FMT_XLSX] = {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
};

/* Accept (RFC 9110 §12.5.1), walked one media range at a time. */
typedef struct {
    const char *p;
} accept_iter_t;

typedef struct {
    const char *type;
    size_t len;  /* a type, a type with any subtype, or any type */
    int q;       /* thousandths; -1 when the range is malformed */
} media_range_t;

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* A qvalue: "0" ["." 0*3DIGIT] or "1" ["." 0*3"0"], as thousandths; -1 if not. */
static int parse_q(const char *v, size_t n)
{
    if (n == 0 || (v[0] != '0' && v[0] != '1') || (n > 1 && v[1] != '.') || n > 5)
        return -1;
    int q = (v[0] - '0') * 1000, scale = 100;
    for (size_t i = 2; i < n; i++, scale /= 10) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        q += (v[i] - '0') * scale;
    }
    return q > 1000 ? -1 : q;
}

/* The next range; false at the end. Quoted parameter values may hold
 * commas and semicolons, so the walk honours quotes. */
static bool next_range(accept_iter_t *it, media_range_t *out)
{
    const char *p = it->p;
    while (*p == ',' || is_ows(*p))
        p++;
    if (!*p)
        return false;
    out->type = p;
    while (*p && *p != ',' && *p != ';' && !is_ows(*p))
        p++;
    out->len = (size_t)(p - out->type);
    out->q = 1000;
    if (!memchr(out->type, '/', out->len))
        out->q = -1;
    while (*p && *p != ',') {
        while (is_ows(*p) || *p == ';')
            p++;
        const char *name = p;
        while (*p && *p != '=' && *p != ',' && *p != ';' && !is_ows(*p))
            p++;
        size_t nl = (size_t)(p - name);
        const char *val = NULL;
        size_t vl = 0;
        if (*p == '=') {
            val = ++p;
            if (*p == '"') {
                for (p++; *p && *p != '"'; p++)
                    if (*p == '\\' && p[1])
                        p++;
                if (*p == '"')
                    p++;
            } else {
                while (*p && *p != ',' && *p != ';' && !is_ows(*p))
                    p++;
            }
            vl = (size_t)(p - val);
        }
        if (nl == 1 && (name[0] == 'q' || name[0] == 'Q'))
            out->q = out->q < 0 || !val ? -1 : parse_q(val, vl);
        while (is_ows(*p))
            p++;
        if (*p && *p != ',' && *p != ';' && nl == 0)
            p++; /* a stray character: skip it rather than loop */
    }
    it->p = p;
    return true;
}

/* How specifically a range names media type m: 3 exactly, 2 by its type
 * ("text/" "*"), 1 by "*" "/" "*", 0 not at all. */
static int specificity(const media_range_t *r, const char *m)
{
    size_t ml = strlen(m), tl = (size_t)(strchr(m, '/') - m);
    if (r->len == ml && strncasecmp(r->type, m, ml) == 0)
        return 3;
    if (r->len == tl + 2 && strncasecmp(r->type, m, tl + 1) == 0 && r->type[tl + 1] == '*')
        return 2;
    return r->len == 3 && memcmp(r->type, "*" "/" "*", 3) == 0 ? 1 : 0;
}

/* The format Accept prefers: each offered type takes the q of the most
 * specific range naming it; the highest q above 0 wins, a tie going to the
 * earlier format (JSON). JSON when Accept is absent; -1 when nothing
 * offered is acceptable. */
static int pick_format(const char *accept)
{
    if (!accept)
        return FMT_JSON;
    int best = -1, best_q = 0;
    for (int f = 0; f < FMT__N; f++) {
        accept_iter_t it = {accept};
        media_range_t r;
        int spec = 0, q = 0;
        while (next_range(&it, &r)) {
            int s = r.q < 0 ? 0 : specificity(&r, FORMATS[f].media);
            if (s > spec || (s == spec && s > 0 && r.q > q)) {
                spec = s;
                q = r.q;
            }
        }
        if (q > best_q) {
            best = f;
            best_q = q;
        }
    }
    return best;
}

/* The table as CSV or XLSX, with a tag and a file name of its own. */
static void table_answer(http_req_t *r, store_result_t *res, report_format_t f)
{
    json_t *doc = json_loads(res->json, 0, NULL);
    char *body = NULL, msg[200] = "the report is not a table";
    size_t len = 0;
    bool ok = false;
    if (doc && f == FMT_CSV) {
        strbuf_t out = {0};
        ok = csv_table(json_object_get(doc, "columns"), json_object_get(doc, "rows"), &out);
        body = out.s;
        len = out.len;
    } else if (doc) {
        const char *tmp = getenv("TMPDIR");
        ok = report_xlsx(doc, tmp && *tmp ? tmp : "/tmp", &body, &len, msg, sizeof msg);
    }
    if (ok) {
        char etag[40], disp[160];
        /* Strong tags differ between representations (RFC 9110 §8.8.3). */
        snprintf(etag, sizeof etag, "\"%d-%s\"", res->version, FORMATS[f].name);
        http_add_header(r, "ETag", etag);
        http_add_header(r, "Vary", "Accept");
        snprintf(disp, sizeof disp, "attachment; filename=\"%s-%s.%s\"",
                 json_string_value(json_object_get(doc, "kind")),
                 json_string_value(json_object_get(doc, "period")), FORMATS[f].name);
        http_add_header(r, "Content-Disposition", disp);
        http_reply(r, 200,
                   f == FMT_CSV ? "text/csv; charset=utf-8; header=present" : FORMATS[f].media,
                   body, len);
    } else {
        free(body);
        err_set(req_err(r), ERR_INTERNAL, "The report %s cannot be rendered: %s.", res->id, msg);
        http_reply_error(r, r->err);
    }
    json_decref(doc);
    free(res->json);
}

static void csv_answer(void *arg, store_result_t *res, app_error_t *err)
{
    if (!res)
        http_reply_error(arg, err);
    else
        table_answer(arg, res, FMT_CSV);
}

static void xlsx_answer(void *arg, store_result_t *res, app_error_t *err)
{
    if (!res)
        http_reply_error(arg, err);
    else
        table_answer(arg, res, FMT_XLSX);
}

static void json_answer(void *arg, store_result_t *res, app_error_t *err)
{
    http_req_t *r = arg;
    if (!res) {
        http_reply_error(r, err);
        return;
    }
    http_add_header(r, "Vary", "Accept");
    reply_entity(r, 200, res);
}

void h_report_get(http_req_t *r, db_t *db)
{
    static const char *const ALLOWED[] = {"format", NULL};
    app_error_t *err = req_err(r);
    char id[37];
    qparams_t q = {0};
    int f = -1;
    if (path_id(r, id) && query_parse(r->query, &q, err) && query_only(&q, ALLOWED, err)) {
        const char *name = query_get(&q, "format");
        if (name) {
            for (int i = 0; i < FMT__N && f < 0; i++)
                if (strcmp(FORMATS[i].name, name) == 0)
                    f = i;
            if (f < 0)
                err_field(err, "format", "invalid", "Must be json, csv or xlsx.");
        } else if ((f = pick_format(http_req_header(r, "Accept"))) < 0) {
            err_set(err, ERR_NOT_ACCEPTABLE,
                    "A report is answered as application/json, text/csv or "
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet (or "
                    "?format=).");
        }
    }
    query_free(&q);
    if (err->kind != ERR_NONE) {
        if (err->kind == ERR_NOT_ACCEPTABLE) /* this answer too depends on Accept */
            http_add_header(r, "Vary", "Accept");
        http_reply_error(r, err);
        return;
    }
    static const store_get_fn ANSWER[FMT__N] = {json_answer, csv_answer, xlsx_answer};
    store_get_async(db, r->entity, id, &r->auth.who, ANSWER[f], r);
}
