/* The entity registry: every entity described once, as data. Validation
 * (validate.c), SQL (storage/entity_sql.c), JSON output, list filters and the
 * OpenAPI agreement test all read these tables; adding an entity is an entry
 * in registry.c plus a migration. */
#ifndef PROBITY_REGISTRY_H
#define PROBITY_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    FT_UUID,
    FT_STRING,
    FT_ENUM,
    FT_INT,
    FT_BOOL,
    FT_DATE,       /* YYYY-MM-DD */
    FT_TIMESTAMP,  /* RFC 3339, rendered in UTC */
    FT_ARRAY,      /* items described by `items`; stored as jsonb unless `child` */
    FT_OBJECT,     /* members described by `members` (only inside arrays) */
    FT_JSON,       /* any JSON value, stored as jsonb; server-written only */
    FT_MONEY,      /* a non-negative amount as a decimal string: "5000000.00" (never a float) */
} field_type_t;

typedef enum {
    FMT_NONE,
    FMT_EMAIL,
    FMT_TIMEZONE,  /* an IANA zone present in the system's zone database */
    FMT_CODE,      /* letters, digits, '-', '_', '.' */
    FMT_UPPER,     /* uppercase ASCII letters only (country and currency codes) */
    FMT_PERIOD,    /* a disclosure period: 2026-10 or 2026-Q3 */
    FMT_PERIOD_ANY,/* a reporting period: 2026-10, 2026-Q3 or 2026 */
    FMT_DIGITS,    /* ASCII digits only (budget classification codes) */
} string_format_t;

enum {
    F_REQUIRED = 1u << 0, /* must be present and non-null when the entity is written */
    F_READONLY = 1u << 1, /* set by the server; rejected in input */
    F_NULLABLE = 1u << 2, /* null is a value (and the default when absent) */
    F_FILTER = 1u << 3,   /* ?name=value equality filter on lists */
    F_RANGE = 1u << 4,    /* ?name_from=&name_to= inclusive range filter on lists */
    F_UNIQUE_ITEMS = 1u << 5,
    /* With F_READONLY: filled in by the server before the row is written (a
     * rule, or scope_from) and written with it; clients still may not send it. */
    F_RULE_SET = 1u << 6,
    /* Not accepted on create, where a rule sets it; changed by PATCH like any
     * writable field (a receivable's status: the server picks the first one,
     * later ones are decisions the rules check). */
    F_PATCH_ONLY = 1u << 7,
};

typedef struct field {
    const char *name;           /* JSON member name, and the column unless `column` */
    field_type_t type;
    unsigned flags;
    int64_t min, max;           /* string length in code points, int range, array items */
    const char *const *values;  /* FT_ENUM: NULL-terminated */
    string_format_t format;
    const struct field *items;  /* FT_ARRAY */
    const struct field *members;/* FT_OBJECT */
    size_t nmembers;
    const char *ref;            /* FT_UUID referring to another entity (by name) */
    const char *child;          /* FT_ARRAY kept in a child table: storage hook name */
    const char *unique_member;  /* FT_ARRAY of objects: no two items share this member */
    const char *defval;         /* default as JSON text when absent on create */
    const char *description;
    unsigned read_roles;        /* roles (authz.h ROLE_BIT) that see it; 0: all the entity's readers */
} field_t;

/* The REST operations an entity has (its generic routes). */
enum {
    OP_LIST = 1u << 0,
    OP_GET = 1u << 1,
    OP_CREATE = 1u << 2,
    OP_PATCH = 1u << 3,
    OP_DELETE = 1u << 4,
    OPS_CRUD = (1u << 5) - 1,
};

typedef struct entity {
    const char *name;       /* URL segment: "organizations", "calendar-days" */
    const char *table;      /* SQL table */
    const char *schema;     /* OpenAPI schema name: "Organization" */
    const field_t *fields;
    size_t nfields;
    unsigned ops;
    /* Who may do what (authz.h): role bitmasks, and the organization a row
     * belongs to for subtree scoping. scope_field names an FT_UUID field
     * referring to organizations; NULL means reference data shared by all
     * (readable by read_roles, writable only by a global principal). With
     * scope_self a row is also identified with its own id (organizations:
     * the row is in scope when it is, and scope_field is its parent). */
    unsigned read_roles, write_roles;
    /* Who may create rows, where that differs from who may change them (a
     * ministry system posts receivables and payments but edits nothing);
     * 0: write_roles. */
    unsigned create_roles;
    const char *scope_field;
    bool scope_self;
    /* A uuid[] column of the organizations a row is visible under, fixed when
     * it was written (the audit trail); scoped reads test it instead of
     * scope_field, which then only names the row's organization. */
    const char *scope_path;
    /* An FT_UUID field referring to a scoped entity whose row this one
     * belongs to (a payment's receivable_id): the row's scope_field is a
     * read-only F_RULE_SET copy of that row's organization, taken on every
     * write, and a parent the writer may not see is reported as missing. */
    const char *scope_from;
    /* Rows are never changed: no version or updated_at; created_at orders. */
    bool append_only;
} entity_t;

extern const entity_t *const REGISTRY[];
extern const size_t REGISTRY_COUNT;

const entity_t *registry_find(const char *name);
const field_t *registry_field(const entity_t *e, const char *name);
/* Position of a field in e->fields, or -1. */
int registry_field_index(const entity_t *e, const char *name);

#define REG_PAGE_DEFAULT 50
#define REG_PAGE_MAX 500

#endif
