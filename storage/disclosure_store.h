/* Transparency: the rules a disclosure must meet that need the database,
 * and compliance (DESIGN §1.2) computed in SQL: one query per organization
 * or per subtree, with each requirement's due instant in the
 * organization's own time zone. */
#ifndef PROBITY_DISCLOSURE_STORE_H
#define PROBITY_DISCLOSURE_STORE_H

#include <jansson.h>
#include <stdbool.h>

#include "../domain/authz.h"
#include "../domain/disclosure.h"
#include "../domain/query.h"
#include "db.h"

/* Before a disclosure is written: the requirement applies to the
 * organization (jurisdiction, kind, frequency) and is in force for the
 * period, whose kind matches the requirement's frequency. */
bool disclosure_rule(db_t *db, const char *id, json_t *doc, app_error_t *err);
/* Before a requirement is written: a threshold has its currency. */
bool requirement_rule(db_t *db, const char *id, json_t *doc, app_error_t *err);

/* The items of every organization in `orgs` for the period as they stood
 * at $7 (a publication dated later does not count yet), as rows of
 * (organization, requirement, due instant, publication, status). Shared by
 * the one-organization view, the board and the reminders, so all count
 * alike. s is MATERIALIZED: inlined into a join per organization it was
 * computed once per organization (500 x 500 for a batch of reminders).
 * Parameters: $1 period text, $2 frequency, $3 first day, $4 last day,
 * $5 due year, $6 due month, $7 as_of; `orgs` adds its own from $8.
 * Besides o and s it names the CTEs due, pub and i; callers must not reuse
 * those names. */
#define DISCLOSURE_ITEMS_SQL(orgs) DISCLOSURE_ITEMS_AS(orgs, "MATERIALIZED")

/* The same items with s as `how` ("MATERIALIZED" or "NOT MATERIALIZED"): the
 * board counts every item of a subtree (60,000 in bench/jobs.sh) but reads
 * few of their columns, which an inlined s lets it do without storing every
 * row (on disk, past work_mem).
 * - due: an organization's requirements and due instants depend only on its
 *   jurisdiction, kind and zone, so they are worked out once per such
 *   profile; a time-zone conversion per item cost that board 50 ms.
 * - pub: each organization's publications for the period as arrays, from one
 *   index probe per organization; a probe per item read six times the
 *   buffers. A hash join would read the period's publications of every
 *   organization, and the planner cannot tell when that pays: o is a CTE it
 *   has no statistics for, so it guesses a row or two and nests loops.
 * - i: a FULL join, filtered so that the planner cannot turn it back into an
 *   inner one, so it must hash or merge: on the same guess it otherwise
 *   nested loops and rescanned `due` once per organization.
 * - s: a simple CASE evaluates published_at once; inlined, every mention of
 *   it would repeat the array lookup. */
#define DISCLOSURE_ITEMS_AS(orgs, how)                                                             \
    "WITH o AS (" orgs "),"                                                                        \
    " due AS MATERIALIZED (SELECT k.jurisdiction, k.kind, k.timezone,"                             \
    "  r.id AS requirement_id, r.code, r.name, r.category,"                                        \
    "  make_date($5::int, $6::int, r.due_day) AS due_date,"                                        \
    "  (make_date($5::int, $6::int, r.due_day) + 1)::timestamp AT TIME ZONE k.timezone AS due_at"  \
    "  FROM (SELECT DISTINCT jurisdiction, kind, timezone FROM o"                                  \
    "   WHERE disclosure_frequency = $2) k"                                                        \
    "  JOIN disclosure_requirements r ON r.jurisdiction = k.jurisdiction"                          \
    "   AND r.org_kinds ? k.kind AND r.frequency = $2"                                             \
    "   AND r.active_from <= $4::date AND (r.active_to IS NULL OR r.active_to >= $3::date)),"      \
    " pub AS MATERIALIZED (SELECT o.id, o.name, o.jurisdiction, o.kind, o.timezone,"               \
    "  d.requirement_ids, d.disclosure_ids, d.published_ats"                                       \
    "  FROM o CROSS JOIN LATERAL (SELECT array_agg(x.requirement_id) AS requirement_ids,"          \
    "   array_agg(x.id) AS disclosure_ids, array_agg(x.published_at) AS published_ats"             \
    "   FROM disclosures x WHERE x.organization_id = o.id AND x.period = $1"                       \
    "   AND x.published_at <= $7::timestamptz) d"                                                  \
    "  WHERE o.disclosure_frequency = $2),"                                                        \
    " i AS (SELECT pub.id AS organization_id, pub.name AS organization_name, pub.timezone,"        \
    "  due.requirement_id, due.code, due.name, due.category, due.due_date, due.due_at,"            \
    "  pub.disclosure_ids[array_position(pub.requirement_ids, due.requirement_id)]"                \
    "   AS disclosure_id,"                                                                         \
    "  pub.published_ats[array_position(pub.requirement_ids, due.requirement_id)]"                 \
    "   AS published_at"                                                                           \
    "  FROM pub FULL JOIN due ON due.jurisdiction = pub.jurisdiction AND due.kind = pub.kind"      \
    "   AND due.timezone = pub.timezone"                                                           \
    "  WHERE coalesce(pub.id IS NOT NULL AND due.requirement_id IS NOT NULL, false)),"             \
    " s AS " how " (SELECT i.*, CASE (i.published_at < i.due_at) WHEN true THEN 'on_time'"         \
    "  WHEN false THEN 'late' ELSE CASE WHEN $7::timestamptz >= i.due_at THEN 'missing'"           \
    "  ELSE 'not_due' END END AS status FROM i)"

/* An instant as RFC 3339 UTC with milliseconds, as every answer shows it. */
#define TS(x) "to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

#define COUNTS_SQL                                                                             \
    "json_build_object('on_time', count(*) FILTER (WHERE status = 'on_time'),"                 \
    " 'late', count(*) FILTER (WHERE status = 'late'),"                                        \
    " 'missing', count(*) FILTER (WHERE status = 'missing'),"                                  \
    " 'not_due', count(*) FILTER (WHERE status = 'not_due'))"

/* The seven parameters DISCLOSURE_ITEMS_SQL starts with, as text in b. */
typedef struct {
    char period[8], first[11], last[11], year[8], month[4];
} period_params_t;
void disclosure_period_params(const period_t *p, const char *as_of, period_params_t *b,
                              const char **params);

/* as_of: an RFC 3339 instant the statuses are computed at. */
/* One organization's items for the period: {organization_id, period,
 * timezone, as_of, counts, items}. Outside who's subtree: 404. */
bool disclosure_compliance(db_t *db, const principal_t *who, const char *org_id,
                           const period_t *period, const char *as_of, char **json_out,
                           app_error_t *err);
/* The board of a subtree (root NULL: the caller's whole scope): counts per
 * status over every organization disclosing at the period's frequency, and a
 * page of the organizations with late or missing items, by name then id:
 * {organization_id, period, as_of, organizations, counts, late_organizations,
 * entries: [{organization_id, organization_name, late, missing}], next_cursor}.
 * page gives limit and the cursor (the last organization of the page before);
 * a cursor naming no organization of the subtree is an invalid `cursor`. */
bool disclosure_board(db_t *db, const principal_t *who, const char *root, const period_t *period,
                      const char *as_of, const list_query_t *page, char **json_out,
                      app_error_t *err);

#endif
