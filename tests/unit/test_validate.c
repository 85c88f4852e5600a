/* Unit tests for domain/validate.c against the real entity registry: create
 * bodies, field types, lengths, formats and arrays. Nested members, nulls,
 * merged patches and the one-pass promise are in test_validate_nested.c. */
#include "validate_support.h"

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
        cmocka_unit_test(test_enum_long_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
