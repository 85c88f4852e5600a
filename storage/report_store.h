/* A stored report's rows (0009_report_rows.sql): written with the report by
 * the scheduler, read back a page at a time by GET /v1/reports/{id}, so that
 * no step holds a whole report in memory. */
#ifndef PROBITY_REPORT_STORE_H
#define PROBITY_REPORT_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "db.h"

/* reports: a JSON array of {kind, period, organization_id, job_run_id, rows}
 * for reports just stored in the open transaction. Writes the rows of each
 * report that is this run's and has none yet; a report kept from an
 * earlier run (job_insert_reports leaves one as it was) keeps its rows. */
bool report_rows_file(db_t *db, const char *reports, app_error_t *err);

/* Up to limit rows of report id after ordinal `after`, in order: (ordinal,
 * cells as JSON text). Keyset paging: each page costs the same however far
 * into the report it is. The caller PQclear()s. */
PGresult *report_rows_page(db_t *db, const char *id, long long after, int limit,
                           app_error_t *err);

#endif
