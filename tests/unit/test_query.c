/* Unit tests for domain/query.c: query-string decoding and the list
 * parameters (limit, cursor, updated_since, registry filters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/cursor.h"
#include "domain/query.h"
#include "domain/registry.h"

#define UUID_A "123e4567-e89b-12d3-a456-426614174000"

static void dump_errors(const app_error_t *err)
{
    print_error("  kind %d detail \"%s\"\n", (int)err->kind, err->detail);
    for (size_t i = 0; i < err->nfields; i++)
        print_error("  \"%s\": %s (%s)\n", err->fields[i].field, err->fields[i].code,
                    err->fields[i].message);
}

static void expect_one(const app_error_t *err, const char *field, const char *code)
{
    if (err->kind != ERR_INVALID || err->nfields != 1 || strcmp(err->fields[0].field, field) != 0 ||
        strcmp(err->fields[0].code, code) != 0) {
        dump_errors(err);
        fail_msg("want exactly one error \"%s\"/%s", field, code);
    }
}

/* query_parse on an exact-size heap copy (ASan sees over-reads). */
static bool parse(const char *qs, qparams_t *q, app_error_t *err)
{
    char *copy = strdup(qs);
    assert_non_null(copy);
    err_clear(err);
    bool ok = query_parse(copy, q, err);
    free(copy);
    return ok;
}

static void test_parse_basic(void **state)
{
    (void)state;
    qparams_t q;
    app_error_t err;
    assert_true(parse("limit=10&kind=ministry&flag&empty=", &q, &err));
    assert_int_equal(q.n, 4);
    assert_string_equal(query_get(&q, "limit"), "10");
    assert_string_equal(query_get(&q, "kind"), "ministry");
    assert_string_equal(query_get(&q, "flag"), "");
    assert_string_equal(query_get(&q, "empty"), "");
    assert_null(query_get(&q, "missing"));
    assert_null(query_get(&q, "Limit"));
    query_free(&q);
    assert_int_equal(q.n, 0);

    /* NULL and "" are no query at all. */
    err_clear(&err);
    assert_true(query_parse(NULL, &q, &err));
    assert_int_equal(q.n, 0);
    query_free(&q);
    assert_true(parse("", &q, &err));
    assert_int_equal(q.n, 0);
    query_free(&q);

    /* Empty pieces between '&' are skipped; '=' inside a value is kept. */
    assert_true(parse("&&a=1&&b=x=y&", &q, &err));
    assert_int_equal(q.n, 2);
    assert_string_equal(query_get(&q, "a"), "1");
    assert_string_equal(query_get(&q, "b"), "x=y");
    query_free(&q);
}

static void test_parse_percent_and_plus(void **state)
{
    (void)state;
    qparams_t q;
    app_error_t err;
    assert_true(parse("name=%D0%96%D1%91%D0%BB%D1%82%D1%8B%D0%B9&q=a+b%20c&p=%2B05%3A00"
                      "&x%5Fy=%2f%2F&amp=%26%3d",
                      &q, &err));
    assert_string_equal(query_get(&q, "name"), "Жёлтый");
    assert_string_equal(query_get(&q, "q"), "a b c");
    assert_string_equal(query_get(&q, "p"), "+05:00");
    assert_string_equal(query_get(&q, "x_y"), "//");
    assert_string_equal(query_get(&q, "amp"), "&=");
    query_free(&q);
    /* Raw (unencoded) UTF-8 is fine too. */
    assert_true(parse("name=Өлгий", &q, &err));
    assert_string_equal(query_get(&q, "name"), "Өлгий");
    query_free(&q);
}

static void test_parse_broken_escapes(void **state)
{
    (void)state;
    static const char *const BAD[] = {"a=%", "a=%4", "a=%G0", "a=%0G", "a=%%41", "%=1", "a%2=1",
                                      "a=x%", "a=%-1", "a=% 1"};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        qparams_t q;
        app_error_t err;
        if (parse(BAD[i], &q, &err)) {
            query_free(&q);
            fail_msg("accepted \"%s\"", BAD[i]);
        }
        assert_int_equal(err.kind, ERR_INVALID);
        assert_int_equal(err.nfields, 1);
        assert_string_equal(err.fields[0].code, "format");
        /* On failure *out is empty. */
        assert_int_equal(q.n, 0);
        assert_null(q.buf);
    }
}

static void test_parse_invalid_utf8_and_nul(void **state)
{
    (void)state;
    static const char *const BAD_UTF8[] = {"a=%FF", "a=%C0%80", "a=%ED%A0%80", "a=%E2%82",
                                           "a=%F4%90%80%80", "%FF=1", "a=\xff"};
    for (size_t i = 0; i < sizeof BAD_UTF8 / sizeof BAD_UTF8[0]; i++) {
        qparams_t q;
        app_error_t err;
        if (parse(BAD_UTF8[i], &q, &err)) {
            query_free(&q);
            fail_msg("accepted \"%s\"", BAD_UTF8[i]);
        }
        assert_int_equal(err.nfields, 1);
        assert_string_equal(err.fields[0].code, "invalid_utf8");
        assert_int_equal(q.n, 0);
    }
    qparams_t q;
    app_error_t err;
    assert_false(parse("a=x%00y", &q, &err));
    assert_int_equal(err.nfields, 1);
    assert_string_equal(err.fields[0].code, "nul_byte");
    assert_false(parse("a%00b=1", &q, &err));
    assert_string_equal(err.fields[0].code, "nul_byte");
    /* A valid parameter named in the error when its value is bad. */
    assert_false(parse("ok=1&kind=%FF", &q, &err));
    expect_one(&err, "kind", "invalid_utf8");
}

static void test_parse_repeated(void **state)
{
    (void)state;
    qparams_t q;
    app_error_t err;
    assert_false(parse("limit=1&kind=x&limit=2", &q, &err));
    expect_one(&err, "limit", "invalid");
    assert_int_equal(q.n, 0);
    /* The same name spelled two ways is the same name. */
    assert_false(parse("kind=a&%6Bind=b", &q, &err));
    expect_one(&err, "kind", "invalid");
}

static void test_parse_too_many(void **state)
{
    (void)state;
    char qs[1024] = "";
    for (int i = 0; i < QUERY_MAX_PARAMS; i++) {
        char part[16];
        snprintf(part, sizeof part, "%sp%d=%d", i ? "&" : "", i, i);
        strcat(qs, part);
    }
    qparams_t q;
    app_error_t err;
    assert_true(parse(qs, &q, &err));
    assert_int_equal(q.n, QUERY_MAX_PARAMS);
    assert_string_equal(query_get(&q, "p31"), "31");
    query_free(&q);

    strcat(qs, "&p32=32");
    assert_false(parse(qs, &q, &err));
    assert_int_equal(err.kind, ERR_INVALID);
    /* The problem names the first parameter not read, like any other. */
    assert_int_equal(err.nfields, 1);
    assert_string_equal(err.fields[0].field, "p32");
    assert_string_equal(err.fields[0].code, "unknown_parameter");
    assert_non_null(strstr(err.fields[0].message, "32"));
    assert_int_equal(q.n, 0);

    /* Far too many: still bounded. */
    char *big = malloc(64 * 1024);
    assert_non_null(big);
    big[0] = '\0';
    for (int i = 0; i < 5000; i++)
        strcat(big, "a=1&");
    assert_false(parse(big, &q, &err));
    free(big);
}

static void test_query_only(void **state)
{
    (void)state;
    static const char *const ALLOWED[] = {"limit", "cursor", NULL};
    qparams_t q;
    app_error_t err;
    assert_true(parse("limit=5&cursor=x", &q, &err));
    err_clear(&err);
    assert_true(query_only(&q, ALLOWED, &err));
    assert_int_equal(err.kind, ERR_NONE);
    query_free(&q);

    assert_true(parse("limit=5&sort=name&LIMIT=1&cursor=x", &q, &err));
    err_clear(&err);
    assert_false(query_only(&q, ALLOWED, &err));
    assert_int_equal(err.nfields, 2);
    assert_string_equal(err.fields[0].field, "sort");
    assert_string_equal(err.fields[0].code, "unknown_parameter");
    assert_string_equal(err.fields[1].field, "LIMIT");
    assert_string_equal(err.fields[1].code, "unknown_parameter");
    query_free(&q);

    static const char *const NONE[] = {NULL};
    assert_true(parse("a=1", &q, &err));
    err_clear(&err);
    assert_false(query_only(&q, NONE, &err));
    query_free(&q);
}

/* Parses qs and builds the list query for entity ename. */
static bool build(const char *ename, const char *qs, qparams_t *q, list_query_t *lq,
                  app_error_t *err)
{
    if (!parse(qs, q, err))
        fail_msg("query \"%s\" did not parse", qs);
    const entity_t *e = registry_find(ename);
    assert_non_null(e);
    err_clear(err);
    bool ok = list_query_build(e, q, lq, err);
    assert_int_equal(ok, err->kind == ERR_NONE);
    return ok;
}

static void test_limit(void **state)
{
    (void)state;
    qparams_t q;
    list_query_t lq;
    app_error_t err;
    assert_true(build("organizations", "", &q, &lq, &err));
    assert_int_equal(lq.limit, 50);
    assert_int_equal(lq.limit, REG_PAGE_DEFAULT);
    assert_int_equal(lq.nfilters, 0);
    assert_false(lq.has_after);
    assert_null(lq.updated_since);
    query_free(&q);

    static const struct {
        const char *qs;
        int limit;
    } GOOD[] = {{"limit=1", 1}, {"limit=500", 500}, {"limit=50", 50}, {"limit=499", 499}};
    for (size_t i = 0; i < sizeof GOOD / sizeof GOOD[0]; i++) {
        if (!build("organizations", GOOD[i].qs, &q, &lq, &err))
            fail_msg("rejected %s", GOOD[i].qs);
        assert_int_equal(lq.limit, GOOD[i].limit);
        query_free(&q);
    }
    static const char *const BAD[] = {"limit=0",  "limit=501", "limit=x",   "limit=-1", "limit=",
                                      "limit=+5", "limit=1.5", "limit=1e2", "limit=%201",
                                      "limit=99999", "limit=4294967297", "limit"};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        if (build("organizations", BAD[i], &q, &lq, &err))
            fail_msg("accepted %s", BAD[i]);
        expect_one(&err, "limit", "invalid");
        query_free(&q);
    }
}

static void test_cursor_param(void **state)
{
    (void)state;
    char c[CURSOR_LEN + 1], qs[64];
    cursor_encode(UUID_A, c);
    snprintf(qs, sizeof qs, "cursor=%s", c);
    qparams_t q;
    list_query_t lq;
    app_error_t err;
    assert_true(build("employees", qs, &q, &lq, &err));
    assert_true(lq.has_after);
    assert_string_equal(lq.after, UUID_A);
    query_free(&q);

    static const char *const BAD[] = {"cursor=", "cursor=abc", ("cursor=" UUID_A),
                                      "cursor=AAAAAAAAAAAAAAAAAAAAAAA",
                                      "cursor=AQAAAAAAAAAAAAAAAAAAAAB"};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        if (build("employees", BAD[i], &q, &lq, &err))
            fail_msg("accepted %s", BAD[i]);
        expect_one(&err, "cursor", "invalid");
        query_free(&q);
    }
}

static void test_updated_since(void **state)
{
    (void)state;
    qparams_t q;
    list_query_t lq;
    app_error_t err;
    assert_true(build("calendars", "updated_since=2026-03-01T00:00:00Z", &q, &lq, &err));
    assert_string_equal(lq.updated_since, "2026-03-01T00:00:00Z");
    query_free(&q);
    assert_true(build("calendars", "updated_since=2026-03-01T08:00:00%2B08:00", &q, &lq, &err));
    assert_string_equal(lq.updated_since, "2026-03-01T08:00:00+08:00");
    query_free(&q);
    /* An unencoded '+' is a space, so the offset is broken. */
    static const char *const BAD[] = {"updated_since=2026-03-01T08:00:00+08:00",
                                      "updated_since=2026-03-01", "updated_since=yesterday",
                                      "updated_since="};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        if (build("calendars", BAD[i], &q, &lq, &err))
            fail_msg("accepted %s", BAD[i]);
        expect_one(&err, "updated_since", "invalid");
        query_free(&q);
    }
}

static void test_filters_organizations(void **state)
{
    (void)state;
    qparams_t q;
    list_query_t lq;
    app_error_t err;
    assert_true(build("organizations", "kind=hospital&jurisdiction=MN&code=UB.01-a", &q, &lq, &err));
    assert_int_equal(lq.nfilters, 3);
    assert_string_equal(lq.filters[0].field->name, "kind");
    assert_int_equal(lq.filters[0].op, FILTER_EQ);
    assert_string_equal(lq.filters[0].value, "hospital");
    assert_string_equal(lq.filters[1].field->name, "jurisdiction");
    assert_string_equal(lq.filters[2].field->name, "code");
    query_free(&q);

    /* parent_id: a UUID, compared in lowercase. */
    assert_true(build("organizations", "parent_id=123E4567-E89B-12D3-A456-426614174000", &q, &lq,
                      &err));
    assert_int_equal(lq.nfilters, 1);
    assert_string_equal(lq.filters[0].field->name, "parent_id");
    assert_string_equal(lq.filters[0].value, UUID_A);
    query_free(&q);

    static const struct {
        const char *qs, *field;
    } BAD[] = {
        {"parent_id=123", "parent_id"},
        {"parent_id=null", "parent_id"},
        {"parent_id=" UUID_A "%00", NULL}, /* NUL: rejected by query_parse */
        {"jurisdiction=US", "jurisdiction"},
        {"code=a%20b", "code"},
        {"disclosure_frequency=weekly", "disclosure_frequency"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        if (!BAD[i].field) {
            app_error_t perr;
            assert_false(parse(BAD[i].qs, &q, &perr));
            continue;
        }
        if (build("organizations", BAD[i].qs, &q, &lq, &err))
            fail_msg("accepted %s", BAD[i].qs);
        expect_one(&err, BAD[i].field, "invalid");
        query_free(&q);
    }
}

static void test_unknown_and_unfilterable(void **state)
{
    (void)state;
    static const struct {
        const char *entity, *qs, *field;
    } CASES[] = {
        {"organizations", "nmae=x", "nmae"},
        {"organizations", "name=x", "name"},         /* a field, but not a filter */
        {"organizations", "timezone=UTC", "timezone"},
        {"organizations", "id=" UUID_A, "id"},
        {"organizations", "name_from=a", "name_from"}, /* not a range field */
        {"organizations", "kind_to=z", "kind_to"},
        {"organizations", "version=1", "version"},
        {"organizations", "=1", ""},
        {"calendar-days", "date=2026-01-01", "date"}, /* range only, not equality */
        {"calendar-days", "date_at=2026-01-01", "date_at"},
        {"calendar-days", "_from=2026-01-01", "_from"},
        {"calendar-days", "_to=2026-01-01", "_to"},
        {"calendar-days", "Date_from=2026-01-01", "Date_from"},
        {"employees", "full_name=x", "full_name"},
        {"employees", "relatives=[]", "relatives"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        qparams_t q;
        list_query_t lq;
        app_error_t err;
        if (build(CASES[i].entity, CASES[i].qs, &q, &lq, &err))
            fail_msg("accepted %s on %s", CASES[i].qs, CASES[i].entity);
        expect_one(&err, CASES[i].field, "unknown_parameter");
        query_free(&q);
    }
}

static void test_range_filters(void **state)
{
    (void)state;
    qparams_t q;
    list_query_t lq;
    app_error_t err;
    assert_true(build("calendar-days",
                      "date_from=2026-01-01&date_to=2026-12-31&jurisdiction=RU&kind=holiday", &q,
                      &lq, &err));
    assert_int_equal(lq.nfilters, 4);
    assert_string_equal(lq.filters[0].field->name, "date");
    assert_int_equal(lq.filters[0].op, FILTER_GE);
    assert_string_equal(lq.filters[0].value, "2026-01-01");
    assert_string_equal(lq.filters[1].field->name, "date");
    assert_int_equal(lq.filters[1].op, FILTER_LE);
    assert_string_equal(lq.filters[1].value, "2026-12-31");
    assert_int_equal(lq.filters[2].op, FILTER_EQ);
    assert_int_equal(lq.filters[3].op, FILTER_EQ);
    query_free(&q);

    static const struct {
        const char *qs, *field;
    } BAD[] = {
        {"date_from=2026-02-29", "date_from"},
        {"date_to=2026-13-01", "date_to"},
        {"date_from=2026-01-01T00:00:00Z", "date_from"},
        {"date_to=", "date_to"},
        {"jurisdiction=ru", "jurisdiction"},
        {"kind=weekend", "kind"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        if (build("calendar-days", BAD[i].qs, &q, &lq, &err))
            fail_msg("accepted %s", BAD[i].qs);
        expect_one(&err, BAD[i].field, "invalid");
        query_free(&q);
    }
}

static void test_all_list_errors_reported(void **state)
{
    (void)state;
    qparams_t q;
    list_query_t lq;
    app_error_t err;
    assert_false(build("calendar-days", "limit=0&cursor=x&updated_since=x&date_from=x&nope=1", &q,
                       &lq, &err));
    assert_int_equal(err.nfields, 5);
    assert_string_equal(err.fields[0].field, "limit");
    assert_string_equal(err.fields[1].field, "cursor");
    assert_string_equal(err.fields[2].field, "updated_since");
    assert_string_equal(err.fields[3].field, "date_from");
    assert_string_equal(err.fields[4].field, "nope");
    assert_string_equal(err.fields[4].code, "unknown_parameter");
    query_free(&q);
}

/* Enum filter with the registry's longest value list (organization kinds):
 * the error message must be built without overflowing. Kept last in main():
 * under ASan an overflow aborts the whole binary. */
static void test_enum_filter_bad_kind(void **state)
{
    (void)state;
    qparams_t q;
    list_query_t lq;
    app_error_t err;
    assert_false(build("organizations", "kind=kindergarten", &q, &lq, &err));
    expect_one(&err, "kind", "invalid");
    assert_true(strncmp(err.fields[0].message, "Must be one of: district_administration", 39) == 0);
    query_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_basic),
        cmocka_unit_test(test_parse_percent_and_plus),
        cmocka_unit_test(test_parse_broken_escapes),
        cmocka_unit_test(test_parse_invalid_utf8_and_nul),
        cmocka_unit_test(test_parse_repeated),
        cmocka_unit_test(test_parse_too_many),
        cmocka_unit_test(test_query_only),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_cursor_param),
        cmocka_unit_test(test_updated_since),
        cmocka_unit_test(test_filters_organizations),
        cmocka_unit_test(test_unknown_and_unfilterable),
        cmocka_unit_test(test_range_filters),
        cmocka_unit_test(test_all_list_errors_reported),
        cmocka_unit_test(test_enum_filter_bad_kind), /* last: see its comment */
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
