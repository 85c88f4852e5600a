/* Organization tree and relative conflicts. */
#include "org_store.h"

#include <stdlib.h>
#include <string.h>

#include "../domain/relatives.h"

/* Every change of a parent takes this transaction-scoped lock, so two
 * concurrent re-parentings cannot each pass the check and form a cycle. */
#define ORG_TREE_LOCK "SELECT pg_advisory_xact_lock(7262837462)"

bool org_rule_tree(db_t *db, const char *id, json_t *doc, app_error_t *err)
{
    const char *parent = json_string_value(json_object_get(doc, "parent_id"));
    if (!id || !parent)
        return true; /* a new organization has no descendants */
    if (strcasecmp(parent, id) == 0) {
        err_field(err, "parent_id", "cycle", "An organization cannot be its own parent.");
        return false;
    }
    PGresult *res = db_exec(db, ORG_TREE_LOCK, 0, NULL, err);
    if (!res)
        return false;
    PQclear(res);
    const char *params[] = {id, parent};
    res = db_exec(db,
                  "WITH RECURSIVE up(id, parent_id) AS ("
                  " SELECT id, parent_id FROM organizations WHERE id = $2::uuid"
                  " UNION SELECT o.id, o.parent_id FROM organizations o JOIN up ON o.id = up.parent_id)"
                  " SELECT 1 FROM up WHERE id = $1::uuid",
                  2, params, err);
    if (!res)
        return false;
    bool cycle = PQntuples(res) > 0;
    PQclear(res);
    if (cycle)
        err_field(err, "parent_id", "cycle",
                  "The new parent is a descendant of this organization; the tree would loop.");
    return !cycle;
}

bool org_relative_conflicts(db_t *db, const char *org_id, char **json_out, app_error_t *err)
{
    const char *p1[] = {org_id};
    PGresult *res = db_exec(db, "SELECT 1 FROM organizations WHERE id = $1::uuid", 1, p1, err);
    if (!res)
        return false;
    bool found = PQntuples(res) == 1;
    PQclear(res);
    if (!found) {
        err_set(err, ERR_NOT_FOUND, "No organization with id %s.", org_id);
        return false;
    }
    char close[512];
    relatives_close_array_literal(close, sizeof close);
    const char *params[] = {org_id, close};
    res = db_exec(
        db,
        "SELECT json_build_object('organization_id', $1::uuid, 'items', coalesce(json_agg("
        " json_build_object('unit', a.unit, 'relation', r.relation,"
        "  'employee', json_build_object('id', a.id, 'full_name', a.full_name, 'unit', a.unit,"
        "   'position', a.position),"
        "  'relative', json_build_object('id', b.id, 'full_name', b.full_name, 'unit', b.unit,"
        "   'position', b.position)) ORDER BY a.unit, a.full_name, b.full_name), '[]'::json))::text"
        " FROM employee_relatives r"
        " JOIN employees a ON a.id = r.employee_id"
        " JOIN employees b ON b.id = r.relative_id"
        " WHERE a.organization_id = $1::uuid AND b.organization_id = $1::uuid"
        "  AND a.unit IS NOT NULL AND a.unit = b.unit AND r.relation = ANY($2::text[])",
        2, params, err);
    if (!res)
        return false;
    *json_out = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!*json_out)
        abort();
    return true;
}
