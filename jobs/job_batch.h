/* The inside of a batch, for the job handlers: the runs of one kind and
 * period the claim still holds, in an open transaction that commits their
 * outbox rows and outcomes together (scheduler.c). */
#ifndef PROBITY_JOB_BATCH_H
#define PROBITY_JOB_BATCH_H

#include <jansson.h>
#include <libpq-fe.h>

#include "../domain/strbuf.h"
#include "scheduler.h"
#include "templates.h"

struct job_batch {
    const sched_config_t *cfg;
    db_t *db;
    const job_kind_t *k;
    const char *period_text;
    period_t period;
    const char *held; /* the held runs' ids, an array literal */
    const char *now;
    /* JSON arrays as text, "[" and the rows so far: packing and dumping
     * jansson values for 100,000 rendered mails was most of the job's CPU. */
    strbuf_t mails, outcomes;
    long *done;
    app_error_t *err;
};

/* The columns of a facts row (job_org_facts, job_sub_facts). */
enum { F_RUN, F_ORG, F_NAME, F_LOCALE, F_ZONE, F_EMAILS, F_DUE, F_PAST_DUE, F_ITEMS, F_AGE };

/* Queues the kind's mail to each address of the row's organization, with a
 * dedupe key and Message-ID of its own; returns how many. items: the lines
 * the mail lists; report: a stored report's id, or NULL. */
int job_queue_mails(job_batch_t *b, PGresult *res, int row, const char *due,
                    const mail_item_t *items, size_t n, const char *report);
/* Records the row's run outcome (status done or skipped); takes result. */
void job_outcome(job_batch_t *b, PGresult *res, int row, const char *status, json_t *result);
/* Is the row's run past use (job_kind_t.stale_days)? Then it is recorded
 * as skipped, and sends nothing. */
bool job_stale(const job_batch_t *b, PGresult *res, int row);

/* A report a run makes (job_reports.c): its columns, keyed by words of
 * template_word ("col_" + key), with a type for the spreadsheet where the
 * cells are amounts ("money") or other decimals ("decimal"). */
typedef struct {
    const char *key, *type;
} job_column_t;
json_t *job_report_columns(const job_column_t *cols, size_t n, const char *locale);

/* What a kind makes of one facts row besides the report document it
 * returns ({title, columns, rows, summary}): the lines its mail lists, and
 * what they point into (words: malloc'd strings, keep: JSON), freed after. */
typedef struct {
    mail_item_t *lines;
    size_t nlines;
    char **words;
    json_t *keep;
} job_report_t;
typedef json_t *(*job_report_fn)(job_batch_t *b, PGresult *res, int row, job_report_t *out);
/* For each facts row: make its report, store them all as of the batch's
 * now (a report already there is kept as it was), mail each with its id,
 * and record the run done with {report_id, rows, mails}. */
bool job_file_reports(job_batch_t *b, PGresult *res, job_report_fn make);

/* The disclosure jobs (disclosure_jobs.c). */
bool job_run_reminder(job_batch_t *b);
bool job_run_overdue(job_batch_t *b);
bool job_run_digest(job_batch_t *b);
bool job_run_report(job_batch_t *b);
/* The receivables jobs (collection_jobs.c). */
bool job_run_inventory(job_batch_t *b);
bool job_run_year_report(job_batch_t *b);

#endif
