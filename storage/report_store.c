/* Report rows: the SQL behind report_store.h. */
#include "report_store.h"

#include <stdio.h>

bool report_rows_file(db_t *db, const char *reports, app_error_t *err)
{
    const char *params[] = {reports};
    /* Joined on the run as well as the key: a report already there, made
     * by another run, was kept as it was, and so are its rows. */
    PGresult *res = db_exec(
        db,
        "INSERT INTO report_rows (report_id, ordinal, cells)"
        " SELECT r.id, e.ordinal, e.cells"
        " FROM jsonb_to_recordset($1::jsonb) AS x(kind text, period text, organization_id uuid,"
        "  job_run_id uuid, rows jsonb)"
        " JOIN reports r ON r.kind = x.kind AND r.period = x.period"
        "  AND r.organization_id = x.organization_id AND r.job_run_id = x.job_run_id"
        " CROSS JOIN LATERAL jsonb_array_elements(x.rows) WITH ORDINALITY AS e(cells, ordinal)"
        " WHERE NOT EXISTS (SELECT 1 FROM report_rows o WHERE o.report_id = r.id)",
        1, params, err);
    PQclear(res);
    return res != NULL;
}

PGresult *report_rows_page(db_t *db, const char *id, long long after, int limit,
                           app_error_t *err)
{
    char a[24], l[16];
    snprintf(a, sizeof a, "%lld", after);
    snprintf(l, sizeof l, "%d", limit);
    const char *params[] = {id, a, l};
    return db_exec(db,
                   "SELECT ordinal, cells::text FROM report_rows WHERE report_id = $1::uuid"
                   " AND ordinal > $2::bigint ORDER BY ordinal LIMIT $3::int",
                   3, params, err);
}
