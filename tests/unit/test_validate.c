/* Unit tests for domain/validate.c against the real entity registry: create
 * bodies, merged patches, nested arrays of objects, and the promise that one
 * pass reports every bad field. */
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

static const entity_t *entity(const char *name)
{
    const entity_t *e = registry_find(name);
    if (!e)
        fail_msg("registry has no %s", name);
    return e;
}

static json_t *load(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, 0, &je);
    if (!v)
        fail_msg("fixture does not parse: %s (%s)", text, je.text);
    return v;
}

/* A complete, valid organization; tests change one thing at a time. */
static json_t *good_org(void)
{
    return load("{\"name\": \"Баянзүрх дүүргийн Засаг даргын Тамгын газар\","
                " \"kind\": \"district_administration\", \"jurisdiction\": \"MN\","
                " \"timezone\": \"Asia/Ulaanbaatar\", \"locale\": \"mn\", \"currency\": \"MNT\"}");
}

static const field_error_t *find_error(const app_error_t *err, const char *field)
{
    for (size_t i = 0; i < err->nfields; i++)
        if (strcmp(err->fields[i].field, field) == 0)
            return &err->fields[i];
    return NULL;
}

static void dump_errors(const app_error_t *err)
{
    for (size_t i = 0; i < err->nfields; i++)
        print_error("  %s: %s (%s)\n", err->fields[i].field, err->fields[i].code,
                    err->fields[i].message);
}

/* Asserts err carries exactly one error, on field, with code. */
static void expect_one(const app_error_t *err, const char *field, const char *code)
{
    if (err->kind != ERR_INVALID || err->nfields != 1 || strcmp(err->fields[0].field, field) != 0 ||
        strcmp(err->fields[0].code, code) != 0) {
        dump_errors(err);
        fail_msg("want exactly one error %s/%s, got kind %d with %zu errors", field, code,
                 (int)err->kind, err->nfields);
    }
}

static void expect_has(const app_error_t *err, const char *field, const char *code)
{
    const field_error_t *f = find_error(err, field);
    if (!f || strcmp(f->code, code) != 0) {
        dump_errors(err);
        fail_msg("want error %s/%s", field, code);
    }
}

/* doc[key] must be the string want (fails cleanly when it is absent). */
static void expect_member_string(const json_t *doc, const char *key, const char *want)
{
    json_t *v = json_object_get(doc, key);
    if (!json_is_string(v))
        fail_msg("member \"%s\" is %s, want the string \"%s\"", key,
                 v ? "not a string" : "absent", want);
    assert_string_equal(json_string_value(v), want);
}

/* validate_create on a JSON text; returns the (possibly filled) document. */
static json_t *create(const char *ename, json_t *doc, bool want_ok, app_error_t *err)
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

static void test_registry_lookup(void **state)
{
    (void)state;
    assert_non_null(registry_find("organizations"));
    assert_non_null(registry_find("employees"));
    assert_non_null(registry_find("calendars"));
    assert_non_null(registry_find("calendar-days"));
    assert_null(registry_find("calendar_days"));
    assert_null(registry_find(""));
    assert_null(registry_find("Organizations"));
    const entity_t *e = entity("organizations");
    assert_int_equal(registry_field_index(e, "id"), 0);
    assert_int_equal(registry_field_index(e, "nope"), -1);
    assert_null(registry_field(e, "nope"));
    assert_string_equal(registry_field(e, "name")->name, "name");
}

static void test_create_fills_defaults(void **state)
{
    (void)state;
    app_error_t err;
    json_t *doc = create("organizations", good_org(), true, &err);
    json_t *emails = json_object_get(doc, "contact_emails");
    assert_true(json_is_array(emails));
    assert_int_equal(json_array_size(emails), 0);
    /* Nullable fields without a default become null. */
    assert_true(json_is_null(json_object_get(doc, "parent_id")));
    assert_true(json_is_null(json_object_get(doc, "code")));
    /* Read-only fields are not invented. */
    assert_null(json_object_get(doc, "id"));
    assert_null(json_object_get(doc, "version"));
    json_decref(doc);

    /* Given values are kept, not overwritten by defaults. */
    doc = good_org();
    json_object_set_new(doc, "disclosure_frequency", json_string("quarterly"));
    json_object_set_new(doc, "contact_emails", load("[\"a@b.mn\", \"c@d.kz\"]"));
    create("organizations", doc, true, &err);
    expect_member_string(doc, "disclosure_frequency", "quarterly");
    assert_int_equal(json_array_size(json_object_get(doc, "contact_emails")), 2);
    json_decref(doc);

    /* Calendars: weekend_days defaults to [6, 7]. */
    doc = create("calendars", load("{\"jurisdiction\": \"MN\", \"name\": \"Mongolia\"}"), true, &err);
    json_t *want = load("[6, 7]");
    assert_true(json_equal(json_object_get(doc, "weekend_days"), want));
    json_decref(want);
    json_decref(doc);

    /* Employees: relatives defaults to []. */
    doc = create("employees",
                 load("{\"organization_id\": \"" UUID_A "\", \"full_name\": \"Бат-Эрдэнэ\"}"), true,
                 &err);
    assert_int_equal(json_array_size(json_object_get(doc, "relatives")), 0);
    assert_true(json_is_null(json_object_get(doc, "unit")));
    json_decref(doc);
}

/* A scalar default ("monthly", given in the registry as JSON text) is
 * filled in just like the array defaults above. */
static void test_create_fills_scalar_default(void **state)
{
    (void)state;
    app_error_t err;
    json_t *doc = create("organizations", good_org(), true, &err);
    expect_member_string(doc, "disclosure_frequency", "monthly");
    json_decref(doc);
}

static void test_required_missing(void **state)
{
    (void)state;
    app_error_t err;
    json_t *doc = good_org();
    json_object_del(doc, "name");
    create("organizations", doc, false, &err);
    expect_one(&err, "name", "required");
    json_decref(doc);

    doc = create("organizations", load("{}"), false, &err);
    /* name, kind, jurisdiction, timezone, locale, currency */
    assert_int_equal(err.nfields, 6);
    static const char *const REQ[] = {"name", "kind", "jurisdiction", "timezone", "locale",
                                      "currency"};
    for (size_t i = 0; i < 6; i++)
        expect_has(&err, REQ[i], "required");
    json_decref(doc);
}

static void test_unknown_field(void **state)
{
    (void)state;
    app_error_t err;
    json_t *doc = good_org();
    json_object_set_new(doc, "nmae", json_string("typo"));
    create("organizations", doc, false, &err);
    expect_one(&err, "nmae", "unknown_field");
    json_decref(doc);
}

static void test_read_only_fields(void **state)
{
    (void)state;
    static const char *const RO[] = {"id", "version", "created_at", "updated_at"};
    for (size_t i = 0; i < 4; i++) {
        app_error_t err;
        json_t *doc = good_org();
        json_object_set_new(doc, RO[i], strcmp(RO[i], "version") == 0 ? json_integer(1)
                                        : strcmp(RO[i], "id") == 0
                                            ? json_string(UUID_A)
                                            : json_string("2026-01-01T00:00:00Z"));
        create("organizations", doc, false, &err);
        expect_one(&err, RO[i], "read_only");
        json_decref(doc);
    }
}

static void test_wrong_types(void **state)
{
    (void)state;
    static const struct {
        const char *field, *value;
    } CASES[] = {
        {"name", "5"},
        {"name", "true"},
        {"name", "[\"x\"]"},
        {"name", "{\"x\": 1}"},
        {"kind", "1"},
        {"parent_id", "123"},
        {"parent_id", "{}"},
        {"contact_emails", "\"a@b.mn\""},
        {"contact_emails", "{}"},
        {"timezone", "false"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        app_error_t err;
        json_t *doc = good_org();
        json_error_t je;
        json_object_set_new(doc, CASES[i].field, json_loads(CASES[i].value, JSON_DECODE_ANY, &je));
        create("organizations", doc, false, &err);
        expect_one(&err, CASES[i].field, "type");
        json_decref(doc);
    }
    /* Integers: a real, a string, a bool are not integers. */
    static const char *const NOT_INTS[] = {"[6.0]", "[\"6\"]", "[true]"};
    for (size_t i = 0; i < 3; i++) {
        app_error_t err;
        json_t *doc = load("{\"jurisdiction\": \"KZ\", \"name\": \"Kazakhstan\"}");
        json_object_set_new(doc, "weekend_days", load(NOT_INTS[i]));
        create("calendars", doc, false, &err);
        expect_one(&err, "weekend_days[0]", "type");
        json_decref(doc);
    }
}

static void test_enum(void **state)
{
    (void)state;
    app_error_t err;
    json_t *doc = good_org();
    json_object_set_new(doc, "locale", json_string("de"));
    create("organizations", doc, false, &err);
    expect_one(&err, "locale", "enum");
    assert_string_equal(err.fields[0].message, "Must be one of: mn, kk, ru, en.");
    json_decref(doc);

    doc = good_org();
    json_object_set_new(doc, "currency", json_string("mnt")); /* case matters */
    create("organizations", doc, false, &err);
    expect_one(&err, "currency", "enum");
    assert_string_equal(err.fields[0].message, "Must be one of: MNT, KZT, RUB, USD, EUR.");
    json_decref(doc);

    doc = good_org();
    json_object_set_new(doc, "jurisdiction", json_string(""));
    create("organizations", doc, false, &err);
    expect_one(&err, "jurisdiction", "enum");
    json_decref(doc);
}

/* The longest value list in the registry (organization kinds, 13 values)
 * does not fit the message: it must be cut off cleanly, not overflow. Kept
 * last in main(): under ASan an overflow aborts the whole binary. */
static void test_enum_long_list(void **state)
{
    (void)state;
    app_error_t err;
    json_t *doc = good_org();
    json_object_set_new(doc, "kind", json_string("kindergarten"));
    create("organizations", doc, false, &err);
    expect_one(&err, "kind", "enum");
    const char *m = err.fields[0].message;
    assert_true(strncmp(m, "Must be one of: district_administration, municipal_administration, ",
                        67) == 0);
    assert_true(strlen(m) < sizeof err.fields[0].message);
    json_decref(doc);
}

static void test_string_length_in_code_points(void **state)
{
    (void)state;
    /* 500 Cyrillic letters (1000 bytes) fit name's max of 500 characters. */
    char buf[4 * 502 + 1];
    for (int count = 499; count <= 501; count++) {
        for (const char *letter = "Ж"; letter; letter = strcmp(letter, "Ж") == 0 ? "ө" : NULL) {
            buf[0] = '\0';
            for (int i = 0; i < count; i++)
                strcat(buf, letter);
            assert_int_equal(strlen(buf), (size_t)count * 2);
            app_error_t err;
            json_t *doc = good_org();
            json_object_set_new(doc, "name", json_string(buf));
            create("organizations", doc, count <= 500, &err);
            if (count > 500) {
                expect_one(&err, "name", "too_long");
                assert_non_null(strstr(err.fields[0].message, "500"));
            }
            json_decref(doc);
        }
    }
    /* Four-byte characters count once each too. */
    buf[0] = '\0';
    for (int i = 0; i < 500; i++)
        strcat(buf, "\xf0\x9f\x8f\x94"); /* U+1F3D4 */
    app_error_t err;
    json_t *doc = good_org();
    json_object_set_new(doc, "name", json_string(buf));
    create("organizations", doc, true, &err);
    json_decref(doc);

    /* Too short: "" for min 1. */
    doc = good_org();
    json_object_set_new(doc, "name", json_string(""));
    create("organizations", doc, false, &err);
    expect_one(&err, "name", "too_short");
    json_decref(doc);

    /* Calendar jurisdiction is exactly two characters. */
    doc = load("{\"jurisdiction\": \"MNG\", \"name\": \"x\"}");
    create("calendars", doc, false, &err);
    expect_one(&err, "jurisdiction", "too_long");
    json_decref(doc);
}

static void test_formats(void **state)
{
    (void)state;
    static const struct {
        const char *field, *value;
    } BAD[] = {
        {"timezone", "Mars/Olympus"},
        {"timezone", "../etc/passwd"},
        {"code", "a b"},
        {"parent_id", "not-a-uuid"},
        {"parent_id", UUID_A "0"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        app_error_t err;
        json_t *doc = good_org();
        json_object_set_new(doc, BAD[i].field, json_string(BAD[i].value));
        create("organizations", doc, false, &err);
        expect_one(&err, BAD[i].field, "format");
        json_decref(doc);
    }
    app_error_t err;
    json_t *doc = good_org();
    json_object_set_new(doc, "contact_emails", load("[\"ok@example.mn\", \"not an email\"]"));
    create("organizations", doc, false, &err);
    expect_one(&err, "contact_emails[1]", "format");
    json_decref(doc);

    doc = load("{\"jurisdiction\": \"mn\", \"name\": \"x\"}");
    create("calendars", doc, false, &err);
    expect_one(&err, "jurisdiction", "format");
    json_decref(doc);

    doc = load("{\"jurisdiction\": \"RU\", \"date\": \"2026-02-29\", \"kind\": \"holiday\"}");
    create("calendar-days", doc, false, &err);
    expect_one(&err, "date", "format");
    json_decref(doc);

    doc = load("{\"jurisdiction\": \"RU\", \"date\": \"2026-12-31\", \"kind\": \"holiday\"}");
    create("calendar-days", doc, true, &err);
    json_decref(doc);
}

static void test_array_items(void **state)
{
    (void)state;
    app_error_t err;
    json_t *doc = load("{\"jurisdiction\": \"KZ\", \"name\": \"x\", \"weekend_days\": [9]}");
    create("calendars", doc, false, &err);
    expect_one(&err, "weekend_days[0]", "out_of_range");
    json_decref(doc);

    doc = load("{\"jurisdiction\": \"KZ\", \"name\": \"x\", \"weekend_days\": [7, 0]}");
    create("calendars", doc, false, &err);
    expect_one(&err, "weekend_days[1]", "out_of_range");
    json_decref(doc);

    doc = load("{\"jurisdiction\": \"KZ\", \"name\": \"x\", \"weekend_days\": [6, 6]}");
    create("calendars", doc, false, &err);
    expect_one(&err, "weekend_days[1]", "duplicate_item");
    json_decref(doc);

    doc = load("{\"jurisdiction\": \"KZ\", \"name\": \"x\", \"weekend_days\": [5, 6, 7, 1]}");
    create("calendars", doc, false, &err);
    expect_one(&err, "weekend_days", "too_many_items");
    json_decref(doc);

    doc = load("{\"jurisdiction\": \"KZ\", \"name\": \"x\", \"weekend_days\": [5, 6, 7]}");
    create("calendars", doc, true, &err);
    json_decref(doc);

    doc = load("{\"jurisdiction\": \"KZ\", \"name\": \"x\", \"weekend_days\": []}");
    create("calendars", doc, true, &err);
    json_decref(doc);

    doc = load("{\"jurisdiction\": \"KZ\", \"name\": \"x\", \"weekend_days\": [null]}");
    create("calendars", doc, false, &err);
    expect_one(&err, "weekend_days[0]", "type");
    json_decref(doc);

    /* Duplicate e-mail addresses. */
    doc = good_org();
    json_object_set_new(doc, "contact_emails", load("[\"a@b.mn\", \"c@d.mn\", \"a@b.mn\"]"));
    create("organizations", doc, false, &err);
    expect_one(&err, "contact_emails[2]", "duplicate_item");
    json_decref(doc);

    /* 21 addresses: more than 20. */
    json_t *many = json_array();
    for (int i = 0; i < 21; i++) {
        char e[32];
        snprintf(e, sizeof e, "user%d@example.mn", i);
        json_array_append_new(many, json_string(e));
    }
    doc = good_org();
    json_object_set(doc, "contact_emails", many);
    create("organizations", doc, false, &err);
    expect_one(&err, "contact_emails", "too_many_items");
    json_decref(doc);
    json_array_remove(many, 20);
    doc = good_org();
    json_object_set_new(doc, "contact_emails", many);
    create("organizations", doc, true, &err);
    json_decref(doc);
}

static json_t *employee_with_relatives(const char *relatives)
{
    json_t *doc = load("{\"organization_id\": \"" UUID_A "\", \"full_name\": \"Айгерім\"}");
    json_object_set_new(doc, "relatives", load(relatives));
    return doc;
}

static void test_nested_relatives(void **state)
{
    (void)state;
    app_error_t err;
    json_t *doc = employee_with_relatives("[{\"employee_id\": \"" UUID_B "\", \"relation\": \"spouse\"},"
                                          " {\"employee_id\": \"" UUID_A "\", \"relation\": \"cousin\"}]");
    create("employees", doc, false, &err);
    expect_one(&err, "relatives[1].relation", "enum");
    json_decref(doc);

    doc = employee_with_relatives("[{\"employee_id\": \"" UUID_B "\", \"relation\": \"sibling\"},"
                                  " {\"relation\": \"child\", \"note\": \"x\"},"
                                  " {\"employee_id\": \"nope\", \"relation\": null},"
                                  " null, \"string\"]");
    create("employees", doc, false, &err);
    expect_has(&err, "relatives[1].note", "unknown_field");
    expect_has(&err, "relatives[1].employee_id", "required");
    expect_has(&err, "relatives[2].employee_id", "format");
    expect_has(&err, "relatives[2].relation", "required");
    expect_has(&err, "relatives[3]", "type");
    expect_has(&err, "relatives[4]", "type");
    assert_int_equal(err.nfields, 6);
    json_decref(doc);

    doc = employee_with_relatives("[{\"employee_id\": \"" UUID_B "\", \"relation\": \"parent\"},"
                                  " {\"employee_id\": \"" UUID_A "\", \"relation\": \"other\"}]");
    create("employees", doc, true, &err);
    json_decref(doc);
}

/* Registry: relatives are unique by employee_id (one relation per person),
 * so a second entry for the same employee is a 422 naming the item. */
static void test_relative_declared_twice(void **state)
{
    (void)state;
    app_error_t err;
    json_t *doc = employee_with_relatives("[{\"employee_id\": \"" UUID_B "\", \"relation\": \"spouse\"},"
                                          " {\"employee_id\": \"" UUID_A "\", \"relation\": \"child\"},"
                                          " {\"employee_id\": \"" UUID_B "\", \"relation\": \"other\"}]");
    create("employees", doc, false, &err);
    expect_one(&err, "relatives[2].employee_id", "duplicate_item");
    json_decref(doc);
}

/* UUIDs are case-insensitive (text_is_uuid accepts either case and storage
 * compares them as uuid): the same employee written in upper case is still
 * the same employee. */
static void test_relative_declared_twice_other_case(void **state)
{
    (void)state;
    app_error_t err;
    json_t *doc = employee_with_relatives(
        "[{\"employee_id\": \"0a1b2c3d-0000-4000-8000-00000000000b\", \"relation\": \"spouse\"},"
        " {\"employee_id\": \"0A1B2C3D-0000-4000-8000-00000000000B\", \"relation\": \"other\"}]");
    create("employees", doc, false, &err);
    expect_one(&err, "relatives[1].employee_id", "duplicate_item");
    json_decref(doc);
}

static void test_null_handling(void **state)
{
    (void)state;
    app_error_t err;
    /* Nullable: null is a value. */
    json_t *doc = good_org();
    json_object_set_new(doc, "code", json_null());
    json_object_set_new(doc, "parent_id", json_null());
    create("organizations", doc, true, &err);
    assert_true(json_is_null(json_object_get(doc, "code")));
    json_decref(doc);

    /* Not nullable, not required, with a default: null is a type error. */
    doc = good_org();
    json_object_set_new(doc, "disclosure_frequency", json_null());
    create("organizations", doc, false, &err);
    expect_one(&err, "disclosure_frequency", "type");
    json_decref(doc);

    doc = good_org();
    json_object_set_new(doc, "contact_emails", json_null());
    create("organizations", doc, false, &err);
    expect_one(&err, "contact_emails", "type");
    json_decref(doc);

    /* Required: null is missing. */
    doc = good_org();
    json_object_set_new(doc, "name", json_null());
    create("organizations", doc, false, &err);
    expect_one(&err, "name", "required");
    json_decref(doc);

    /* Null inside a nullable field of another entity. */
    doc = load("{\"jurisdiction\": \"RU\", \"date\": \"2026-12-31\", \"kind\": \"holiday\","
               " \"name\": null}");
    create("calendar-days", doc, true, &err);
    json_decref(doc);
}

static void test_all_errors_in_one_pass(void **state)
{
    (void)state;
    app_error_t err;
    json_t *doc = load("{\"id\": \"" UUID_A "\", \"version\": 3, \"bogus\": 1,"
                       " \"kind\": \"ministry\", \"jurisdiction\": 5, \"timezone\": \"Mars/Olympus\","
                       " \"currency\": \"XXX\", \"locale\": \"de\", \"code\": \"has space\","
                       " \"parent_id\": \"x\", \"disclosure_frequency\": null,"
                       " \"contact_emails\": [\"bad\", \"a@b.mn\", \"a@b.mn\"]}");
    create("organizations", doc, false, &err);
    static const struct {
        const char *field, *code;
    } WANT[] = {
        {"id", "read_only"},
        {"version", "read_only"},
        {"bogus", "unknown_field"},
        {"name", "required"},
        {"jurisdiction", "type"},
        {"timezone", "format"},
        {"currency", "enum"},
        {"locale", "enum"},
        {"code", "format"},
        {"parent_id", "format"},
        {"disclosure_frequency", "type"},
        {"contact_emails[0]", "format"},
        {"contact_emails[2]", "duplicate_item"},
    };
    for (size_t i = 0; i < sizeof WANT / sizeof WANT[0]; i++)
        expect_has(&err, WANT[i].field, WANT[i].code);
    if (err.nfields != sizeof WANT / sizeof WANT[0]) {
        dump_errors(&err);
        fail_msg("want %zu errors, got %zu", sizeof WANT / sizeof WANT[0], err.nfields);
    }
    json_decref(doc);
}

static void test_error_overflow(void **state)
{
    (void)state;
    /* More bad fields than ERR_MAX_FIELDS: the first 32 are listed, the
     * detail says more were dropped, nothing overflows. */
    json_t *doc = good_org();
    for (int i = 0; i < 40; i++) {
        char k[16];
        snprintf(k, sizeof k, "x%02d", i);
        json_object_set_new(doc, k, json_true());
    }
    app_error_t err;
    create("organizations", doc, false, &err);
    assert_int_equal(err.nfields, ERR_MAX_FIELDS);
    assert_non_null(strstr(err.detail, "32"));
    json_decref(doc);
}

static void test_validate_merged(void **state)
{
    (void)state;
    const entity_t *e = entity("organizations");
    app_error_t err;
    /* A stored row: read-only fields present and ignored. */
    json_t *stored = good_org();
    err_clear(&err);
    assert_true(validate_create(e, stored, &err));
    json_object_set_new(stored, "id", json_string(UUID_A));
    json_object_set_new(stored, "version", json_integer(4));
    json_object_set_new(stored, "created_at", json_string("2026-01-01T00:00:00Z"));
    json_object_set_new(stored, "updated_at", json_string("2026-01-02T00:00:00Z"));

    /* Good patch. */
    json_t *patch = load("{\"name\": \"Renamed\", \"code\": \"UB-01\"}");
    err_clear(&err);
    assert_true(validate_patch_keys(e, patch, &err));
    json_t *merged = merge_patch(stored, patch);
    err_clear(&err);
    assert_true(validate_merged(e, merged, &err));
    assert_int_equal(err.kind, ERR_NONE);
    json_decref(merged);
    json_decref(patch);

    /* Patch keys: read-only and unknown members are refused up front. */
    patch = load("{\"version\": 5, \"nmae\": \"x\", \"name\": \"ok\"}");
    err_clear(&err);
    assert_false(validate_patch_keys(e, patch, &err));
    assert_int_equal(err.nfields, 2);
    expect_has(&err, "version", "read_only");
    expect_has(&err, "nmae", "unknown_field");
    json_decref(patch);

    /* Removing a required field by null, and a bad value. */
    patch = load("{\"name\": null, \"currency\": \"GBP\"}");
    merged = merge_patch(stored, patch);
    err_clear(&err);
    assert_false(validate_merged(e, merged, &err));
    assert_int_equal(err.nfields, 2);
    expect_has(&err, "name", "required");
    expect_has(&err, "currency", "enum");
    json_decref(merged);
    json_decref(patch);

    /* A nested value replaced wholesale and checked. */
    patch = load("{\"contact_emails\": [\"x@y.mn\", \"x@y.mn\"]}");
    merged = merge_patch(stored, patch);
    err_clear(&err);
    assert_false(validate_merged(e, merged, &err));
    expect_one(&err, "contact_emails[1]", "duplicate_item");
    json_decref(merged);
    json_decref(patch);
    json_decref(stored);
}

/* Merge patch null removes a member (RFC 7396): a nullable field becomes
 * null again, a field with a default gets its default back. */
static void test_merged_restores_defaults(void **state)
{
    (void)state;
    const entity_t *e = entity("organizations");
    app_error_t err;
    json_t *stored = good_org();
    json_object_set_new(stored, "code", json_string("X1"));
    json_object_set_new(stored, "disclosure_frequency", json_string("quarterly"));
    json_object_set_new(stored, "contact_emails", load("[\"a@b.mn\"]"));
    json_object_set_new(stored, "parent_id", json_null());
    err_clear(&err);
    assert_true(validate_merged(e, stored, &err));

    json_t *patch = load("{\"code\": null, \"contact_emails\": null}");
    json_t *merged = merge_patch(stored, patch);
    err_clear(&err);
    assert_true(validate_merged(e, merged, &err));
    assert_true(json_is_null(json_object_get(merged, "code")));
    assert_true(json_is_array(json_object_get(merged, "contact_emails")));
    assert_int_equal(json_array_size(json_object_get(merged, "contact_emails")), 0);
    json_decref(merged);
    json_decref(patch);

    patch = load("{\"disclosure_frequency\": null}");
    merged = merge_patch(stored, patch);
    err_clear(&err);
    assert_true(validate_merged(e, merged, &err));
    expect_member_string(merged, "disclosure_frequency", "monthly");
    json_decref(merged);
    json_decref(patch);
    json_decref(stored);
}

static void test_utf8_and_nul_through_jsonin(void **state)
{
    (void)state;
    const entity_t *e = entity("organizations");
    static const char body[] =
        "{\"name\": \"Bad \xff byte\", \"kind\": \"other\", \"jurisdiction\": \"KZ\","
        " \"timezone\": \"Asia/Almaty\", \"locale\": \"kk\", \"currency\": \"KZT\","
        " \"code\": \"a\\u0000b\", \"contact_emails\": [\"a@b.kz\", \"x\xc0\x80@b.kz\"]}";
    app_error_t err;
    err_clear(&err);
    json_t *doc = jsonin_parse_object(body, sizeof body - 1, &err);
    if (!doc)
        fail_msg("body did not parse: %s", err.detail);
    err_clear(&err);
    assert_false(validate_create(e, doc, &err));
    expect_has(&err, "name", "invalid_utf8");
    expect_has(&err, "code", "nul_byte");
    expect_has(&err, "contact_emails[1]", "invalid_utf8");
    assert_int_equal(err.nfields, 3);
    json_decref(doc);

    /* A bad byte in an enum and in a member name. */
    static const char body2[] = "{\"name\": \"x\", \"kind\": \"oth\xe9r\", \"jurisdiction\": \"KZ\","
                                " \"timezone\": \"Asia/Almaty\", \"locale\": \"kk\","
                                " \"currency\": \"KZT\", \"n\xffme\": 1}";
    err_clear(&err);
    doc = jsonin_parse_object(body2, sizeof body2 - 1, &err);
    assert_non_null(doc);
    err_clear(&err);
    assert_false(validate_create(e, doc, &err));
    expect_has(&err, "kind", "invalid_utf8");
    assert_int_equal(err.nfields, 2);
    bool key_flagged = false;
    for (size_t i = 0; i < err.nfields; i++)
        key_flagged |= strcmp(err.fields[i].code, "invalid_utf8") == 0 &&
                       strcmp(err.fields[i].field, "kind") != 0;
    assert_true(key_flagged);
    json_decref(doc);
}

static void test_validate_value_direct(void **state)
{
    (void)state;
    const entity_t *e = entity("calendar-days");
    const field_t *date = registry_field(e, "date");
    app_error_t err;
    json_t *v = json_string("2024-02-29");
    err_clear(&err);
    assert_true(validate_value(date, v, "date", &err));
    json_decref(v);
    v = json_string("2024-02-29T00:00:00Z");
    err_clear(&err);
    assert_false(validate_value(date, v, "x.y[3]", &err));
    expect_one(&err, "x.y[3]", "format");
    json_decref(v);
    const field_t *ver = registry_field(e, "version");
    v = json_integer(0);
    err_clear(&err);
    assert_false(validate_value(ver, v, "version", &err));
    expect_one(&err, "version", "out_of_range");
    json_decref(v);
    v = json_integer((json_int_t)INT32_MAX + 1);
    err_clear(&err);
    assert_false(validate_value(ver, v, "version", &err));
    json_decref(v);
    v = json_integer(INT32_MAX);
    err_clear(&err);
    assert_true(validate_value(ver, v, "version", &err));
    json_decref(v);
}

/* validate_value takes any field description: an enum whose value list
 * lands exactly on the message buffer's limit must still be cut off inside
 * it. Tries every length of the second value up to 1000 bytes so the
 * boundary is hit whatever the buffer size. Last in main(): under ASan an
 * overflow aborts the binary. */
static void test_enum_list_any_length(void **state)
{
    (void)state;
    static char second[1001];
    const char *values[4] = {"first_value", second, "third", NULL};
    field_t f = {.name = "e", .type = FT_ENUM, .values = values};
    for (size_t n = 1; n <= 1000; n++) {
        memset(second, 'v', n);
        second[n] = '\0';
        app_error_t err;
        err_clear(&err);
        json_t *v = json_string("nope");
        assert_false(validate_value(&f, v, "e", &err));
        json_decref(v);
        expect_one(&err, "e", "enum");
        size_t ml = strnlen(err.fields[0].message, sizeof err.fields[0].message);
        assert_true(ml < sizeof err.fields[0].message);
        assert_true(strncmp(err.fields[0].message, "Must be one of: first_value", 27) == 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_lookup),
        cmocka_unit_test(test_create_fills_defaults),
        cmocka_unit_test(test_create_fills_scalar_default),
        cmocka_unit_test(test_required_missing),
        cmocka_unit_test(test_unknown_field),
        cmocka_unit_test(test_read_only_fields),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_enum),
        cmocka_unit_test(test_string_length_in_code_points),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_array_items),
        cmocka_unit_test(test_nested_relatives),
        cmocka_unit_test(test_relative_declared_twice),
        cmocka_unit_test(test_relative_declared_twice_other_case),
        cmocka_unit_test(test_null_handling),
        cmocka_unit_test(test_all_errors_in_one_pass),
        cmocka_unit_test(test_error_overflow),
        cmocka_unit_test(test_validate_merged),
        cmocka_unit_test(test_merged_restores_defaults),
        cmocka_unit_test(test_utf8_and_nul_through_jsonin),
        cmocka_unit_test(test_validate_value_direct),
        cmocka_unit_test(test_enum_long_list),
        cmocka_unit_test(test_enum_list_any_length), /* last: see its comment */
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
