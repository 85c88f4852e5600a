/* The scheduler's SQL: planning runs, claiming them under a lease and a
 * fence, and committing a batch's outbox rows and outcomes together only
 * while the claim still holds. `now` is always the process clock's, passed
 * in as RFC 3339 text. */
#ifndef PROBITY_JOB_STORE_H
#define PROBITY_JOB_STORE_H

#include <stdbool.h>

#include "../domain/disclosure.h"
#include "db.h"

/* A rule in local-calendar terms: day `day` of the month `months_after`
 * months after the period's last month, at hh:mm local, for each
 * organization with requirements at its own frequency or (supervisors) for
 * each parent of such organizations, in the target's own zone. */
typedef struct {
    int day, hour, minute;
    int months_after;
    bool supervisors;
} job_rule_t;

/* Inserts the missing runs of the rule whose moment lies in
 * (now - lookback, now], for every target (or only `org`). Existing runs
 * are left alone: the unique key decides. */
bool job_plan_after_period(db_t *db, const char *kind, const job_rule_t *rule, const char *now,
                           int lookback_days, const char *org, long *inserted, app_error_t *err);
/* Inserts runs of kind for one period, due now (an operator's "run it now");
 * idempotent like planning. */
bool job_plan_period(db_t *db, const char *kind, bool supervisors, const period_t *period,
                     const char *org, const char *now, long *inserted, app_error_t *err);

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
 * claim; *held (malloc'd) is their ids as an array literal. Returns how
 * many (0: the claim was lost; the transaction stays open), -1 on error
 * (rolled back). */
int job_hold(db_t *db, const char *owner, const char *ids, const char *fences, char **held,
             app_error_t *err);
/* In that transaction, one row per held run of an organization's kind: run
 * id, organization id, name, locale, time zone, contact e-mails (JSON
 * array), its earliest due moment in local time, whether one has passed,
 * its items (JSON array of {code, name, status, due, published,
 * days_late}), and the run's age in whole days. NULL on error. */
PGresult *job_org_facts(db_t *db, const char *held, const period_t *period, const char *now,
                        app_error_t *err);
/* The same for a supervisor's kind: run id, supervisor id, name, locale,
 * time zone, e-mails, the due date, false, its subordinates at the
 * period's frequency (JSON array of {organization_id, name, timezone,
 * items}), age. */
PGresult *job_sub_facts(db_t *db, const char *held, const period_t *period, const char *now,
                        app_error_t *err);
/* Stores reports (JSON array of reports rows) as of now; answers (id,
 * organization id) of each, new or already there. */
PGresult *job_insert_reports(db_t *db, const char *reports, const char *now, app_error_t *err);
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
