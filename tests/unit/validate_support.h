/* Shared fixtures for the validation tests (test_validate.c and
 * test_validate_nested.c): the real registry, JSON loading, error lookups. */
#ifndef PROBITY_TEST_VALIDATE_SUPPORT_H
#define PROBITY_TEST_VALIDATE_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/jsonin.h"
#include "domain/mergepatch.h"
#include "domain/registry.h"
#include "domain/validate.h"

#define UUID_A "123e4567-e89b-12d3-a456-426614174000"
#define UUID_B "0a1b2c3d-0000-4000-8000-00000000000b"

static inline const entity_t *entity(const char *name)
{
    const entity_t *e = registry_find(name);
    if (!e)
        fail_msg("registry has no %s", name);
    return e;
}

static inline json_t *load(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, 0, &je);
    if (!v)
        fail_msg("fixture does not parse: %s (%s)", text, je.text);
    return v;
}

/* A complete, valid organization; tests change one thing at a time. */
static inline json_t *good_org(void)
{
    return load("{\"name\": \"Баянзүрх дүүргийн Засаг даргын Тамгын газар\","
                " \"kind\": \"district_administration\", \"jurisdiction\": \"MN\","
                " \"timezone\": \"Asia/Ulaanbaatar\", \"locale\": \"mn\", \"currency\": \"MNT\"}");
}

static inline const field_error_t *find_error(const app_error_t *err, const char *field)
{
    for (size_t i = 0; i < err->nfields; i++)
        if (strcmp(err->fields[i].field, field) == 0)
            return &err->fields[i];
    return NULL;
}

static inline void dump_errors(const app_error_t *err)
{
    for (size_t i = 0; i < err->nfields; i++)
        print_error("  %s: %s (%s)\n", err->fields[i].field, err->fields[i].code,
                    err->fields[i].message);
}

/* Asserts err carries exactly one error, on field, with code. */
static inline void expect_one(const app_error_t *err, const char *field, const char *code)
{
    if (err->kind != ERR_INVALID || err->nfields != 1 || strcmp(err->fields[0].field, field) != 0 ||
        strcmp(err->fields[0].code, code) != 0) {
        dump_errors(err);
        fail_msg("want exactly one error %s/%s, got kind %d with %zu errors", field, code,
                 (int)err->kind, err->nfields);
    }
}

static inline void expect_has(const app_error_t *err, const char *field, const char *code)
{
    const field_error_t *f = find_error(err, field);
    if (!f || strcmp(f->code, code) != 0) {
        dump_errors(err);
        fail_msg("want error %s/%s", field, code);
    }
}

/* doc[key] must be the string want (fails cleanly when it is absent). */
static inline void expect_member_string(const json_t *doc, const char *key, const char *want)
{
    json_t *v = json_object_get(doc, key);
    if (!json_is_string(v))
        fail_msg("member \"%s\" is %s, want the string \"%s\"", key,
                 v ? "not a string" : "absent", want);
    assert_string_equal(json_string_value(v), want);
}

/* validate_create on a JSON text; returns the (possibly filled) document. */
static inline json_t *create(const char *ename, json_t *doc, bool want_ok, app_error_t *err)
{
    err_clear(err);
    bool ok = validate_create(entity(ename), doc, err);
    if (ok != want_ok) {
        dump_errors(err);
        fail_msg("validate_create returned %d, want %d", ok, want_ok);
    }
    if (ok)
        assert_int_equal(err->kind, ERR_NONE);
    else
        assert_int_equal(err->kind, ERR_INVALID);
    return doc;
}


#endif
