/* GET /v1/reports/{id}: the stored report as JSON (the record), CSV or XLSX
 * (its table, headings in the report's locale), chosen by ?format= or else
 * by Accept. Reading it is the generic GET: the same roles and subtree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../domain/csv.h"
#include "../../domain/query.h"
#include "negotiate.h"
#include "report_xlsx.h"
#include "routes.h"

typedef enum { FMT_JSON, FMT_CSV, FMT_XLSX, FMT__N } report_format_t;

/* ?format= names and media types, in the order of preference. */
static const char *const NAMES[FMT__N] = {[FMT_JSON] = "json", [FMT_CSV] = "csv",
                                          [FMT_XLSX] = "xlsx"};
#define XLSX_MEDIA "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
static const char *const MEDIA[FMT__N] = {[FMT_JSON] = "application/json", [FMT_CSV] = "text/csv",
                                          [FMT_XLSX] = XLSX_MEDIA};

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
        snprintf(etag, sizeof etag, "\"%d-%s\"", res->version, NAMES[f]);
        http_add_header(r, "ETag", etag);
        http_add_header(r, "Vary", "Accept");
        snprintf(disp, sizeof disp, "attachment; filename=\"%s-%s.%s\"",
                 json_string_value(json_object_get(doc, "kind")),
                 json_string_value(json_object_get(doc, "period")), NAMES[f]);
        http_add_header(r, "Content-Disposition", disp);
        http_reply(r, 200,
                   f == FMT_CSV ? "text/csv; charset=utf-8; header=present" : MEDIA[f],
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
                if (strcmp(NAMES[i], name) == 0)
                    f = i;
            if (f < 0)
                err_field(err, "format", "invalid", "Must be json, csv or xlsx.");
        } else if ((f = http_negotiate(http_req_header(r, "Accept"), MEDIA, FMT__N)) < 0) {
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
