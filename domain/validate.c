/* Field checks driven by registry.h. Each check appends to err and keeps
 * going, so a client sees all of its mistakes in one response. */
#include "validate.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "period.h"
#include "jsonin.h"
#include "textcheck.h"

static const char *type_name(field_type_t t)
{
    switch (t) {
    case FT_UUID:
        return "a UUID string";
    case FT_STRING:
    case FT_ENUM:
        return "a string";
    case FT_INT:
        return "an integer";
    case FT_BOOL:
        return "a boolean";
    case FT_DATE:
        return "a date string (YYYY-MM-DD)";
    case FT_TIMESTAMP:
        return "an RFC 3339 timestamp string";
    case FT_ARRAY:
        return "an array";
    case FT_OBJECT:
        return "an object";
    case FT_JSON:
        return "a JSON value";
    case FT_MONEY:
        return "an amount as a decimal string such as \"5000000.00\"";
    }
    return "a value";
}

/* NULL when s has the format, else the message saying what it must be. */
static const char *format_problem(string_format_t format, const char *s)
{
    switch (format) {
    case FMT_NONE:
        return NULL;
    case FMT_EMAIL:
        return text_is_email(s) ? NULL : "Must be an e-mail address.";
    case FMT_TIMEZONE:
        return text_is_timezone(s) ? NULL : "Must be an IANA time zone such as Asia/Ulaanbaatar.";
    case FMT_CODE:
        return text_is_code(s) ? NULL : "May contain only letters, digits, '-', '_' and '.'.";
    case FMT_UPPER:
        return text_is_upper(s) ? NULL : "Must be uppercase Latin letters.";
    case FMT_PERIOD: {
        period_t p;
        return period_parse(s, &p) ? NULL : "Must be a month (2026-10) or a quarter (2026-Q3).";
    }
    case FMT_PERIOD_ANY: {
        period_t p;
        return period_parse_any(s, &p)
                   ? NULL
                   : "Must be a month (2026-10), a quarter (2026-Q3) or a year (2026).";
    }
    case FMT_DIGITS:
        for (const char *p = s; *p; p++)
            if (*p < '0' || *p > '9')
                return "May contain only the digits 0-9.";
        return NULL;
    }
    return "Has an unknown format.";
}

static bool check_text(const field_t *f, json_t *v, const char *path, app_error_t *err)
{
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (jsonin_has_bad_utf8(s, n)) {
        err_field(err, path, "invalid_utf8", "Must be valid UTF-8 text.");
        return false;
    }
    if (strlen(s) != n) {
        err_field(err, path, "nul_byte", "Must not contain NUL characters.");
        return false;
    }
    switch (f->type) {
    case FT_UUID:
        if (!text_is_uuid(s)) {
            err_field(err, path, "format", "Must be a UUID.");
            return false;
        }
        return true;
    case FT_DATE: {
        int32_t d;
        if (!text_parse_date(s, &d)) {
            err_field(err, path, "format", "Must be a real date in the form YYYY-MM-DD.");
            return false;
        }
        return true;
    }
    case FT_TIMESTAMP:
        if (!text_is_timestamp(s)) {
            err_field(err, path, "format", "Must be an RFC 3339 timestamp.");
            return false;
        }
        return true;
    case FT_MONEY:
        if (!text_is_money(s)) {
            err_field(err, path, "format",
                      "Must be a non-negative amount with at most 15 digits before the point and "
                      "2 after, as a string: \"5000000.00\".");
            return false;
        }
        return true;
    case FT_ENUM:
        for (const char *const *p = f->values; *p; p++)
            if (strcmp(*p, s) == 0)
                return true;
        {
            char list[300];
            size_t o = 0;
            for (const char *const *p = f->values; *p; p++) {
                int w = snprintf(list + o, sizeof list - o, "%s%s", p == f->values ? "" : ", ", *p);
                if (w < 0 || (size_t)w >= sizeof list - o) {
                    snprintf(list + (o < sizeof list - 6 ? o : sizeof list - 6), 6, ", …");
                    break;
                }
                o += (size_t)w;
            }
            err_field(err, path, "enum", "Must be one of: %s.", list);
        }
        return false;
    case FT_STRING:
        break;
    default:
        return false;
    }
    size_t cps = text_utf8_len(s, n);
    if (f->max > 0 && (int64_t)cps > f->max) {
        err_field(err, path, "too_long", "Must be at most %lld characters long.",
                  (long long)f->max);
        return false;
    }
    /* A value too short to have its format gets the format error: it tells
     * the client more than the length does. */
    const char *bad_format = format_problem(f->format, s);
    if (bad_format) {
        err_field(err, path, "format", "%s", bad_format);
        return false;
    }
    if (f->min > 0 && (int64_t)cps < f->min) {
        err_field(err, path, "too_short", "Must be at least %lld characters long.",
                  (long long)f->min);
        return false;
    }
    return true;
}

static bool check_object(const field_t *f, json_t *v, const char *path, app_error_t *err)
{
    bool ok = true;
    char sub[96];
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val)
    {
        bool known = false;
        for (size_t i = 0; i < f->nmembers; i++)
            known |= strcmp(f->members[i].name, key) == 0;
        if (!known) {
            snprintf(sub, sizeof sub, "%s.%s", path, key);
            err_field(err, sub, "unknown_field", "Unknown member.");
            ok = false;
        }
    }
    for (size_t i = 0; i < f->nmembers; i++) {
        const field_t *m = &f->members[i];
        snprintf(sub, sizeof sub, "%s.%s", path, m->name);
        json_t *mv = json_object_get(v, m->name);
        if (!mv || json_is_null(mv)) {
            if (m->flags & F_REQUIRED) {
                err_field(err, sub, "required", "Is required.");
                ok = false;
            } else if (mv && !(m->flags & F_NULLABLE)) {
                /* An optional member is left out, not null (as a top-level field). */
                err_field(err, sub, "type", "Must not be null.");
                ok = false;
            }
            continue;
        }
        ok &= validate_value(m, mv, sub, err);
    }
    return ok;
}

static bool check_array(const field_t *f, json_t *v, const char *path, app_error_t *err)
{
    size_t n = json_array_size(v);
    if ((int64_t)n < f->min) {
        err_field(err, path, "too_few_items", "Must have at least %lld items.", (long long)f->min);
        return false;
    }
    if (f->max > 0 && (int64_t)n > f->max) {
        err_field(err, path, "too_many_items", "Must have at most %lld items.",
                  (long long)f->max);
        return false;
    }
    bool ok = true;
    char sub[96];
    for (size_t i = 0; i < n; i++) {
        snprintf(sub, sizeof sub, "%s[%zu]", path, i);
        json_t *item = json_array_get(v, i);
        if (json_is_null(item)) {
            err_field(err, sub, "type", "Must be %s.", type_name(f->items->type));
            ok = false;
            continue;
        }
        if (!validate_value(f->items, item, sub, err)) {
            ok = false;
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            json_t *prev = json_array_get(v, j);
            bool dup = (f->flags & F_UNIQUE_ITEMS) && json_equal(prev, item);
            if (f->unique_member) {
                /* Members are ids: compare as text without regard to case. */
                const char *a = json_string_value(json_object_get(prev, f->unique_member));
                const char *b = json_string_value(json_object_get(item, f->unique_member));
                dup = a && b && strcasecmp(a, b) == 0;
            }
            if (dup) {
                if (f->unique_member)
                    snprintf(sub, sizeof sub, "%s[%zu].%s", path, i, f->unique_member);
                err_field(err, sub, "duplicate_item", "Repeats item %zu.", j);
                ok = false;
                break;
            }
        }
    }
    return ok;
}

bool validate_value(const field_t *f, json_t *v, const char *path, app_error_t *err)
{
    switch (f->type) {
    case FT_UUID:
    case FT_STRING:
    case FT_ENUM:
    case FT_DATE:
    case FT_TIMESTAMP:
    case FT_MONEY:
        if (!json_is_string(v))
            break;
        return check_text(f, v, path, err);
    case FT_INT:
        if (!json_is_integer(v))
            break;
        if (json_integer_value(v) < f->min || json_integer_value(v) > f->max) {
            err_field(err, path, "out_of_range", "Must be between %lld and %lld.",
                      (long long)f->min, (long long)f->max);
            return false;
        }
        return true;
    case FT_BOOL:
        if (!json_is_boolean(v))
            break;
        return true;
    case FT_ARRAY:
        if (!json_is_array(v))
            break;
        return check_array(f, v, path, err);
    case FT_OBJECT:
        if (!json_is_object(v))
            break;
        return check_object(f, v, path, err);
    case FT_JSON:
        return true;
    }
    err_field(err, path, "type", "Must be %s.", type_name(f->type));
    return false;
}

/* create: the document is a create body, where F_PATCH_ONLY fields are the
 * server's to set. */
static bool check_keys(const entity_t *e, json_t *doc, bool create, app_error_t *err)
{
    bool ok = true;
    const char *key;
    json_t *val;
    json_object_foreach(doc, key, val)
    {
        const field_t *f = registry_field(e, key);
        if (!f) {
            if (jsonin_has_bad_utf8(key, strlen(key)))
                err_field(err, key, "invalid_utf8", "Member names must be valid UTF-8.");
            else
                err_field(err, key, "unknown_field", "Unknown field.");
            ok = false;
        } else if (f->flags & F_READONLY) {
            err_field(err, key, "read_only", "Is set by the server and cannot be written.");
            ok = false;
        } else if (create && (f->flags & F_PATCH_ONLY)) {
            err_field(err, key, "read_only",
                      "Is set by the server on create; change it afterwards with PATCH.");
            ok = false;
        }
    }
    return ok;
}

/* mode_create: absent fields take defaults; otherwise they must be present
 * already (the merged document always carries every field). */
static bool check_fields(const entity_t *e, json_t *doc, bool mode_create, app_error_t *err)
{
    bool ok = true;
    for (size_t i = 0; i < e->nfields; i++) {
        const field_t *f = &e->fields[i];
        if ((f->flags & F_READONLY) || (mode_create && (f->flags & F_PATCH_ONLY)))
            continue;
        json_t *v = json_object_get(doc, f->name);
        if (!v && mode_create && f->defval) {
            json_object_set_new(doc, f->name, json_loads(f->defval, JSON_DECODE_ANY, NULL));
            continue;
        }
        if (!v || json_is_null(v)) {
            if (f->flags & F_REQUIRED) {
                err_field(err, f->name, "required", "Is required.");
                ok = false;
            } else if (v && !(f->flags & F_NULLABLE)) {
                err_field(err, f->name, "type", "Must not be null.");
                ok = false;
            } else if (!v) {
                json_object_set_new(doc, f->name,
                                    f->defval ? json_loads(f->defval, JSON_DECODE_ANY, NULL) : json_null());
            }
            continue;
        }
        ok &= validate_value(f, v, f->name, err);
    }
    return ok;
}

bool validate_create(const entity_t *e, json_t *doc, app_error_t *err)
{
    bool ok = check_keys(e, doc, true, err);
    return check_fields(e, doc, true, err) && ok;
}

bool validate_patch_keys(const entity_t *e, json_t *patch, app_error_t *err)
{
    bool ok = check_keys(e, patch, false, err);
    /* Values present in the patch are checked now too, so one response lists
     * every mistake; what the merge leaves missing is validate_merged's. */
    const char *key;
    json_t *val;
    json_object_foreach(patch, key, val)
    {
        const field_t *f = registry_field(e, key);
        if (f && !(f->flags & F_READONLY) && !json_is_null(val))
            ok &= validate_value(f, val, key, err);
    }
    return ok;
}

bool validate_merged(const entity_t *e, json_t *doc, app_error_t *err)
{
    return check_fields(e, doc, false, err);
}
