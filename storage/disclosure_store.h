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
