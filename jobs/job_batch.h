/* The inside of a batch, for the job handlers: the runs of one kind and
 * period the claim still holds, in an open transaction that commits their
 * outbox rows and outcomes together (scheduler.c). */
#ifndef PROBITY_JOB_BATCH_H
#define PROBITY_JOB_BATCH_H

#include <jansson.h>
#include <libpq-fe.h>

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
    json_t *mails, *outcomes;
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

/* The disclosure jobs (disclosure_jobs.c). */
bool job_run_reminder(job_batch_t *b);
bool job_run_overdue(job_batch_t *b);
bool job_run_digest(job_batch_t *b);
bool job_run_report(job_batch_t *b);

#endif
