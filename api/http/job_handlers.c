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

/* The rule's next local date on or after today (UTC), as YYYY-MM-DDTHH:MM:
 * each organization runs it at that wall-clock time in its own zone. */
static void next_local(const job_kind_t *k, char out[24])
{
    int32_t today = (int32_t)(clock_now_us() / 1000000 / 86400);
    int y;
    unsigned m, d;
    date_to_ymd(today, &y, &m, &d);
    if ((int)d > k->when.day) {
        m = m == 12 ? 1 : m + 1;
        y = m == 1 ? y + 1 : y;
    }
    snprintf(out, 24, "%04d-%02u-%02dT%02d:%02d", y % 10000, m % 100, k->when.day % 100,
             k->when.hour % 100, k->when.minute % 100);
}

void h_jobs(http_req_t *r, db_t *db)
{
    (void)db;
    if (r->query || !may_read_jobs(r)) {
        if (r->query)
            err_field(req_err(r), "query", "unknown_parameter", "This route takes no parameters.");
        http_reply_error(r, r->err);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < job_kinds_count(); i++) {
        const job_kind_t *k = job_kind(i);
        char next[24];
        next_local(k, next);
        json_array_append_new(
            items, json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:s, s:s, s:s}", "kind", k->name,
                             "rule", k->rule, "day", k->when.day, "hour", k->when.hour, "minute",
                             k->when.minute, "months_after", k->when.months_after, "audience",
                             k->when.supervisors ? "supervisors" : "organizations", "template",
                             k->template, "next_local", next));
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
            err_field(err, "period", "required", "Is required: a month (2026-10) or a quarter (2026-Q3).");
        else if (!p || strlen(p) != json_string_length(pv) || !period_parse(p, &period))
            err_field(err, "period", "format", "Must be a month (2026-10) or a quarter (2026-Q3).");
        else if (!job_kind_plannable(k, &period, clock_now_us(), why, sizeof why))
            err_field(err, "period", "not_due", "%s", why);
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
              job_plan_period(db, k->name, k->when.supervisors, &period, org[0] ? org : NULL, now, &planned, err);
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
