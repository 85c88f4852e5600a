/* Who the caller is and what the registry lets each role do. Permissions
 * are data on the registry entries (read_roles, write_roles, scope_field,
 * per-field read_roles); these functions only read that data, so a handler
 * never decides a permission on its own. */
#ifndef PROBITY_AUTHZ_H
#define PROBITY_AUTHZ_H

#include <jansson.h>
#include <stdbool.h>

#include "error.h"
#include "registry.h"

typedef enum {
    ROLE_ADMIN,
    ROLE_AUDITOR,
    ROLE_OFFICER,
    ROLE_VIEWER,
    ROLE_INTEGRATION,
    ROLE__COUNT
} role_t;

#define ROLE_BIT(r) (1u << (r))
#define ROLES_ALL ((1u << ROLE__COUNT) - 1)

/* NULL-terminated, indexed by role_t; also the enum values of `role` fields. */
extern const char *const ROLE_NAMES[];
bool role_parse(const char *s, role_t *out);

/* An authenticated caller, bound to one organization subtree (or, for the
 * bootstrap keys made on the command line, to the whole tree). */
typedef struct {
    role_t role;
    bool global;
    char org[37];      /* root of the subtree when !global */
    char actor[160];   /* "key:<prefix>", "jwt:<sub>" or "cli" */
    char key_id[37];   /* the API key's id; "" for JWTs and the CLI */
} principal_t;

/* The organization subtree a principal's SQL is limited to: NULL when global. */
const char *authz_scope(const principal_t *p);

/* May p read (write = false) or write rows of e at all? ERR_FORBIDDEN if not.
 * Writing global reference data (an entity with no scope_field) needs a
 * global principal. */
bool authz_entity(const entity_t *e, const principal_t *p, bool write, app_error_t *err);
/* The same for creating rows, with the entity's create_roles (its
 * write_roles when it states none). */
bool authz_create(const entity_t *e, const principal_t *p, app_error_t *err);
/* Whether p sees every field of e, or only those without their own read_roles. */
bool authz_full_view(const entity_t *e, role_t role);
/* Refuses (403) a document that sets a field p may not read. */
bool authz_doc_fields(const entity_t *e, const principal_t *p, json_t *doc, app_error_t *err);

/* The entity JSON json as role sees it: a malloc'd copy without the fields
 * role may not read (member order kept). */
char *authz_redact(const entity_t *e, role_t role, const char *json);

#endif
