/* The scheduler's SQL: planning runs, claiming them under a lease and a
 * fence, and committing a batch's outbox rows and outcomes together only
 * while the claim still holds. `now` is always the process clock's, passed
 * in as RFC 3339 text. */
#ifndef PROBITY_JOB_STORE_H
#define PROBITY_JOB_STORE_H

#include <stdbool.h>

#include "../domain/disclosure.h"
#include "db.h"

/* Whom a kind runs for: organizations with disclosure requirements at
 * their own frequency, their supervisors (parents), or administrators of
 * receivables. */
typedef enum { JOB_TARGET_DISCLOSERS, JOB_TARGET_SUPERVISORS, JOB_TARGET_ADMINISTRATORS } job_target_t;
extern const char *const JOB_TARGET_NAMES[];

/* When, in local-calendar terms, at hh:mm in each target's own zone:
 * - RULE_MONTH_DAY: day `day` of the month `months_after` months after the
 *   period's last month (the period: the target's month or quarter);
 * - RULE_FIRST_WORKING_DAY: the first working day after each quarter, on the
 *   calendar of the target's jurisdiction (the period: that quarter);
 * - RULE_YEAR_DAY: `month`/`day` of each year (the period: that year). */
typedef enum { RULE_MONTH_DAY, RULE_FIRST_WORKING_DAY, RULE_YEAR_DAY } job_rule_kind_t;
typedef struct {
    job_rule_kind_t kind;
    int month, day, hour, minute;
    int months_after;
    job_target_t target;
} job_rule_t;

/* Inserts the missing runs of the rule whose moment lies in
 * (now - lookback, now], for every target (or only `org`). Existing runs
 * are left alone: the unique key decides. days: for RULE_FIRST_WORKING_DAY,
 * [{"jurisdiction", "period", "day"}] worked out from the calendars. */
bool job_plan_rule(db_t *db, const char *kind, const job_rule_t *rule, const char *days,
                   const char *now, int lookback_days, const char *org, long *inserted,
                   app_error_t *err);
/* Inserts runs of kind for one period, due now (an operator's "run it now");
 * idempotent like planning. */
bool job_plan_period(db_t *db, const char *kind, job_target_t target, const period_t *period,
                     const char *org, const char *now, long *inserted, app_error_t *err);
/* The jurisdictions organizations are in (malloc'd strings, NULL-ended). */
bool job_jurisdictions(db_t *db, char ***out, int *n, app_error_t *err);

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
