/* Scheduler SQL. */
#include "job_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/textcheck.h"
#include "disclosure_store.h"

/* Organizations that must disclose something at their own frequency. */
#define HAS_REQUIREMENTS                                                                       \
    "EXISTS (SELECT 1 FROM disclosure_requirements q WHERE q.jurisdiction = o.jurisdiction"   \
    " AND q.org_kinds ? o.kind AND q.frequency = o.disclosure_frequency)"

static bool count_result(PGresult *res, long *n)
{
    if (!res)
        return false;
    *n = atol(PQcmdTuples(res));
    PQclear(res);
    return true;
}

bool job_plan_after_period(db_t *db, const char *kind, int day, int hour, int minute,
                           const char *now, int lookback_days, const char *org, long *inserted,
                           app_error_t *err)
{
    char d[8], h[8], m[8], lb[16];
    snprintf(d, sizeof d, "%d", day);
    snprintf(h, sizeof h, "%d", hour);
    snprintf(m, sizeof m, "%d", minute);
    snprintf(lb, sizeof lb, "%d", lookback_days);
    const char *params[] = {kind, d, h, m, now, lb, org};
    /* Months are walked in each organization's own zone: the run moment is
     * a local day and time, stored as the instant it is there. A quarterly
     * organization has a period only in the month after a quarter. */
    PGresult *res = db_exec(
        db,
        "INSERT INTO job_runs (kind, period, organization_id, due_at, next_attempt_at)"
        " SELECT $1, p.period, o.id, p.run_at, p.run_at FROM organizations o"
        " CROSS JOIN LATERAL (SELECT CASE WHEN o.disclosure_frequency = 'quarterly'"
        "  THEN to_char(m - interval '1 month', 'YYYY') || '-Q' ||"
        "   extract(quarter FROM m - interval '1 month')"
        "  ELSE to_char(m - interval '1 month', 'YYYY-MM') END AS period,"
        "  ((m::date + ($2::int - 1)) + make_time($3::int, $4::int, 0)) AT TIME ZONE o.timezone"
        "   AS run_at"
        "  FROM generate_series(date_trunc('month', ($5::timestamptz AT TIME ZONE o.timezone)"
        "   - make_interval(days => $6::int)), date_trunc('month', $5::timestamptz AT TIME ZONE"
        "   o.timezone), interval '1 month') AS m"
        "  WHERE o.disclosure_frequency = 'monthly' OR extract(month FROM m) IN (1, 4, 7, 10)) p"
        " WHERE p.run_at <= $5::timestamptz"
        "  AND p.run_at > $5::timestamptz - make_interval(days => $6::int)"
        "  AND ($7::uuid IS NULL OR o.id = $7::uuid) AND " HAS_REQUIREMENTS
        " ON CONFLICT ON CONSTRAINT job_runs_kind_period_org_key DO NOTHING",
        7, params, err);
    return count_result(res, inserted);
}

bool job_plan_period(db_t *db, const char *kind, const period_t *period, const char *org,
                     const char *now, long *inserted, app_error_t *err)
{
    char p[8];
    period_format(period, p);
    const char *params[] = {kind, p, period->quarter ? "quarterly" : "monthly", org, now};
    PGresult *res = db_exec(db,
                            "INSERT INTO job_runs (kind, period, organization_id, due_at,"
                            " next_attempt_at)"
                            " SELECT $1, $2, o.id, $5::timestamptz, $5::timestamptz"
                            " FROM organizations o WHERE o.disclosure_frequency = $3"
                            " AND ($4::uuid IS NULL OR o.id = $4::uuid) AND " HAS_REQUIREMENTS
                            " ON CONFLICT ON CONSTRAINT job_runs_kind_period_org_key DO NOTHING",
                            5, params, err);
    return count_result(res, inserted);
}

#define READY                                                                                  \
    "status IN ('pending', 'running') AND next_attempt_at <= $1::timestamptz"                \
    " AND (status = 'pending' OR lease_until < $1::timestamptz)"

int job_claim(db_t *db, const char *owner, const char *now, int lease_s, int max,
              char kind[64], char period[8], job_claim_t *out, app_error_t *err)
{
    char lease[16], lim[16];
    snprintf(lease, sizeof lease, "%d", lease_s);
    snprintf(lim, sizeof lim, "%d", max);
    const char *params[] = {now, lim, owner, lease};
    /* SKIP LOCKED: instances claiming at once take disjoint runs. */
    PGresult *res = db_exec(
        db,
        "WITH first AS (SELECT kind, period FROM job_runs WHERE " READY
        "  ORDER BY due_at, kind, period LIMIT 1),"
        /* LATERAL: the batch is walked on (kind, period, due_at, id) for the one
         * (kind, period) chosen, not filtered out of every unfinished run. */
        " pick AS (SELECT p.id FROM first f CROSS JOIN LATERAL (SELECT r.id FROM job_runs r"
        "  WHERE r.kind = f.kind AND r.period = f.period AND r." READY
        "  ORDER BY r.due_at, r.id LIMIT $2::int FOR UPDATE OF r SKIP LOCKED) p)"
        " UPDATE job_runs r SET status = 'running', lease_owner = $3,"
        "  lease_until = $1::timestamptz + make_interval(secs => $4::int), fence = r.fence + 1,"
        "  attempts = r.attempts + 1, updated_at = now(), version = r.version + 1"
        " FROM pick WHERE r.id = pick.id RETURNING r.id::text, r.fence::text, r.kind, r.period",
        4, params, err);
    if (!res)
        return -1;
    int n = PQntuples(res);
    for (int i = 0; i < n; i++) {
        snprintf(out[i].id, sizeof out[i].id, "%s", PQgetvalue(res, i, 0));
        snprintf(out[i].fence, sizeof out[i].fence, "%s", PQgetvalue(res, i, 1));
        snprintf(kind, 64, "%s", PQgetvalue(res, i, 2));
        snprintf(period, 8, "%s", PQgetvalue(res, i, 3));
    }
    PQclear(res);
    return n;
}

PGresult *job_reminder_facts(db_t *db, const char *owner, const char *ids, const char *fences,
                             const period_t *period, const char *now, app_error_t *err)
{
    const char *params[10];
    period_params_t b;
    disclosure_period_params(period, now, &b, params);
    params[7] = ids;
    params[8] = fences;
    params[9] = owner;
    if (!db_begin(db, err))
        return NULL;
    /* FOR UPDATE of the runs still held by this claim (id and fence match):
     * a claim that lost its lease to another instance finds none. */
    PGresult *res = db_exec(
        db,
        DISCLOSURE_ITEMS_SQL(
            "SELECT o.id, o.name, o.kind, o.jurisdiction, o.timezone, o.disclosure_frequency,"
            " o.locale, o.contact_emails, r.id AS run_id"
            " FROM job_runs r JOIN unnest($8::uuid[], $9::bigint[]) AS c(id, fence)"
            "  ON c.id = r.id AND c.fence = r.fence"
            " JOIN organizations o ON o.id = r.organization_id"
            " WHERE r.lease_owner = $10 AND r.status = 'running' FOR UPDATE OF r")
        /* Per organization first, then joined: a join of o to every item
         * would walk the items once per organization. */
        ", a AS MATERIALIZED (SELECT s.organization_id, min(s.due_at) AS due_at,"
        "  bool_or($7::timestamptz >= s.due_at) AS past_due,"
        "  json_agg(json_build_object('code', s.code, 'name', s.name) ORDER BY s.code)"
        "   FILTER (WHERE s.published_at IS NULL) AS items"
        "  FROM s GROUP BY s.organization_id)"
        " SELECT o.run_id, o.id, o.name, o.locale, o.timezone, o.contact_emails::text,"
        "  coalesce(to_char(a.due_at AT TIME ZONE o.timezone - interval '1 minute',"
        "   'YYYY-MM-DD HH24:MI'), ''),"
        "  coalesce(a.past_due, false), coalesce(a.items, '[]')::text"
        " FROM o LEFT JOIN a ON a.organization_id = o.id",
        10, params, err);
    if (!res)
        db_rollback(db);
    return res;
}

bool job_commit_batch(db_t *db, const char *mails, const char *outcomes, const char *now,
                      app_error_t *err)
{
    /* Ready from the run's own now: the process clock, not the database's. */
    const char *p1[] = {mails, now};
    PGresult *res = db_exec(
        db,
        "INSERT INTO notifications (dedupe_key, job_run_id, organization_id, recipient, locale,"
        " template, subject, body_text, body_html, message_id, next_attempt_at)"
        " SELECT x.dedupe_key, x.job_run_id, x.organization_id, x.recipient, x.locale, x.template,"
        "  x.subject, x.body_text, x.body_html, x.message_id, $2::timestamptz"
        " FROM json_to_recordset($1::json) AS x(dedupe_key text, job_run_id uuid,"
        "  organization_id uuid, recipient text, locale text, template text, subject text,"
        "  body_text text, body_html text, message_id text)"
        " ON CONFLICT (dedupe_key) DO NOTHING",
        2, p1, err);
    if (!res)
        goto fail;
    PQclear(res);
    const char *p2[] = {outcomes, now};
    res = db_exec(db,
                  "UPDATE job_runs r SET status = x.status, result = x.result,"
                  " finished_at = $2::timestamptz, lease_owner = NULL, lease_until = NULL,"
                  " last_error = NULL, updated_at = now(), version = r.version + 1"
                  " FROM json_to_recordset($1::json) AS x(id uuid, status text, result jsonb)"
                  " WHERE r.id = x.id",
                  2, p2, err);
    if (!res)
        goto fail;
    PQclear(res);
    return db_commit(db, err);
fail:
    db_rollback(db);
    return false;
}

bool job_fail_batch(db_t *db, const char *owner, const char *ids, const char *fences,
                    const char *now, int max_attempts, int backoff_s, const char *why,
                    app_error_t *err)
{
    char max[16], back[16];
    snprintf(max, sizeof max, "%d", max_attempts);
    snprintf(back, sizeof back, "%d", backoff_s);
    const char *params[] = {ids, fences, owner, now, max, back, why};
    PGresult *res = db_exec(
        db,
        "UPDATE job_runs r SET status = CASE WHEN r.attempts >= $5::int THEN 'failed'"
        "  ELSE 'pending' END,"
        " next_attempt_at = $4::timestamptz + make_interval(secs => $6::int *"
        "  power(2, greatest(r.attempts - 1, 0))),"
        " finished_at = CASE WHEN r.attempts >= $5::int THEN $4::timestamptz END,"
        " last_error = $7, lease_owner = NULL, lease_until = NULL, updated_at = now(),"
        " version = r.version + 1"
        " FROM unnest($1::uuid[], $2::bigint[]) AS c(id, fence)"
        " WHERE r.id = c.id AND r.fence = c.fence AND r.lease_owner = $3",
        7, params, err);
    PQclear(res);
    return res != NULL;
}
