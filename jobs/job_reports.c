/* Reports made by job runs: each run's report stored, its rows with it
 * (storage/report_store.h), then mailed with its id, in the batch's
 * transaction (job_batch.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../storage/job_store.h"
#include "../storage/report_store.h"
#include "job_batch.h"

json_t *job_report_columns(const job_column_t *cols, size_t n, const char *locale)
{
    json_t *columns = json_array();
    for (size_t c = 0; c < n; c++) {
        char key[64];
        snprintf(key, sizeof key, "col_%s", cols[c].key);
        json_t *col = json_pack("{s:s, s:s}", "key", cols[c].key, "heading",
                                template_word(key, locale));
        if (cols[c].type)
            json_object_set_new(col, "type", json_string(cols[c].type));
        json_array_append_new(columns, col);
    }
    return columns;
}

static void report_free(job_report_t *r)
{
    for (size_t i = 0; i < r->nlines; i++)
        free(r->words ? r->words[i] : NULL);
    free(r->words);
    free(r->lines);
    json_decref(r->keep);
}

bool job_file_reports(job_batch_t *b, PGresult *res, job_report_fn make)
{
    int nrows = PQntuples(res);
    job_report_t *made = calloc((size_t)nrows + 1, sizeof *made);
    /* The heads go to reports, the rows to report_rows (0009). */
    json_t *reports = json_array(), *rows = json_array();
    if (!made || !reports || !rows)
        abort();
    for (int r = 0; r < nrows; r++) {
        json_t *doc = make(b, res, r, &made[r]);
        json_t *meta = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", b->k->name, "period",
                                 b->period_text, "organization_id", PQgetvalue(res, r, F_ORG),
                                 "job_run_id", PQgetvalue(res, r, F_RUN), "locale",
                                 PQgetvalue(res, r, F_LOCALE));
        json_object_update(doc, meta); /* copies: meta is still ours */
        /* The rows move from the head to meta, the rows' own document. */
        json_t *table = json_object_get(doc, "rows");
        if (json_is_array(table))
            json_object_set(meta, "rows", table);
        else
            json_object_set_new(meta, "rows", json_array());
        json_object_del(doc, "rows");
        json_array_append_new(rows, meta);
        json_array_append_new(reports, doc);
    }
    char *text = json_dumps(reports, JSON_COMPACT);
    if (!text)
        abort();
    PGresult *ids = job_insert_reports(b->db, text, b->now, b->err);
    free(text);
    if (ids) {
        text = json_dumps(rows, JSON_COMPACT);
        if (!text)
            abort();
        if (!report_rows_file(b->db, text, b->err)) {
            PQclear(ids);
            ids = NULL;
        }
        free(text);
    }
    for (int r = 0; ids && r < nrows; r++) {
        const char *report = NULL;
        for (int i = 0; i < PQntuples(ids) && !report; i++)
            if (strcmp(PQgetvalue(ids, i, 1), PQgetvalue(res, r, F_ORG)) == 0)
                report = PQgetvalue(ids, i, 0);
        int m = job_queue_mails(b, res, r, PQgetvalue(res, r, F_DUE), made[r].lines,
                                made[r].nlines, report);
        size_t count = json_array_size(json_object_get(json_array_get(rows, (size_t)r), "rows"));
        job_outcome(b, res, r, "done",
                    json_pack("{s:s?, s:i, s:i}", "report_id", report, "rows", (int)count, "mails",
                              m));
    }
    for (int r = 0; r < nrows; r++)
        report_free(&made[r]);
    free(made);
    json_decref(reports);
    json_decref(rows);
    if (ids)
        *b->done += nrows;
    PQclear(ids);
    return ids != NULL;
}
