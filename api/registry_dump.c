/* Registry → JSON. */
#include "registry_dump.h"

#include <stdbool.h>

#include "../domain/authz.h"
#include "../domain/registry.h"

static const char *const TYPE_NAMES[] = {
    [FT_UUID] = "uuid", [FT_STRING] = "string",       [FT_ENUM] = "enum",
    [FT_INT] = "int",   [FT_BOOL] = "bool",           [FT_DATE] = "date",
    [FT_TIMESTAMP] = "timestamp", [FT_ARRAY] = "array", [FT_OBJECT] = "object",
    [FT_JSON] = "json", [FT_MONEY] = "money",
};
static const char *const FORMAT_NAMES[] = {
    [FMT_NONE] = NULL,           [FMT_EMAIL] = "email", [FMT_TIMEZONE] = "timezone",
    [FMT_CODE] = "code",         [FMT_UPPER] = "upper", [FMT_PERIOD] = "period",
    [FMT_PERIOD_ANY] = "period_any", [FMT_DIGITS] = "digits",
};

static json_t *roles_json(unsigned roles)
{
    json_t *a = json_array();
    for (int r = 0; r < ROLE__COUNT; r++)
        if (roles & ROLE_BIT(r))
            json_array_append_new(a, json_string(ROLE_NAMES[r]));
    return a;
}

static json_t *ops_json(unsigned ops)
{
    static const char *const NAMES[] = {"list", "get", "create", "patch", "delete"};
    json_t *a = json_array();
    for (int i = 0; i < 5; i++)
        if (ops & (1u << i))
            json_array_append_new(a, json_string(NAMES[i]));
    return a;
}

static json_t *field_json(const field_t *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(f->name));
    json_object_set_new(o, "type", json_string(TYPE_NAMES[f->type]));
    json_object_set_new(o, "required", json_boolean(f->flags & F_REQUIRED));
    json_object_set_new(o, "read_only", json_boolean(f->flags & F_READONLY));
    /* Written by PATCH only: the server sets it on create. */
    json_object_set_new(o, "patch_only", json_boolean(f->flags & F_PATCH_ONLY));
    json_object_set_new(o, "nullable", json_boolean(f->flags & F_NULLABLE));
    json_object_set_new(o, "filter", json_boolean(f->flags & F_FILTER));
    json_object_set_new(o, "range", json_boolean(f->flags & F_RANGE));
    json_object_set_new(o, "unique_items", json_boolean(f->flags & F_UNIQUE_ITEMS));
    bool limited = f->type == FT_STRING || f->type == FT_INT || f->type == FT_ARRAY;
    if (limited && (f->min || f->max)) {
        json_object_set_new(o, "min", json_integer(f->min));
        if (f->max)
            json_object_set_new(o, "max", json_integer(f->max));
    }
    if (f->values) {
        json_t *e = json_array();
        for (const char *const *v = f->values; *v; v++)
            json_array_append_new(e, json_string(*v));
        json_object_set_new(o, "enum", e);
    }
    if (FORMAT_NAMES[f->format])
        json_object_set_new(o, "format", json_string(FORMAT_NAMES[f->format]));
    if (f->unique_member)
        json_object_set_new(o, "unique_member", json_string(f->unique_member));
    if (f->ref)
        json_object_set_new(o, "ref", json_string(f->ref));
    if (f->defval)
        json_object_set_new(o, "default", json_loads(f->defval, JSON_DECODE_ANY, NULL));
    if (f->description)
        json_object_set_new(o, "description", json_string(f->description));
    if (f->read_roles)
        json_object_set_new(o, "read_roles", roles_json(f->read_roles));
    if (f->items)
        json_object_set_new(o, "items", field_json(f->items));
    if (f->members) {
        json_t *m = json_array();
        for (size_t i = 0; i < f->nmembers; i++)
            json_array_append_new(m, field_json(&f->members[i]));
        json_object_set_new(o, "members", m);
    }
    return o;
}

json_t *registry_dump(void)
{
    json_t *ents = json_array();
    for (size_t i = 0; i < REGISTRY_COUNT; i++) {
        const entity_t *e = REGISTRY[i];
        json_t *fields = json_array();
        for (size_t k = 0; k < e->nfields; k++)
            json_array_append_new(fields, field_json(&e->fields[k]));
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(e->name));
        json_object_set_new(o, "table", json_string(e->table));
        json_object_set_new(o, "schema", json_string(e->schema));
        json_object_set_new(o, "fields", fields);
        json_object_set_new(o, "ops", ops_json(e->ops));
        json_object_set_new(o, "read_roles", roles_json(e->read_roles));
        json_object_set_new(o, "write_roles", roles_json(e->write_roles));
        json_object_set_new(o, "create_roles",
                            roles_json(e->create_roles ? e->create_roles : e->write_roles));
        json_object_set_new(o, "scope_field", e->scope_field ? json_string(e->scope_field) : json_null());
        json_object_set_new(o, "scope_self", json_boolean(e->scope_self));
        json_object_set_new(o, "scope_from", e->scope_from ? json_string(e->scope_from) : json_null());
        json_object_set_new(o, "append_only", json_boolean(e->append_only));
        json_array_append_new(ents, o);
    }
    json_t *root = json_object();
    json_object_set_new(root, "entities", ents);
    return root;
}
