/* GET /v1/reports/{id}: the stored report as JSON (the record), CSV or XLSX
 * (its table, headings in the report's locale), chosen by ?format= or else
 * by Accept. Reading it is the generic GET: the same roles and subtree.
 * The head (title, columns, summary...) is read first; the rows follow a
 * page at a time as the client reads (stream.c), so no report is ever held
 * whole, in any of the three forms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../domain/csv.h"
#include "../../domain/query.h"
#include "../../storage/report_store.h"
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

/* Rows per database read: some 100-300 KB of text for the reports made
 * today, one keyset query each. */
#define REPORT_PAGE 1000
/* The workbook file is sent in parts of this size. */
#define XLSX_PART (64 * 1024)

/* The record as stored shows its rows as this placeholder (0009): the
 * stream writes the rows in its place. It can occur once only: inside a
 * string every quote is escaped, and nested jsonb renders as "key": v. */
#define ROWS_PLACEHOLDER ",\"rows\":[]"

typedef struct {
    report_format_t f;
    char id[37];
    long long after;     /* the last ordinal sent */
    bool started, rows_done;
    json_t *columns;     /* CSV and XLSX */
    char *json_head;     /* JSON: the record up to its rows' '[' ... */
    char *json_tail;     /* ... and from their ']' on */
    report_xlsx_t *x;
} report_stream_t;

static void report_stream_free(void *p)
{
    report_stream_t *s = p;
    json_decref(s->columns);
    free(s->json_head);
    free(s->json_tail);
    report_xlsx_free(s->x); /* removes the file too, finished or not */
    free(s);
}

/* The next page of rows, rendered into out; false with msg on failure.
 * *last: the table has no more rows. */
static bool page(db_t *db, report_stream_t *s, strbuf_t *out, bool *last, char *msg,
                 size_t msglen)
{
    app_error_t err;
    err_clear(&err);
    PGresult *res = report_rows_page(db, s->id, s->after, REPORT_PAGE, &err);
    if (!res) {
        snprintf(msg, msglen, "reading rows after %lld: %s", s->after, err.detail);
        return false;
    }
    int n = PQntuples(res);
    bool ok = true;
    for (int i = 0; i < n && ok; i++) {
        const char *cells = PQgetvalue(res, i, 1);
        if (s->f == FMT_JSON) {
            if (s->after > 0 || i > 0)
                strbuf_append(out, ", ", 2); /* as jsonb renders an array */
            strbuf_append(out, cells, (size_t)PQgetlength(res, i, 1));
        } else {
            json_t *row = json_loads(cells, JSON_DECODE_ANY, NULL);
            ok = s->f == FMT_CSV ? csv_row(row, json_array_size(s->columns), out)
                                 : report_xlsx_row(s->x, row, msg, msglen);
            if (!ok && s->f == FMT_CSV)
                snprintf(msg, msglen, "row %s is not a row of the table", PQgetvalue(res, i, 0));
            json_decref(row);
        }
        s->after = strtoll(PQgetvalue(res, i, 0), NULL, 10);
    }
    *last = n < REPORT_PAGE;
    PQclear(res);
    return ok;
}

static http_stream_step_t report_next(db_t *db, void *p, strbuf_t *out, char *msg, size_t msglen)
{
    report_stream_t *s = p;
    bool last = false;
    if (!s->started) {
        s->started = true;
        if (s->f == FMT_JSON)
            strbuf_printf(out, "%s", s->json_head);
        else if (s->f == FMT_CSV)
            csv_header(s->columns, out); /* checked when the head was read */
        else {
            const char *tmp = getenv("TMPDIR");
            s->x = report_xlsx_open(s->columns, tmp && *tmp ? tmp : "/tmp", msg, msglen);
            if (!s->x)
                return STREAM_FAILED;
        }
    }
    if (!s->rows_done) {
        if (!page(db, s, out, &last, msg, msglen))
            return STREAM_FAILED;
        s->rows_done = last;
        if (!last)
            return STREAM_MORE;
        if (s->f == FMT_JSON) {
            strbuf_printf(out, "]%s", s->json_tail);
            return STREAM_DONE;
        }
        if (s->f == FMT_CSV)
            return STREAM_DONE;
        if (!report_xlsx_finish(s->x, msg, msglen))
            return STREAM_FAILED;
    }
    /* XLSX: the finished workbook, a part at a time. */
    char *buf = malloc(XLSX_PART);
    if (!buf)
        abort();
    ssize_t n = report_xlsx_read(s->x, buf, XLSX_PART);
    if (n > 0)
        strbuf_append(out, buf, (size_t)n);
    free(buf);
    if (n < 0) {
        snprintf(msg, msglen, "xlsx: cannot read back the workbook");
        return STREAM_FAILED;
    }
    return n == 0 ? STREAM_DONE : STREAM_MORE;
}

static const http_producer_t REPORT_PRODUCER = {report_next, report_stream_free};

/* Prepares the stream from the report's head: false with msg when the
 * stored report cannot be rendered in format f. */
static bool report_begin(http_req_t *r, report_stream_t *s, const store_result_t *res, char *msg,
                         size_t msglen)
{
    json_t *doc = json_loads(res->json, 0, NULL);
    bool ok = doc != NULL;
    if (ok && s->f == FMT_JSON) {
        const char *at = strstr(res->json, ROWS_PLACEHOLDER);
        ok = at && !strstr(at + 1, ROWS_PLACEHOLDER);
        if (ok) {
            size_t head = (size_t)(at - res->json) + strlen(ROWS_PLACEHOLDER) - 1;
            s->json_head = strndup(res->json, head);
            s->json_tail = strdup(at + strlen(ROWS_PLACEHOLDER));
            if (!s->json_head || !s->json_tail)
                abort();
        }
    } else if (ok) {
        strbuf_t scratch = {0};
        s->columns = json_incref(json_object_get(doc, "columns"));
        ok = s->f == FMT_CSV ? csv_header(s->columns, &scratch) : json_is_array(s->columns);
        free(scratch.s);
    }
    if (!ok) {
        snprintf(msg, msglen, "the report is not a table");
        json_decref(doc);
        return false;
    }
    char etag[40];
    /* Strong tags differ between representations (RFC 9110 §8.8.3); the
     * record's is the entity's version, as for every entity. */
    if (s->f == FMT_JSON)
        snprintf(etag, sizeof etag, "\"%d\"", res->version);
    else
        snprintf(etag, sizeof etag, "\"%d-%s\"", res->version, NAMES[s->f]);
    http_add_header(r, "Vary", "Accept");
    http_add_header(r, "ETag", etag);
    if (s->f != FMT_JSON) {
        char disp[160];
        snprintf(disp, sizeof disp, "attachment; filename=\"%s-%s.%s\"",
                 json_string_value(json_object_get(doc, "kind")),
                 json_string_value(json_object_get(doc, "period")), NAMES[s->f]);
        http_add_header(r, "Content-Disposition", disp);
    }
    json_decref(doc);
    return true;
}

static void answer(http_req_t *r, store_result_t *res, app_error_t *err, report_format_t f)
{
    if (!res) {
        http_reply_error(r, err);
        return;
    }
    report_stream_t *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->f = f;
    snprintf(s->id, sizeof s->id, "%s", res->id);
    char msg[200];
    if (!report_begin(r, s, res, msg, sizeof msg)) {
        report_stream_free(s);
        err_set(req_err(r), ERR_INTERNAL, "The report %s cannot be rendered: %s.", res->id, msg);
        http_reply_error(r, req_err(r));
    } else {
        http_reply_stream(r, 200,
                          f == FMT_CSV ? "text/csv; charset=utf-8; header=present" : MEDIA[f],
                          &REPORT_PRODUCER, s);
    }
    free(res->json);
}

static void json_answer(void *arg, store_result_t *res, app_error_t *err)
{
    answer(arg, res, err, FMT_JSON);
}

static void csv_answer(void *arg, store_result_t *res, app_error_t *err)
{
    answer(arg, res, err, FMT_CSV);
}

static void xlsx_answer(void *arg, store_result_t *res, app_error_t *err)
{
    answer(arg, res, err, FMT_XLSX);
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
    store_get_head_async(db, r->entity, id, &r->auth.who, ANSWER[f], r);
}
