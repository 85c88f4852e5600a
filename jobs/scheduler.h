/* The built-in scheduler (DESIGN §2): a thread with its own database
 * session that plans runs from the job-kind table, claims ready ones under
 * a lease, and runs them in batches whose outbox rows and outcomes commit
 * together while the claim still holds. Any number of instances may run it
 * against one database: the unique (kind, period, organization) key makes
 * each run exist once, SKIP LOCKED and the fence make it run once. */
#ifndef PROBITY_SCHEDULER_H
#define PROBITY_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../domain/disclosure.h"
#include "../storage/db.h"
#include "../storage/job_store.h"

#define SCHED_SESSIONS_MAX 16

typedef struct {
    const char *conninfo;
    const char *owner;        /* this instance's name in leases */
    const char *mail_from_domain; /* the right-hand side of Message-IDs */
    int tick_ms;              /* how often to look for ready runs */
    int plan_interval_s;      /* how often to plan */
    int lookback_days;        /* how far back missed runs are caught up */
    int lease_s;
    int max_attempts;
    int backoff_s;            /* first retry after this, doubling */
    int batch;                /* runs per batch (transaction) */
    int sessions;             /* database sessions writing batches at once */
    int test_pause_ms;        /* tests only: stall between claim and commit */
    int doubtful_days;        /* the inventory's candidates for doubtful debt: overdue longer */
} sched_config_t;

/* What a batch of runs of one kind and period works with (scheduler.c). */
typedef struct job_batch job_batch_t;

/* A job kind: a rule in local-calendar terms and its handler. */
typedef struct {
    const char *name;
    const char *rule;      /* the rule in words, for GET /v1/jobs */
    job_rule_t when;        /* (storage/job_store.h) */
    /* When a run stops being of use, and is recorded as skipped instead:
     * STALE_AT_DUE once the period's items are due (a reminder), else this
     * many days after its own moment, or never (0). */
    int stale_days;
    const char *stage;     /* part of each mail's dedupe key */
    const char *template;  /* the mail it sends */
    bool (*run)(job_batch_t *b);
} job_kind_t;

#define STALE_AT_DUE (-1)

size_t job_kinds_count(void);
const job_kind_t *job_kind(size_t i);
const job_kind_t *job_kind_find(const char *name);
/* What an operator may change of the kinds' rules; NULL keeps the table's. */
typedef struct {
    const char *reminder_days;  /* "10,14": the days of the two reminders */
    const char *inventory_at;   /* "09:00": the inventory's local time */
    const char *year_report_at; /* "12-25 09:00": the year report's local day and time */
} job_kinds_options_t;
/* Applies o to the table and words each rule; false with a reason. */
bool job_kinds_configure(const job_kinds_options_t *o, char *msg, size_t msglen);

/* May an operator plan kind k for period p now? The period must be of the
 * rule's kind (a month or quarter, a quarter, a year), and kinds that look
 * back (overdue notices, digests, reports) run only once the day they look
 * back from has passed everywhere. Else the reason is in msg. */
typedef enum { PLAN_OK, PLAN_WRONG_PERIOD, PLAN_TOO_EARLY } job_plan_check_t;
job_plan_check_t job_kind_plannable(const job_kind_t *k, const period_t *p, int64_t now_us,
                                    char *msg, size_t msglen);

typedef struct scheduler scheduler_t;

scheduler_t *scheduler_start(const sched_config_t *cfg);
/* Stops after the batch in hand and joins the thread. */
void scheduler_stop(scheduler_t *s);

/* One pass: plan every kind, then run every ready run, on db and on
 * cfg->sessions - 1 sessions more (threads of their own). For the CLI and
 * for tests; returns false on a database error. */
bool scheduler_drain(const sched_config_t *cfg, db_t *db, long *runs, app_error_t *err);

#endif
