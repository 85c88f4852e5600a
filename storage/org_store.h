/* Organization rules that need the database: the tree stays a tree, and the
 * relative-conflict report of the hospital policy. */
#ifndef PROBITY_ORG_STORE_H
#define PROBITY_ORG_STORE_H

#include <jansson.h>
#include <stdbool.h>

#include "db.h"

/* Refuses (ERR_INVALID on parent_id, code "cycle") a parent that is the
 * organization itself or one of its descendants. */
bool org_rule_tree(db_t *db, const char *id, json_t *doc, app_error_t *err);

/* *json_out: {"organization_id":…,"items":[…]} (malloc'd). */
bool org_relative_conflicts(db_t *db, const char *org_id, char **json_out, app_error_t *err);

#endif
