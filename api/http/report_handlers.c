/* GET /v1/reports/{id}: the stored report as JSON (the record) or as CSV
 * (its table, headings in the report's locale), chosen by ?format= or else
 * by Accept. Reading it is the generic GET: the same roles and subtree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../domain/csv.h"
#include "../../domain/query.h"
#include "routes.h"

typedef enum { FMT_JSON, FMT_CSV, FMT__N } report_format_t;

static const struct {
    const char *name, *media;
} FORMATS[FMT__N] = {
    [FMT_JSON] = {"json", "application/json"},
    [FMT_CSV] = {"csv", "text/csv"},
};

/* The q of one media range: 1 when absent, 0 when unreadable. */
static double range_q(const char *params, size_t n)
{
    const char *q = strstr(params, "q=");
    if (!q || (size_t)(q - params) >= n)
        return 1.0;
    char *end;
    double v = strtod(q + 2, &end);
    return end == q + 2 || v < 0 || v > 1 ? 0 : v;
}

/* Accept negotiation: the offered format with the highest q; on a tie the
 * more specific range, then the earlier one. -1 when nothing offered is
 * acceptable; JSON when Accept is absent. */
static int pick_format(const char *accept)
{
    if (!accept || !*accept)
        return FMT_JSON;
    int best = -1, best_spec = -1;
    double best_q = 0;
    const char *p = accept;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *semi = memchr(p, ';', len);
        size_t tl = semi ? (size_t)(semi - p) : len;
        while (tl && (p[tl - 1] == ' ' || p[tl - 1] == '\t'))
            tl--;
        const char *t = p;
        while (tl && (*t == ' ' || *t == '\t'))
            t++, tl--;
        double q = semi ? range_q(semi, len - (size_t)(semi - p)) : 1.0;
        for (int f = 0; f < FMT__N && q > 0; f++) {
            const char *m = FORMATS[f].media, *slash = strchr(m, '/');
            int spec = -1;
            if (tl == strlen(m) && strncasecmp(t, m, tl) == 0)
                spec = 2;
            else if (tl == (size_t)(slash - m) + 2 && strncasecmp(t, m, tl - 1) == 0 &&
                     t[tl - 1] == '*')
                spec = 1;
            else if (tl == 3 && strncmp(t, "*/*", 3) == 0)
                spec = 0;
            if (spec >= 0 && (q > best_q || (q == best_q && spec > best_spec))) {
                best = f;
                best_q = q;
                best_spec = spec;
            }
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return best;
}

static void csv_answer(void *arg, store_result_t *res, app_error_t *err)
{
    http_req_t *r = arg;
    if (!res) {
        http_reply_error(r, err);
        return;
    }
    json_t *doc = json_loads(res->json, 0, NULL);
    strbuf_t out = {0};
    bool ok = doc && csv_table(json_object_get(doc, "columns"), json_object_get(doc, "rows"), &out);
    if (ok) {
        char etag[24], disp[128];
        snprintf(etag, sizeof etag, "\"%d\"", res->version);
        http_add_header(r, "ETag", etag);
        snprintf(disp, sizeof disp, "attachment; filename=\"%s-%s.csv\"",
                 json_string_value(json_object_get(doc, "kind")),
                 json_string_value(json_object_get(doc, "period")));
        http_add_header(r, "Content-Disposition", disp);
        if (!out.s) /* cannot happen: the header line is always there */
            abort();
        http_reply(r, 200, "text/csv; charset=utf-8; header=present", out.s, out.len);
    } else {
        free(out.s);
        err_set(req_err(r), ERR_INTERNAL, "The stored report %s is not a table.", res->id);
        http_reply_error(r, r->err);
    }
    json_decref(doc);
    free(res->json);
}

static void json_answer(void *arg, store_result_t *res, app_error_t *err)
{
    http_req_t *r = arg;
    if (!res)
        http_reply_error(r, err);
    else
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
                err_field(err, "format", "invalid", "Must be json or csv.");
        } else if ((f = pick_format(http_req_header(r, "Accept"))) < 0) {
            err_set(err, ERR_NOT_ACCEPTABLE,
                    "A report is answered as application/json or text/csv (or ?format=).");
        }
    }
    query_free(&q);
    if (err->kind != ERR_NONE) {
        http_reply_error(r, err);
        return;
    }
    store_get_async(db, r->entity, id, &r->auth.who, f == FMT_CSV ? csv_answer : json_answer, r);
}
