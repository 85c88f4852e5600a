/* Planning, claiming and running scheduled jobs. */
#include "scheduler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "../domain/textcheck.h"
#include "../storage/job_store.h"
#include "../storage/log.h"
#include "clock.h"
#include "templates.h"
#include "ticker.h"

/* The monthly disclosure reminders: before the due day, to each
 * organization with unpublished items (seed 000: publish by the 15th). */
static job_kind_t KINDS[] = {
    {"disclosure_reminder_1", "day 10 of the month after each period, 09:00 local", 10, 9, 0,
     "first"},
    {"disclosure_reminder_2", "day 14 of the month after each period, 09:00 local", 14, 9, 0,
     "second"},
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

static char RULES[NKINDS][80];

bool job_kinds_configure(const char *reminder_days, char *msg, size_t msglen)
{
    int a, b, n = 0;
    if (reminder_days &&
        (sscanf(reminder_days, "%d,%d%n", &a, &b, &n) != 2 || reminder_days[n] != '\0' ||
         a < 1 || b <= a || b > 28)) {
        snprintf(msg, msglen,
                 "PROBITY_REMINDER_DAYS: '%s' is not two days of the month, e.g. 10,14 (1-28, "
                 "ascending)",
                 reminder_days);
        return false;
    }
    if (reminder_days) {
        KINDS[0].day = a;
        KINDS[1].day = b;
    }
    for (size_t i = 0; i < NKINDS; i++) {
        snprintf(RULES[i], sizeof RULES[i],
                 "day %d of the month after each period, %02d:%02d local", KINDS[i].day,
                 KINDS[i].hour, KINDS[i].minute);
        KINDS[i].rule = RULES[i];
    }
    return true;
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

/* The mails of one organization's reminder, appended to mails; returns how
 * many. items: its unpublished items; emails: its contact addresses. */
static int reminder_mails(const sched_config_t *cfg, const job_kind_t *k, const char *period,
                          PGresult *res, int row, json_t *items, json_t *emails, json_t *mails)
{
    const char *run = PQgetvalue(res, row, 0), *org = PQgetvalue(res, row, 1);
    const char *locale = PQgetvalue(res, row, 3);
    size_t n = json_array_size(items);
    mail_item_t *list = calloc(n ? n : 1, sizeof *list);
    if (!list)
        abort();
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(items, i);
        list[i] = (mail_item_t){json_string_value(json_object_get(it, "code")),
                                json_string_value(json_object_get(it, "name"))};
    }
    char due[96];
    snprintf(due, sizeof due, "%s (%s)", PQgetvalue(res, row, 6), PQgetvalue(res, row, 4));
    mail_vars_t v = {PQgetvalue(res, row, 2), period, due, list, n};
    mail_rendered_t m;
    int count = 0;
    if (template_render("disclosure_reminder", locale, &v, &m)) {
        size_t i;
        json_t *to;
        json_array_foreach(emails, i, to)
        {
            char key[512], mid[128];
            snprintf(key, sizeof key, "%s|%s|%s|%s|%s", k->name, period, org, json_string_value(to),
                     k->stage);
            message_id(key, cfg->mail_from_domain, mid);
            json_array_append_new(
                mails, json_pack("{s:s, s:s, s:s, s:O, s:s, s:s, s:s, s:s, s:s, s:s}", "dedupe_key",
                                 key, "job_run_id", run, "organization_id", org, "recipient", to,
                                 "locale", m.locale, "template", "disclosure_reminder", "subject",
                                 m.subject, "body_text", m.text, "body_html", m.html,
                                 "message_id", mid));
            count++;
        }
        template_free(&m);
    }
    free(list);
    return count;
}

static char *dump(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    if (!s)
        abort();
    return s;
}

/* One batch of reminder runs of the same kind and period. */
static bool run_reminders(const sched_config_t *cfg, db_t *db, const job_kind_t *k,
                          const char *period_text, const char *ids, const char *fences,
                          const char *now, long *done, app_error_t *err)
{
    period_t period;
    if (!period_parse(period_text, &period)) {
        err_set(err, ERR_INTERNAL, "a run has the period '%s'", period_text);
        return false;
    }
    PGresult *res = job_reminder_facts(db, cfg->owner, ids, fences, &period, now, err);
    if (!res)
        return false;
    json_t *mails = json_array(), *outcomes = json_array();
    for (int r = 0; r < PQntuples(res); r++) {
        json_t *items = json_loads(PQgetvalue(res, r, 8), 0, NULL);
        json_t *emails = json_loads(PQgetvalue(res, r, 5), 0, NULL);
        const char *status = "done";
        json_t *result;
        /* A reminder after the due moment can no longer help: recorded, not sent. */
        if (PQgetvalue(res, r, 7)[0] == 't') {
            status = "skipped";
            result = json_pack("{s:i, s:s}", "mails", 0, "reason", "the due moment has passed");
        } else if (json_array_size(items) == 0) {
            result = json_pack("{s:i, s:s}", "mails", 0, "reason", "everything is published");
        } else if (json_array_size(emails) == 0) {
            result = json_pack("{s:i, s:s}", "mails", 0, "reason", "no contact e-mail");
        } else {
            int n = reminder_mails(cfg, k, period_text, res, r, items, emails, mails);
            result = json_pack("{s:i, s:i}", "mails", n, "items", (int)json_array_size(items));
        }
        json_array_append_new(outcomes, json_pack("{s:s, s:s, s:o}", "id", PQgetvalue(res, r, 0),
                                                  "status", status, "result", result));
        json_decref(items);
        json_decref(emails);
    }
    *done += PQntuples(res);
    PQclear(res);
    char *m = dump(mails), *o = dump(outcomes);
    bool ok = job_commit_batch(db, m, o, now, err);
    free(m);
    free(o);
    json_decref(mails);
    json_decref(outcomes);
    return ok;
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

static bool plan_all(const sched_config_t *cfg, db_t *db, const char *now, app_error_t *err)
{
    for (size_t i = 0; i < NKINDS; i++) {
        long n = 0;
        if (!job_plan_after_period(db, KINDS[i].name, KINDS[i].day, KINDS[i].hour,
                                   KINDS[i].minute, now, cfg->lookback_days, NULL, &n, err))
            return false;
    }
    return true;
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
    bool ok = k ? run_reminders(cfg, db, k, period, ids, fences, now, done, &why)
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

bool scheduler_drain(const sched_config_t *cfg, db_t *db, long *runs, app_error_t *err)
{
    char now[32];
    clock_format(clock_now_us(), now);
    *runs = 0;
    if (!db_ensure(db, err) || !plan_all(cfg, db, now, err))
        return false;
    int n;
    while ((n = run_one_batch(cfg, db, runs, err)) > 0)
        ;
    return n == 0;
}

struct scheduler {
    sched_config_t cfg;
    int64_t last_plan;
    ticker_t *ticker;
};

/* One step: plan when the interval has passed, then one batch. */
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

scheduler_t *scheduler_start(const sched_config_t *cfg)
{
    scheduler_t *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->cfg = *cfg;
    s->ticker = ticker_start(s->cfg.conninfo, s->cfg.tick_ms, sched_step, s);
    return s;
}

void scheduler_stop(scheduler_t *s)
{
    if (!s)
        return;
    ticker_stop(s->ticker);
    free(s);
}
