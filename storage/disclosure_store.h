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
 * $5 due year, $6 due month, $7 as_of; `orgs` adds its own from $8. */
#define DISCLOSURE_ITEMS_SQL(orgs)                                                                        \
    "WITH o AS (" orgs "),"                                                                   \
    " i AS (SELECT o.id AS organization_id, o.name AS organization_name, o.timezone,"         \
    "  r.id AS requirement_id, r.code, r.name, r.category,"                                  \
    "  make_date($5::int, $6::int, r.due_day) AS due_date,"                                   \
    "  ((make_date($5::int, $6::int, r.due_day) + 1)::timestamp AT TIME ZONE o.timezone)"     \
    "   AS due_at, d.id AS disclosure_id, d.published_at"                                     \
    "  FROM o JOIN disclosure_requirements r ON r.jurisdiction = o.jurisdiction"              \
    "   AND r.org_kinds ? o.kind AND r.frequency = $2 AND o.disclosure_frequency = $2"       \
    "   AND r.active_from <= $4::date AND (r.active_to IS NULL OR r.active_to >= $3::date)"  \
    "  LEFT JOIN disclosures d ON d.organization_id = o.id AND d.requirement_id = r.id"       \
    "   AND d.period = $1 AND d.published_at <= $7::timestamptz),"                              \
    " s AS MATERIALIZED (SELECT i.*, CASE WHEN i.published_at IS NOT NULL AND i.published_at < i.due_at"   \
    "  THEN 'on_time' WHEN i.published_at IS NOT NULL THEN 'late'"                            \
    "  WHEN $7::timestamptz >= i.due_at THEN 'missing' ELSE 'not_due' END AS status FROM i)"

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
 * status over every organization disclosing at the period's frequency, and
 * the late and missing items. */
bool disclosure_board(db_t *db, const principal_t *who, const char *root, const period_t *period,
                      const char *as_of, char **json_out, app_error_t *err);

#endif
