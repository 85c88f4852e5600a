/* Permission checks over the registry's permission data. */
#include "authz.h"

#include <stdlib.h>
#include <string.h>

const char *const ROLE_NAMES[] = {"admin", "auditor", "officer", "viewer", "integration", NULL};

bool role_parse(const char *s, role_t *out)
{
    for (int i = 0; i < ROLE__COUNT; i++)
        if (s && strcmp(s, ROLE_NAMES[i]) == 0) {
            *out = (role_t)i;
            return true;
        }
    return false;
}

const char *authz_scope(const principal_t *p)
{
    return p->global ? NULL : p->org;
}

/* verb names the refused right in the message: "read", "change", "create". */
static bool entity_right(const entity_t *e, const principal_t *p, unsigned roles, bool write,
                         const char *verb, app_error_t *err)
{
    if (!(roles & ROLE_BIT(p->role))) {
        err_set(err, ERR_FORBIDDEN, "The role %s may not %s %s.", ROLE_NAMES[p->role], verb,
                e->name);
        return false;
    }
    if (write && !e->scope_field && !p->global) {
        err_set(err, ERR_FORBIDDEN,
                "%s are shared by every organization; only a key bound to no organization may "
                "change them.",
                e->name);
        return false;
    }
    return true;
}

bool authz_entity(const entity_t *e, const principal_t *p, bool write, app_error_t *err)
{
    return entity_right(e, p, write ? e->write_roles : e->read_roles, write,
                        write ? "change" : "read", err);
}

bool authz_create(const entity_t *e, const principal_t *p, app_error_t *err)
{
    return entity_right(e, p, e->create_roles ? e->create_roles : e->write_roles, true, "create",
                        err);
}

bool authz_full_view(const entity_t *e, role_t role)
{
    for (size_t i = 0; i < e->nfields; i++)
        if (e->fields[i].read_roles && !(e->fields[i].read_roles & ROLE_BIT(role)))
            return false;
    return true;
}

bool authz_doc_fields(const entity_t *e, const principal_t *p, json_t *doc, app_error_t *err)
{
    for (size_t i = 0; i < e->nfields; i++) {
        const field_t *f = &e->fields[i];
        if (f->read_roles && !(f->read_roles & ROLE_BIT(p->role)) && json_object_get(doc, f->name)) {
            err_set(err, ERR_FORBIDDEN, "The role %s may not set %s.%s.", ROLE_NAMES[p->role],
                    e->name, f->name);
            return false;
        }
    }
    return true;
}

char *authz_redact(const entity_t *e, role_t role, const char *json)
{
    json_t *doc = json_loads(json, 0, NULL);
    if (!doc)
        abort(); /* json is ours, rendered by the database */
    for (size_t i = 0; i < e->nfields; i++)
        if (e->fields[i].read_roles && !(e->fields[i].read_roles & ROLE_BIT(role)))
            json_object_del(doc, e->fields[i].name);
    char *out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!out)
        abort();
    return out;
}
