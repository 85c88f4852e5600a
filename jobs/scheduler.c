/* Planning, claiming and running scheduled jobs. */
#include "scheduler.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "../domain/textcheck.h"
#include "../storage/calendar_store.h"
#include "../storage/collection_sweep.h"
#include "../storage/log.h"
#include "clock.h"
#include "job_batch.h"
#include "templates.h"
#include "ticker.h"

/* The Glass Account law's jobs (seed 000, DESIGN §1.2): items are due by
 * the 15th of the month after the period. Reminders before; on the 16th a
 * notice to each late organization and one digest per supervisor; on the
 * 15th of the month after, the supervisor's report on the period whose
 * items fell due the month before. */
#define MONTH_DAY(d, after, who)                                                              \
    {.kind = RULE_MONTH_DAY, .day = (d), .hour = 9, .months_after = (after), .target = (who)}
static job_kind_t KINDS[] = {
    {"disclosure_reminder_1", NULL, MONTH_DAY(10, 1, JOB_TARGET_DISCLOSERS), STALE_AT_DUE, "first",
     "disclosure_reminder", job_run_reminder},
    {"disclosure_reminder_2", NULL, MONTH_DAY(14, 1, JOB_TARGET_DISCLOSERS), STALE_AT_DUE,
     "second", "disclosure_reminder", job_run_reminder},
    /* A notice older than four weeks is overtaken by the next period's. */
    {"disclosure_overdue", NULL, MONTH_DAY(16, 1, JOB_TARGET_DISCLOSERS), 28, "overdue",
     "disclosure_overdue", job_run_overdue},
    {"disclosure_digest", NULL, MONTH_DAY(16, 1, JOB_TARGET_SUPERVISORS), 28, "digest",
     "disclosure_digest", job_run_digest},
    /* A report is a record: made however late, never skipped. */
    {"disclosure_report", NULL, MONTH_DAY(15, 2, JOB_TARGET_SUPERVISORS), 0, "report",
     "disclosure_report", job_run_report},
    /* Seed 004: the inventory at least once a quarter (3.2), and the report
     * as of December 25. Reports, so never skipped. */
    {"receivables_inventory", NULL,
     {.kind = RULE_FIRST_WORKING_DAY, .hour = 9, .target = JOB_TARGET_ADMINISTRATORS}, 0,
     "inventory", "receivables_inventory", job_run_inventory},
    {"receivables_year_report", NULL,
     {.kind = RULE_YEAR_DAY, .month = 12, .day = 25, .hour = 9,
      .target = JOB_TARGET_ADMINISTRATORS},
     0, "year", "receivables_year_report", job_run_year_report},
};
#define NKINDS (sizeof KINDS / sizeof KINDS[0])

size_t job_kinds_count(void)
{
    return NKINDS;
}

const job_kind_t *job_kind(size_t i)
{
    return &KINDS[i];
}

const job_kind_t *job_kind_find(const char *name)
{
    for (size_t i = 0; i < NKINDS; i++)
        if (strcmp(KINDS[i].name, name) == 0)
            return &KINDS[i];
    return NULL;
}

static char RULES[NKINDS][160];

/* Two ASCII digits at s as a number, or -1. By hand, not sscanf: "%2d"
 * takes a sign and spaces, so " 9:00" or "+9:00" would pass. */
static int two_digits(const char *s)
{
    return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' ? (s[0] - '0') * 10 + s[1] - '0'
                                                                     : -1;
}

/* "HH:MM" into the rule's hour and minute. */
static bool parse_time(const char *s, job_rule_t *w)
{
    if (strlen(s) != 5 || s[2] != ':')
        return false;
    int h = two_digits(s), m = two_digits(s + 3);
    if (h < 0 || h > 23 || m < 0 || m > 59)
        return false;
    w->hour = h;
    w->minute = m;
    return true;
}

/* "MM-DD HH:MM" into the rule's month, day, hour and minute. Up to the
 * 28th in February: the day exists in every year. */
static bool parse_year_moment(const char *s, job_rule_t *w)
{
    static const int DAYS[] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    job_rule_t t = *w;
    if (strlen(s) != 11 || s[2] != '-' || s[5] != ' ' || !parse_time(s + 6, &t))
        return false;
    int mo = two_digits(s), d = two_digits(s + 3);
    if (mo < 1 || mo > 12 || d < 1 || d > DAYS[mo])
        return false;
    t.month = mo;
    t.day = d;
    *w = t;
    return true;
}

static job_kind_t *kind_mut(const char *name)
{
    return (job_kind_t *)job_kind_find(name);
}

bool job_kinds_configure(const job_kinds_options_t *o, char *msg, size_t msglen)
{
    int a, b, n = 0;
    const char *days = o->reminder_days;
    if (days && (sscanf(days, "%d,%d%n", &a, &b, &n) != 2 || days[n] != '\0' || a < 1 ||
                 b <= a || b > 28)) {
        snprintf(msg, msglen,
                 "PROBITY_REMINDER_DAYS: '%s' is not two days of the month, e.g. 10,14 (1-28, "
                 "ascending)",
                 days);
        return false;
    }
    if (days) {
        kind_mut("disclosure_reminder_1")->when.day = a;
        kind_mut("disclosure_reminder_2")->when.day = b;
    }
    if (o->inventory_at && !parse_time(o->inventory_at, &kind_mut("receivables_inventory")->when)) {
        snprintf(msg, msglen, "PROBITY_INVENTORY_AT: '%s' is not a local time HH:MM, e.g. 09:00",
                 o->inventory_at);
        return false;
    }
    if (o->year_report_at &&
        !parse_year_moment(o->year_report_at, &kind_mut("receivables_year_report")->when)) {
        snprintf(msg, msglen,
                 "PROBITY_YEAR_REPORT_AT: '%s' is not a local day and time MM-DD HH:MM, e.g. "
                 "12-25 09:00",
                 o->year_report_at);
        return false;
    }
    static const char *const FOR[] = {
        [JOB_TARGET_DISCLOSERS] = "for each disclosing organization",
        [JOB_TARGET_SUPERVISORS] = "for each supervisor of disclosing organizations",
        [JOB_TARGET_ADMINISTRATORS] = "for each administrator of receivables"};
    static const char *const MONTHS[] = {"", "January", "February", "March", "April", "May",
                                         "June", "July", "August", "September", "October",
                                         "November", "December"};
    for (size_t i = 0; i < NKINDS; i++) {
        const job_rule_t *w = &KINDS[i].when;
        char when[80];
        if (w->kind == RULE_MONTH_DAY)
            snprintf(when, sizeof when, "day %d of the %s month after each period", w->day,
                     w->months_after == 1 ? "first" : "second");
        else if (w->kind == RULE_FIRST_WORKING_DAY)
            snprintf(when, sizeof when, "the first working day after each quarter");
        else
            snprintf(when, sizeof when, "%s %d of each year", MONTHS[w->month % 13], w->day);
        snprintf(RULES[i], sizeof RULES[i], "%s, %02d:%02d local, %s", when, w->hour, w->minute,
                 FOR[w->target]);
        KINDS[i].rule = RULES[i];
    }
    return true;
}

job_plan_check_t job_kind_plannable(const job_kind_t *k, const period_t *p, int64_t now_us,
                                    char *msg, size_t msglen)
{
    const job_rule_t *w = &k->when;
    char pt[8];
    period_format(p, pt);
    static const char *const WANT[] = {[RULE_MONTH_DAY] = "a month or a quarter, e.g. 2026-10",
                                       [RULE_FIRST_WORKING_DAY] = "a quarter, e.g. 2026-Q3",
                                       [RULE_YEAR_DAY] = "a year, e.g. 2026"};
    bool fits = w->kind == RULE_MONTH_DAY           ? !period_is_year(p)
                : w->kind == RULE_FIRST_WORKING_DAY ? p->quarter != 0
                                                    : period_is_year(p);
    if (!fits) {
        snprintf(msg, msglen, "%s runs for %s, not %s.", k->name, WANT[w->kind], pt);
        return PLAN_WRONG_PERIOD;
    }
    if (k->stale_days == STALE_AT_DUE)
        return PLAN_OK;
    /* Kinds that look back run only once the day they look back from has
     * ended, or begun, everywhere (by noon UTC, UTC-12 being last): before
     * that a notice would find nothing late, and a report would stand for
     * good on what was not yet due. The day: the law's 15th after a
     * disclosure period, the day after a quarter, the rule's day of a year. */
    int32_t day = w->kind == RULE_MONTH_DAY           ? period_due_day(p, 15) + 1
                  : w->kind == RULE_FIRST_WORKING_DAY ? period_last_day(p) + 1
                                                      : date_from_ymd(p->year, (unsigned)w->month,
                                                                      (unsigned)w->day);
    if (now_us / 1000000 >= (int64_t)day * 86400 + 12 * 3600)
        return PLAN_OK;
    char from[11];
    text_format_date(day, from);
    snprintf(msg, msglen, "%s runs for %s only from %sT12:00:00Z, when %s everywhere.", k->name,
             pt, from,
             w->kind == RULE_MONTH_DAY ? "its items are due" : w->kind == RULE_FIRST_WORKING_DAY
                                                                    ? "the quarter has ended"
                                                                    : "the day has come");
    return PLAN_TOO_EARLY;
}

/* Stable per outbox row: derived from the dedupe key, so a retried
 * delivery, or the same decision taken twice, carries the same id. */
static void message_id(const char *dedupe, const char *domain, char out[128])
{
    unsigned char h[32];
    unsigned int len = 0;
    if (!EVP_Digest(dedupe, strlen(dedupe), h, &len, EVP_sha256(), NULL))
        abort();
    text_hex(h, 16, out);
    snprintf(out + 32, 128 - 32, "@%s", domain);
}

/* s as a JSON string. s is UTF-8 (the database's text and the templates),
 * so only quotes, backslashes and control characters need escaping. */
static void json_str(strbuf_t *b, const char *s)
{
    const char *run = s;
    strbuf_append(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        strbuf_append(b, run, (size_t)(s - run));
        if (c == '"' || c == '\\')
            strbuf_printf(b, "\\%c", c);
        else if (c == '\n')
            strbuf_append(b, "\\n", 2);
        else
            strbuf_printf(b, "\\u%04x", c);
        run = s + 1;
    }
    strbuf_append(b, run, (size_t)(s - run));
    strbuf_append(b, "\"", 1);
}

static void json_field(strbuf_t *b, const char *name, const char *value)
{
    strbuf_printf(b, ",\"%s\":", name);
    json_str(b, value);
}

/* Opens the next element of a JSON array being written as text. */
static void array_next(strbuf_t *b)
{
    strbuf_append(b, b->len ? "," : "[", 1);
}

static char *array_close(strbuf_t *b)
{
    strbuf_append(b, b->len ? "]" : "[]", b->len ? 1 : 2);
    return b->s;
}

int job_queue_mails(job_batch_t *b, PGresult *res, int row, const char *due,
                    const mail_item_t *items, size_t n, const char *report)
{
    const char *org = PQgetvalue(res, row, F_ORG);
    json_t *emails = json_loads(PQgetvalue(res, row, F_EMAILS), 0, NULL);
    mail_vars_t v = {PQgetvalue(res, row, F_NAME), b->period_text, due, items, n, report};
    mail_rendered_t m;
    int count = 0;
    if (emails && template_render(b->k->template, PQgetvalue(res, row, F_LOCALE), &v, &m)) {
        size_t i;
        json_t *to;
        json_array_foreach(emails, i, to)
        {
            const char *addr = json_string_value(to);
            if (!addr) /* the registry admits only strings; a stray value is not a recipient */
                continue;
            char key[512], mid[128];
            snprintf(key, sizeof key, "%s|%s|%s|%s|%s", b->k->name, b->period_text, org, addr,
                     b->k->stage);
            message_id(key, b->cfg->mail_from_domain, mid);
            array_next(&b->mails);
            strbuf_append(&b->mails, "{\"dedupe_key\":", 14);
            json_str(&b->mails, key);
            json_field(&b->mails, "job_run_id", PQgetvalue(res, row, F_RUN));
            json_field(&b->mails, "organization_id", org);
            json_field(&b->mails, "recipient", addr);
            json_field(&b->mails, "locale", m.locale);
            json_field(&b->mails, "template", b->k->template);
            json_field(&b->mails, "subject", m.subject);
            json_field(&b->mails, "body_text", m.text);
            json_field(&b->mails, "body_html", m.html);
            json_field(&b->mails, "message_id", mid);
            strbuf_append(&b->mails, "}", 1);
            count++;
        }
        template_free(&m);
    }
    json_decref(emails);
    return count;
}

void job_outcome(job_batch_t *b, PGresult *res, int row, const char *status, json_t *result)
{
    char *r = json_dumps(result, JSON_COMPACT);
    if (!r)
        abort();
    array_next(&b->outcomes);
    /* The id is a uuid and status one of ours: nothing to escape. */
    strbuf_printf(&b->outcomes, "{\"id\":\"%s\",\"status\":\"%s\",\"result\":%s}",
                  PQgetvalue(res, row, F_RUN), status, r);
    free(r);
    json_decref(result);
}

bool job_stale(const job_batch_t *b, PGresult *res, int row)
{
    if (b->k->stale_days == STALE_AT_DUE)
        return PQgetvalue(res, row, F_PAST_DUE)[0] == 't';
    return b->k->stale_days > 0 && atoi(PQgetvalue(res, row, F_AGE)) > b->k->stale_days;
}

/* "{a,b,c}" array literals of the claimed ids and fences. */
static void arrays(const job_claim_t *c, int n, char **ids, char **fences)
{
    size_t il = 3 + (size_t)n * 38, fl = 3 + (size_t)n * 25;
    *ids = malloc(il);
    *fences = malloc(fl);
    if (!*ids || !*fences)
        abort();
    size_t io = 0, fo = 0;
    (*ids)[io++] = '{';
    (*fences)[fo++] = '{';
    for (int i = 0; i < n; i++) {
        io += (size_t)snprintf(*ids + io, il - io, "%s%s", i ? "," : "", c[i].id);
        fo += (size_t)snprintf(*fences + fo, fl - fo, "%s%s", i ? "," : "", c[i].fence);
    }
    snprintf(*ids + io, il - io, "}");
    snprintf(*fences + fo, fl - fo, "}");
}

/* [{"jurisdiction", "period", "day"}]: the first working day after each
 * quarter the look-back reaches, on each jurisdiction's calendar (a
 * jurisdiction without one works every day). */
static char *first_working_days(db_t *db, const char *now, int lookback_days, app_error_t *err)
{
    char **jur;
    int nj;
    if (!job_jurisdictions(db, &jur, &nj, err))
        return NULL;
    char date[11];
    int32_t today;
    snprintf(date, sizeof date, "%.10s", now);
    if (!text_parse_date(date, &today)) {
        err_set(err, ERR_INTERNAL, "the clock reads '%s'", now);
        return NULL;
    }
    json_t *days = json_array();
    /* A day either side: zones put the local date a day off UTC's. */
    for (int32_t d = today - lookback_days - 1; d <= today + 1; d++) {
        int y;
        unsigned m, dd;
        date_to_ymd(d, &y, &m, &dd);
        if (dd != 1 || (m - 1) % 3 != 0)
            continue;
        period_t q = {m == 1 ? y - 1 : y, 0, m == 1 ? 4 : (int)(m - 1) / 3};
        char pt[8], day[11];
        period_format(&q, pt);
        for (int j = 0; j < nj; j++) {
            int32_t first = d;
            app_error_t why;
            err_clear(&why);
            if (!calendar_store_add_working_days(db, jur[j], d, 0, &first, &why) &&
                why.kind != ERR_NOT_FOUND) {
                *err = why;
                json_decref(days);
                days = NULL;
                goto done;
            }
            text_format_date(first, day);
            json_array_append_new(days, json_pack("{s:s, s:s, s:s}", "jurisdiction", jur[j],
                                                  "period", pt, "day", day));
        }
    }
done:
    for (int j = 0; j < nj; j++)
        free(jur[j]);
    free(jur);
    char *s = days ? json_dumps(days, JSON_COMPACT) : NULL;
    json_decref(days);
    return s;
}

static bool plan_all(const sched_config_t *cfg, db_t *db, const char *now, app_error_t *err)
{
    char *days = NULL;
    bool ok = true;
    for (size_t i = 0; ok && i < NKINDS; i++) {
        long n = 0;
        if (KINDS[i].when.kind == RULE_FIRST_WORKING_DAY && !days &&
            !(days = first_working_days(db, now, cfg->lookback_days, err)))
            return false;
        ok = job_plan_rule(db, KINDS[i].name, &KINDS[i].when, days, now, cfg->lookback_days, NULL,
                           &n, err);
    }
    long overdue = 0; /* seed 004, 4.2: due dates passed make debts overdue by themselves */
    ok = ok && collection_sweep_overdue(db, now, &overdue, err);
    free(days);
    return ok;
}

/* Runs the claimed runs the claim still holds, in one transaction. */
static bool run_batch(const sched_config_t *cfg, db_t *db, const job_kind_t *k,
                      const char *period, const char *ids, const char *fences, const char *now,
                      long *done, app_error_t *err)
{
    job_batch_t b = {cfg, db, k, period, {0, 0, 0}, NULL, now, {0}, {0}, done, err};
    if (!period_parse_any(period, &b.period)) {
        err_set(err, ERR_INTERNAL, "a run has the period '%s'", period);
        return false;
    }
    char *held = NULL;
    int n = job_hold(db, cfg->owner, ids, fences, &held, err);
    if (n < 0)
        return false;
    if (n == 0) { /* the lease was lost to another instance: write nothing */
        free(held);
        db_rollback(db);
        return true;
    }
    b.held = held;
    bool ok = k->run(&b);
    ok = ok ? job_commit_batch(db, array_close(&b.mails), array_close(&b.outcomes), now, err)
            : (db_rollback(db), false);
    free(held);
    free(b.mails.s);
    free(b.outcomes.s);
    return ok;
}

/* Claims and runs one batch; returns the runs claimed (0: none ready). */
static int run_one_batch(const sched_config_t *cfg, db_t *db, long *done, app_error_t *err)
{
    static __thread job_claim_t claims[JOB_BATCH_MAX];
    char kind[64] = "", period[8] = "", now[32];
    clock_format(clock_now_us(), now);
    int batch = cfg->batch > 0 && cfg->batch <= JOB_BATCH_MAX ? cfg->batch : JOB_BATCH_MAX;
    int n = job_claim(db, cfg->owner, now, cfg->lease_s, batch, kind, period, claims, err);
    if (n <= 0)
        return n;
    char *ids, *fences;
    arrays(claims, n, &ids, &fences);
    if (cfg->test_pause_ms > 0) { /* a stalled instance, for the fencing test */
        struct timespec ts = {cfg->test_pause_ms / 1000, (long)(cfg->test_pause_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        clock_format(clock_now_us(), now);
    }
    const job_kind_t *k = job_kind_find(kind);
    app_error_t why;
    err_clear(&why);
    bool ok = k ? run_batch(cfg, db, k, period, ids, fences, now, done, &why)
                : (err_set(&why, ERR_INTERNAL, "no job kind '%s'", kind), false);
    if (!ok) {
        char line[400];
        snprintf(line, sizeof line, "%s %s: %d runs: %s", kind, period, n, why.detail);
        log_event("warn", "job_batch_failed", line);
        clock_format(clock_now_us(), now);
        if (!job_fail_batch(db, cfg->owner, ids, fences, now, cfg->max_attempts, cfg->backoff_s,
                            why.detail, err))
            n = -1;
    }
    free(ids);
    free(fences);
    return n;
}

/* The sessions a drain or a scheduler writes batches on. The database's
 * work per run is most of a batch's time (writing the outbox rows, the runs
 * twice, their indexes), and one session keeps one backend busy; any
 * number of sessions may claim at once, as any number of instances do
 * (SKIP LOCKED, lease, fence), each batch committing under its own claim. */
static int sessions(const sched_config_t *cfg)
{
    return cfg->sessions < 1 ? 1 : cfg->sessions > SCHED_SESSIONS_MAX ? SCHED_SESSIONS_MAX
                                                                        : cfg->sessions;
}

/* One more session of a drain: batches until none is ready. */
typedef struct {
    const sched_config_t *cfg;
    db_t db;
    long runs;
    int n; /* the last batch's claim: 0 none ready, -1 failed */
    app_error_t err;
    pthread_t thread;
} drain_session_t;

static void *drain_session(void *arg)
{
    drain_session_t *d = arg;
    err_clear(&d->err);
    d->n = db_ensure(&d->db, &d->err) ? 1 : -1;
    while (d->n > 0)
        d->n = run_one_batch(d->cfg, &d->db, &d->runs, &d->err);
    db_close(&d->db);
    return NULL;
}

bool scheduler_drain(const sched_config_t *cfg, db_t *db, long *runs, app_error_t *err)
{
    char now[32];
    clock_format(clock_now_us(), now);
    *runs = 0;
    if (!db_ensure(db, err) || !plan_all(cfg, db, now, err))
        return false;
    int extra = sessions(cfg) - 1;
    drain_session_t more[SCHED_SESSIONS_MAX];
    for (int i = 0; i < extra; i++) {
        more[i] = (drain_session_t){.cfg = cfg,
                                    .db = {.conninfo = db->conninfo,
                                           .statement_timeout_ms = db->statement_timeout_ms}};
        if (pthread_create(&more[i].thread, NULL, drain_session, &more[i]) != 0)
            abort();
    }
    int n;
    while ((n = run_one_batch(cfg, db, runs, err)) > 0)
        ;
    for (int i = 0; i < extra; i++) {
        pthread_join(more[i].thread, NULL);
        *runs += more[i].runs;
        if (more[i].n < 0 && n == 0) {
            *err = more[i].err;
            n = -1;
        }
    }
    return n == 0;
}

struct scheduler {
    sched_config_t cfg;
    int64_t last_plan;
    ticker_t *tickers[SCHED_SESSIONS_MAX]; /* the first plans too */
    int ntickers;
};

/* The first session's step: plan when the interval has passed, then one batch. */
static bool sched_step(void *arg, db_t *db)
{
    scheduler_t *s = arg;
    app_error_t err;
    err_clear(&err);
    if (!db_ensure(db, &err))
        return false;
    int64_t now_us = clock_now_us();
    if (now_us - s->last_plan >= (int64_t)s->cfg.plan_interval_s * 1000000) {
        char now[32];
        clock_format(now_us, now);
        if (plan_all(&s->cfg, db, now, &err))
            s->last_plan = now_us;
    }
    long done = 0;
    return run_one_batch(&s->cfg, db, &done, &err) > 0;
}

/* The other sessions' step: one batch. */
static bool batch_step(void *arg, db_t *db)
{
    scheduler_t *s = arg;
    app_error_t err;
    err_clear(&err);
    long done = 0;
    return db_ensure(db, &err) && run_one_batch(&s->cfg, db, &done, &err) > 0;
}

scheduler_t *scheduler_start(const sched_config_t *cfg)
{
    scheduler_t *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->cfg = *cfg;
    s->ntickers = sessions(cfg);
    for (int i = 0; i < s->ntickers; i++)
        s->tickers[i] =
            ticker_start(s->cfg.conninfo, s->cfg.tick_ms, i ? batch_step : sched_step, s);
    return s;
}

void scheduler_stop(scheduler_t *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->ntickers; i++)
        ticker_stop(s->tickers[i]);
    free(s);
}
