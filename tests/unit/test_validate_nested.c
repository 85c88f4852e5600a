/* Unit tests for domain/validate.c, continued: nested arrays of objects,
 * null handling, merged patches, UTF-8 and NUL through jsonin, and the
 * promise that one pass reports every bad field. */
#include "validate_support.h"

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

/* Receivables (seed 004): a status is the server's on create and a PATCH's
 * afterwards; an optional member (a schedule line's interest) is left out,
 * not null; a budget code is digits. */
static void test_receivable_fields(void **state)
{
    (void)state;
    app_error_t err;
    json_t *doc = load("{\"receivable_id\": \"" UUID_A "\", \"granted_on\": \"2026-06-01\","
                       " \"decision_document\": \"301-r\", \"lines\": ["
                       " {\"due_on\": \"2026-06-30\", \"amount\": \"10000\"},"
                       " {\"due_on\": \"2026-07-31\", \"amount\": \"10000\", \"interest\": null}]}");
    create("installment-plans", doc, false, &err);
    expect_one(&err, "lines[1].interest", "type");
    json_decref(doc);

    doc = load("{\"code\": \"1110000000000000O\", \"name\": \"x\", \"jurisdiction\": \"RU\"}");
    create("income-codes", doc, false, &err);
    expect_one(&err, "code", "format");
    json_decref(doc);

    doc = load("{\"organization_id\": \"" UUID_A "\", \"debtor_id\": \"" UUID_B "\","
               " \"income_code_id\": \"" UUID_B "\", \"basis_document\": \"12-A\","
               " \"basis_date\": \"2024-01-15\", \"arose_on\": \"2026-01-01\","
               " \"due_date\": \"2026-03-31\", \"principal\": \"184500\", \"currency\": \"RUB\","
               " \"payment_details\": \"x\", \"status\": \"overdue\"}");
    create("receivables", doc, false, &err);
    expect_one(&err, "status", "read_only");
    json_object_del(doc, "status");
    create("receivables", doc, true, &err);
    assert_null(json_object_get(doc, "status")); /* left for the rule to set */
    expect_member_string(doc, "penalties", "0.00");
    json_decref(doc);

    json_t *patch = load("{\"status\": \"doubtful\", \"status_reason\": \"bankrupt\"}");
    err_clear(&err);
    assert_true(validate_patch_keys(entity("receivables"), patch, &err));
    json_decref(patch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
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
        cmocka_unit_test(test_receivable_fields),
        cmocka_unit_test(test_enum_list_any_length), /* last: see its comment */
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
