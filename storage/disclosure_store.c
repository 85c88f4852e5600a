/* Disclosure rules and compliance queries. */
#include "disclosure_store.h"

#include "../domain/cursor.h"
#include "../domain/textcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *member(json_t *doc, const char *name)
{
    return json_string_value(json_object_get(doc, name));
}

bool requirement_rule(db_t *db, const char *id, json_t *doc, app_error_t *err)
{
    (void)db;
    (void)id;
    bool amount = !json_is_null(json_object_get(doc, "threshold_amount")) &&
                  json_object_get(doc, "threshold_amount");
    bool currency = member(doc, "threshold_currency") != NULL;
    if (amount != currency) {
        err_field(err, amount ? "threshold_currency" : "threshold_amount", "required",
                  "A threshold needs both its amount and its currency.");
        return false;
    }
    const char *from = member(doc, "active_from"), *to = member(doc, "active_to");
    if (from && to && strcmp(to, from) < 0) {
        err_field(err, "active_to", "invalid", "Must not be before active_from.");
        return false;
    }
    return true;
}

bool disclosure_rule(db_t *db, const char *id, json_t *doc, app_error_t *err)
{
    (void)id;
    period_t p;
    const char *period = member(doc, "period");
    bool amount = member(doc, "amount") != NULL, currency = member(doc, "currency") != NULL;
    if (amount != currency) {
        err_field(err, amount ? "currency" : "amount", "required",
                  "An amount needs its currency, and a currency its amount.");
        return false;
    }
    if (!period || !period_parse(period, &p))
        return true; /* validation has said so already */
    char first[11], last[11];
    text_format_date(period_first_day(&p), first);
    text_format_date(period_last_day(&p), last);
    const char *params[] = {member(doc, "requirement_id"), member(doc, "organization_id"), first,
                            last};
    PGresult *res = db_exec(db,
                            "SELECT r.frequency, o.disclosure_frequency,"
                            " r.jurisdiction = o.jurisdiction AND r.org_kinds ? o.kind,"
                            " r.active_from <= $4::date AND (r.active_to IS NULL OR"
                            " r.active_to >= $3::date)"
                            " FROM disclosure_requirements r, organizations o"
                            " WHERE r.id = $1::uuid AND o.id = $2::uuid",
                            4, params, err);
    if (!res)
        return false;
    if (PQntuples(res) == 0) { /* the foreign keys name which one is missing */
        PQclear(res);
        return true;
    }
    const char *want = PQgetvalue(res, 0, 0), *org_freq = PQgetvalue(res, 0, 1);
    bool quarterly = strcmp(want, "quarterly") == 0;
    bool ok = true;
    if (quarterly != (p.quarter != 0)) {
        err_field(err, "period", "invalid", "The requirement is %s: give a %s.", want,
                  quarterly ? "quarter such as 2026-Q3" : "month such as 2026-10");
        ok = false;
    } else if (strcmp(want, org_freq) != 0 || PQgetvalue(res, 0, 2)[0] != 't') {
        err_field(err, "requirement_id", "invalid",
                  "The requirement does not apply to this organization (its jurisdiction, kind "
                  "or disclosure frequency).");
        ok = false;
    } else if (PQgetvalue(res, 0, 3)[0] != 't') {
        err_field(err, "period", "invalid", "The requirement is not in force for this period.");
        ok = false;
    }
    PQclear(res);
    return ok;
}

void disclosure_period_params(const period_t *p, const char *as_of, period_params_t *b,
                              const char **params)
{
    int y, m;
    period_format(p, b->period);
    text_format_date(period_first_day(p), b->first);
    text_format_date(period_last_day(p), b->last);
    period_due_month(p, &y, &m);
    snprintf(b->year, sizeof b->year, "%d", y % 100000);
    snprintf(b->month, sizeof b->month, "%d", m % 100);
    params[0] = b->period;
    params[1] = p->quarter ? "quarterly" : "monthly";
    params[2] = b->first;
    params[3] = b->last;
    params[4] = b->year;
    params[5] = b->month;
    params[6] = as_of;
}

static bool single_json(PGresult *res, char **json_out, app_error_t *err)
{
    if (!res)
        return false;
    *json_out = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!*json_out)
        abort();
    (void)err;
    return true;
}

bool disclosure_compliance(db_t *db, const principal_t *who, const char *org_id,
                           const period_t *period, const char *as_of, char **json_out,
                           app_error_t *err)
{
    const char *params[10];
    period_params_t b;
    disclosure_period_params(period, as_of, &b, params);
    params[7] = org_id;
    params[8] = authz_scope(who);
    PGresult *res = db_exec(db,
                            "SELECT disclosure_frequency FROM organizations WHERE id = $1::uuid"
                            " AND ($2::uuid IS NULL OR org_in_subtree(id, $2::uuid))",
                            2, params + 7, err);
    if (!res)
        return false;
    if (PQntuples(res) == 0) {
        PQclear(res);
        err_set(err, ERR_NOT_FOUND, "No organizations with id %s.", org_id);
        return false;
    }
    bool quarterly = strcmp(PQgetvalue(res, 0, 0), "quarterly") == 0;
    PQclear(res);
    if (quarterly != (period->quarter != 0)) {
        err_field(err, "period", "invalid", "This organization discloses %s: give a %s.",
                  quarterly ? "quarterly" : "monthly",
                  quarterly ? "quarter such as 2026-Q3" : "month such as 2026-10");
        return false;
    }
    res = db_exec(db,
                  DISCLOSURE_ITEMS_SQL("SELECT id, name, kind, jurisdiction, timezone, disclosure_frequency"
                            " FROM organizations WHERE id = $8::uuid")
                  " SELECT json_build_object('organization_id', $8::uuid, 'period', $1::text,"
                  " 'timezone', (SELECT timezone FROM organizations WHERE id = $8::uuid),"
                  " 'as_of', " TS("$7::timestamptz") ", 'counts', (SELECT " COUNTS_SQL " FROM s),"
                  " 'items', coalesce((SELECT json_agg(json_build_object('requirement_id',"
                  " requirement_id, 'code', code, 'name', name, 'category', category, 'due_date',"
                  " due_date, 'due_at', " TS("due_at") ", 'status', status, 'disclosure_id',"
                  " disclosure_id, 'published_at', " TS("published_at") ") ORDER BY code) FROM s),"
                  " '[]'::json))::text",
                  8, params, err);
    return single_json(res, json_out, err);
}

/* The subtree of $8 (else of $9, else every organization) disclosing at $2.
 * The walk is org_subtree's, carrying the columns as it goes: filtering
 * organizations by `id IN (SELECT org_subtree(...))` read all of them and
 * took twice as long. */
#define BOARD_ORGS_SQL                                                                             \
    "WITH RECURSIVE down (id, name, kind, jurisdiction, timezone, disclosure_frequency, depth)"    \
    " AS (SELECT id, name, kind, jurisdiction, timezone, disclosure_frequency, 0"                  \
    "  FROM organizations WHERE id = coalesce($8::uuid, $9::uuid)"                                 \
    "  UNION ALL SELECT c.id, c.name, c.kind, c.jurisdiction, c.timezone,"                         \
    "  c.disclosure_frequency, down.depth + 1"                                                     \
    "  FROM organizations c JOIN down ON c.parent_id = down.id WHERE down.depth < 100)"            \
    " SELECT id, name, kind, jurisdiction, timezone, disclosure_frequency FROM down"               \
    " WHERE disclosure_frequency = $2"                                                             \
    " UNION ALL SELECT id, name, kind, jurisdiction, timezone, disclosure_frequency"               \
    " FROM organizations WHERE coalesce($8::uuid, $9::uuid) IS NULL"                               \
    " AND disclosure_frequency = $2"

/* After the items: g counts each organization's items by status (OFFSET 0
 * keeps s a subquery, so that each item's status is worked out once, not once
 * per FILTER), pg is the page ($12 organizations with late or missing items
 * after the cursor $10/$11, and one more to tell whether another page
 * follows), and only the page's organizations have their items read in full.
 * Their names bound s before the join with pg, so that the planner filters
 * pub, not 60,000 items. The second column is the last organization shown
 * when more follow. */
#define BOARD_SQL                                                                                  \
    DISCLOSURE_ITEMS_AS(BOARD_ORGS_SQL, "NOT MATERIALIZED")                                        \
    ", g AS MATERIALIZED (SELECT organization_id, organization_name,"                              \
    "  count(*) FILTER (WHERE status = 'on_time') AS on_time,"                                     \
    "  count(*) FILTER (WHERE status = 'late') AS late,"                                           \
    "  count(*) FILTER (WHERE status = 'missing') AS missing,"                                     \
    "  count(*) FILTER (WHERE status = 'not_due') AS not_due"                                      \
    "  FROM (SELECT organization_id, organization_name, status FROM s OFFSET 0) x"                 \
    "  GROUP BY organization_id, organization_name),"                                              \
    " pg AS (SELECT organization_id, organization_name,"                                           \
    "  row_number() OVER (ORDER BY organization_name, organization_id) AS n"                       \
    "  FROM (SELECT organization_id, organization_name FROM g"                                     \
    "   WHERE (late > 0 OR missing > 0) AND ($10::uuid IS NULL"                                    \
    "    OR (organization_name, organization_id) > ($11::text, $10::uuid))"                        \
    "   ORDER BY organization_name, organization_id LIMIT $12::int + 1) x),"                       \
    " e AS (SELECT s.organization_id, s.organization_name,"                                        \
    "  coalesce(json_agg(json_build_object('requirement_id', s.requirement_id, 'code', s.code,"    \
    "   'name', s.name, 'due_at', " TS("s.due_at") ", 'published_at', " TS("s.published_at") ")"   \
    "   ORDER BY s.code) FILTER (WHERE s.status = 'late'), '[]') AS late,"                         \
    "  coalesce(json_agg(json_build_object('requirement_id', s.requirement_id, 'code', s.code,"    \
    "   'name', s.name, 'due_at', " TS("s.due_at") ") ORDER BY s.code)"                            \
    "   FILTER (WHERE s.status = 'missing'), '[]') AS missing"                                     \
    "  FROM s WHERE s.organization_name BETWEEN (SELECT min(organization_name) FROM pg"            \
    "   WHERE n <= $12) AND (SELECT max(organization_name) FROM pg WHERE n <= $12)"                \
    "  AND s.organization_id IN (SELECT organization_id FROM pg WHERE n <= $12)"                   \
    "  AND s.status IN ('late', 'missing')"                                                        \
    "  GROUP BY s.organization_id, s.organization_name)"                                           \
    " SELECT json_build_object('organization_id', coalesce($8::uuid, $9::uuid),"                   \
    "  'period', $1::text, 'as_of', " TS("$7::timestamptz") ","                                    \
    "  'organizations', (SELECT count(*) FROM o),"                                                 \
    "  'counts', (SELECT json_build_object('on_time', coalesce(sum(on_time), 0)::bigint,"          \
    "   'late', coalesce(sum(late), 0)::bigint, 'missing', coalesce(sum(missing), 0)::bigint,"     \
    "   'not_due', coalesce(sum(not_due), 0)::bigint) FROM g),"                                    \
    "  'late_organizations', (SELECT count(*) FROM g WHERE late > 0 OR missing > 0),"              \
    "  'entries', coalesce((SELECT json_agg(json_build_object('organization_id',"                  \
    "   organization_id, 'organization_name', organization_name, 'late', late,"                    \
    "   'missing', missing) ORDER BY organization_name, organization_id) FROM e), '[]'))::text,"   \
    "  (SELECT organization_id FROM pg WHERE n = $12 AND EXISTS (SELECT FROM pg WHERE n > $12))"

/* Adds "next_cursor" to the object res gives as text: the cursor of the
 * organization in its second column, or null. */
static char *board_finish(PGresult *res)
{
    const char *json = PQgetvalue(res, 0, 0);
    size_t n = strlen(json);
    char cur[CURSOR_LEN + 3] = "null";
    if (!PQgetisnull(res, 0, 1)) {
        cur[0] = '"';
        cursor_encode(PQgetvalue(res, 0, 1), cur + 1);
        strcat(cur, "\"");
    }
    char *out;
    if (n == 0 || json[n - 1] != '}' ||
        asprintf(&out, "%.*s,\"next_cursor\":%s}", (int)(n - 1), json, cur) < 0)
        abort();
    return out;
}

bool disclosure_board(db_t *db, const principal_t *who, const char *root, const period_t *period,
                      const char *as_of, const list_query_t *page, char **json_out,
                      app_error_t *err)
{
    const char *params[12];
    char limit[12];
    period_params_t b;
    disclosure_period_params(period, as_of, &b, params);
    params[7] = root;
    params[8] = authz_scope(who);
    params[9] = page->has_after ? page->after : NULL;
    params[10] = NULL;
    snprintf(limit, sizeof limit, "%d", page->limit);
    params[11] = limit;
    /* A root outside the caller's subtree is not found, as for GET. */
    if (root) {
        PGresult *res = db_exec(db,
                                "SELECT 1 FROM organizations WHERE id = $1::uuid"
                                " AND ($2::uuid IS NULL OR org_in_subtree(id, $2::uuid))",
                                2, params + 7, err);
        if (!res)
            return false;
        bool found = PQntuples(res) == 1;
        PQclear(res);
        if (!found) {
            err_set(err, ERR_NOT_FOUND, "No organizations with id %s.", root);
            return false;
        }
    }
    /* The page goes on after the cursor's organization, by its name: one
     * outside the subtree (or since deleted) has no place in this board. */
    PGresult *after = NULL;
    if (page->has_after) {
        after = db_exec(db,
                        "SELECT name FROM organizations WHERE id = $3::uuid"
                        " AND (coalesce($1::uuid, $2::uuid) IS NULL"
                        "  OR org_in_subtree(id, coalesce($1::uuid, $2::uuid)))",
                        3, params + 7, err);
        if (!after)
            return false;
        if (PQntuples(after) == 0) {
            PQclear(after);
            err_field(err, "cursor", "invalid",
                      "Not a cursor of this board: its organization is not in the subtree.");
            return false;
        }
        params[10] = PQgetvalue(after, 0, 0);
    }
    PGresult *res = db_exec(db, BOARD_SQL, 12, params, err);
    PQclear(after);
    if (!res)
        return false;
    *json_out = board_finish(res);
    PQclear(res);
    return true;
}
