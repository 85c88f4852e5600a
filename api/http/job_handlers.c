/* HTTP adapters for the scheduler: the job kinds, and running a period now. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../domain/textcheck.h"
#include "../../jobs/clock.h"
#include "../../jobs/scheduler.h"
#include "../../storage/entity_store.h"
#include "../../storage/job_store.h"
#include "../../storage/outbox_store.h"
#include "routes.h"

/* Reading the job table is reading the runs' metadata. */
static bool may_read_jobs(http_req_t *r)
{
    return authz_entity(registry_find("job-runs"), &r->auth.who, false, req_err(r));
}

static const char *const JOB_AUDIENCES[] = {[JOB_TARGET_DISCLOSERS] = "organizations",
                                            [JOB_TARGET_SUPERVISORS] = "supervisors",
                                            [JOB_TARGET_ADMINISTRATORS] = "administrators"};
static const char *const SCHEDULES[] = {[RULE_MONTH_DAY] = "month_day",
                                        [RULE_FIRST_WORKING_DAY] = "first_working_day",
                                        [RULE_YEAR_DAY] = "year_day"};

/* The rule's next local date on or after today (UTC), as YYYY-MM-DDTHH:MM:
 * each organization runs it at that wall-clock time in its own zone. For
 * the first working day after a quarter, the quarter's first day: each
 * jurisdiction runs on its first working day from then. */
static void next_local(const job_kind_t *k, char out[24])
{
    const job_rule_t *w = &k->when;
    int32_t today = (int32_t)(clock_now_us() / 1000000 / 86400);
    int y;
    unsigned m, d, day = (unsigned)w->day;
    date_to_ymd(today, &y, &m, &d);
    if (w->kind == RULE_MONTH_DAY) {
        if (d > day) {
            m = m == 12 ? 1 : m + 1;
            y = m == 1 ? y + 1 : y;
        }
    } else if (w->kind == RULE_YEAR_DAY) {
        if (m > (unsigned)w->month || (m == (unsigned)w->month && d > day))
            y++;
        m = (unsigned)w->month;
    } else {
        day = 1;
        if (d > 1 || (m - 1) % 3 != 0)
            m = (m - 1) / 3 * 3 + 4;
        if (m > 12) {
            m = 1;
            y++;
        }
    }
    snprintf(out, 24, "%04d-%02u-%02uT%02d:%02d", y % 10000, m % 100, day % 100, w->hour % 100,
             w->minute % 100);
}

void h_jobs(http_req_t *r, db_t *db)
{
    (void)db;
    if (r->query || !may_read_jobs(r)) {
        if (r->query)
            err_field(req_err(r), "query", "unknown_parameter", "This route takes no parameters.");
        http_reply_error(r, req_err(r));
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < job_kinds_count(); i++) {
        const job_kind_t *k = job_kind(i);
        char next[24];
        next_local(k, next);
        const job_rule_t *w = &k->when;
        /* Members a schedule has no use for are null. */
        json_t *month = w->kind == RULE_YEAR_DAY ? json_integer(w->month) : json_null();
        json_t *day = w->kind != RULE_FIRST_WORKING_DAY ? json_integer(w->day) : json_null();
        json_t *after = w->kind == RULE_MONTH_DAY ? json_integer(w->months_after) : json_null();
        json_array_append_new(
            items, json_pack("{s:s, s:s, s:s, s:o, s:o, s:i, s:i, s:o, s:s, s:s, s:s}", "kind",
                             k->name, "rule", k->rule, "schedule", SCHEDULES[w->kind], "month",
                             month, "day", day, "hour", w->hour, "minute", w->minute,
                             "months_after", after, "audience", JOB_AUDIENCES[w->target],
                             "template", k->template, "next_local", next));
    }
    json_t *doc = json_pack("{s:o}", "items", items);
    char *body = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!body)
        abort();
    http_reply(r, 200, "application/json", body, strlen(body));
}

/* POST /v1/jobs/{kind}/runs {"period": P, "organization_id": ID?}: plans the
 * period's runs now; the scheduler picks them up. Planning twice plans
 * nothing the second time. */
void h_job_run(http_req_t *r, db_t *db)
{
    app_error_t *err = req_err(r);
    const job_kind_t *k = job_kind_find(r->params[0]);
    if (!k) {
        err_set(err, ERR_NOT_FOUND, "No job kind %s.", r->params[0]);
        http_reply_error(r, err);
        return;
    }
    /* Planning decides that mail goes out: an admin's call. */
    if (r->auth.who.role != ROLE_ADMIN) {
        err_set(err, ERR_FORBIDDEN, "Only an admin may plan job runs.");
        http_reply_error(r, err);
        return;
    }
    json_t *doc = NULL;
    period_t period;
    char org[37] = "", why[300];
    job_plan_check_t check;
    if (no_query(r) && read_body(r, false, &doc)) {
        const char *key;
        json_t *v;
        json_object_foreach(doc, key, v)
        {
            if (strcmp(key, "period") != 0 && strcmp(key, "organization_id") != 0)
                err_field(err, key, "unknown_field", "Unknown field.");
        }
        json_t *pv = json_object_get(doc, "period");
        const char *p = json_string_value(pv);
        json_t *o = json_object_get(doc, "organization_id");
        if (!pv)
            err_field(err, "period", "required",
                      "Is required: a month (2026-10), a quarter (2026-Q3) or a year (2026).");
        else if (!p || strlen(p) != json_string_length(pv) || !period_parse_any(p, &period))
            err_field(err, "period", "format",
                      "Must be a month (2026-10), a quarter (2026-Q3) or a year (2026).");
        else if ((check = job_kind_plannable(k, &period, clock_now_us(), why, sizeof why)))
            err_field(err, "period", check == PLAN_TOO_EARLY ? "not_due" : "invalid", "%s", why);
        if (o && !json_is_null(o) &&
            (!json_is_string(o) || strlen(json_string_value(o)) != json_string_length(o) ||
             !text_uuid_normalize(json_string_value(o), org)))
            err_field(err, "organization_id", "format", "Must be a UUID.");
        if (!org[0] && !r->auth.who.global)
            err_field(err, "organization_id", "required",
                      "A caller bound to an organization names one in its subtree.");
    }
    json_decref(doc);
    char now[32];
    clock_format(clock_now_us(), now);
    long planned = 0;
    bool ok = err->kind == ERR_NONE && db_ensure(db, err) &&
              (!org[0] || store_in_scope(db, &r->auth.who, org, err)) &&
              job_plan_period(db, k->name, k->when.target, &period, org[0] ? org : NULL, now, &planned, err);
    if (!ok) {
        http_reply_error(r, err);
        return;
    }
    char p[8], *body;
    period_format(&period, p);
    int n = org[0] ? asprintf(&body, "{\"kind\":\"%s\",\"period\":\"%s\",\"organization_id\":\"%s\","
                                     "\"planned\":%ld}", k->name, p, org, planned)
                   : asprintf(&body, "{\"kind\":\"%s\",\"period\":\"%s\",\"organization_id\":null,"
                                     "\"planned\":%ld}", k->name, p, planned);
    if (n < 0)
        abort();
    http_reply(r, 202, "application/json", body, (size_t)n);
}

/* POST /v1/notifications/{id}/resend (admin): queue the mail again,
 * keeping the row's Message-ID; the sender delivers it on its next pass. */
void h_notification_resend(http_req_t *r, db_t *db)
{
    char id[37], now[32];
    app_error_t *err = req_err(r);
    clock_format(clock_now_us(), now);
    bool ok = path_id(r, id) && no_query(r) &&
              authz_entity(registry_find("notifications"), &r->auth.who, false, err) &&
              db_ensure(db, err) && outbox_resend(db, id, authz_scope(&r->auth.who), now, err);
    if (!ok) {
        http_reply_error(r, err);
        return;
    }
    char *body;
    int n = asprintf(&body, "{\"id\":\"%s\",\"status\":\"pending\"}", id);
    if (n < 0)
        abort();
    http_reply(r, 202, "application/json", body, (size_t)n);
}
