/* The scheduler's SQL: planning runs, claiming them under a lease and a
 * fence, and committing a batch's outbox rows and outcomes together only
 * while the claim still holds. `now` is always the process clock's, passed
 * in as RFC 3339 text. */
#ifndef PROBITY_JOB_STORE_H
#define PROBITY_JOB_STORE_H

#include <stdbool.h>

#include "../domain/disclosure.h"
#include "db.h"

/* Inserts the missing runs of a rule "day `day` of the month after the
 * period, at hh:mm local", for every organization that has requirements at
 * its frequency (or only `org`), whose moment lies in (now - lookback, now].
 * Existing runs are left alone: the unique key decides. */
bool job_plan_after_period(db_t *db, const char *kind, int day, int hour, int minute,
                           const char *now, int lookback_days, const char *org, long *inserted,
                           app_error_t *err);
/* Inserts runs of kind for one period, due now (an operator's "run it now");
 * idempotent like planning. */
bool job_plan_period(db_t *db, const char *kind, const period_t *period, const char *org,
                     const char *now, long *inserted, app_error_t *err);

#define JOB_BATCH_MAX 500

typedef struct {
    char id[37];
    char fence[24];
} job_claim_t;

/* Claims up to max ready runs of the oldest ready (kind, period): pending
 * ones due, or running ones whose lease has expired. Returns how many. */
int job_claim(db_t *db, const char *owner, const char *now, int lease_s, int max,
              char kind[64], char period[8], job_claim_t *out, app_error_t *err);

/* Opens the batch's transaction and locks the runs still held by this
 * claim. Returns the facts the reminder needs, one row per held run:
 * run id, organization id, name, locale, time zone, contact e-mails (JSON
 * array), the due moment in local time, whether it has passed, and the
 * unpublished items (JSON array of {code, name}). NULL on error (rolled back). */
PGresult *job_reminder_facts(db_t *db, const char *owner, const char *ids, const char *fences,
                             const period_t *period, const char *now, app_error_t *err);
/* In that transaction: the outbox rows (JSON array of notifications rows)
 * and the runs' outcomes (JSON array of {id, status, result}); commits. */
bool job_commit_batch(db_t *db, const char *mails, const char *outcomes, const char *now,
                      app_error_t *err);
/* After a failed batch: back to pending with exponential backoff, or failed
 * after max_attempts; only the runs this claim still holds. */
bool job_fail_batch(db_t *db, const char *owner, const char *ids, const char *fences,
                    const char *now, int max_attempts, int backoff_s, const char *why,
                    app_error_t *err);

#endif
