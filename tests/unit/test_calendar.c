/* Unit tests for domain/calendar.c (working-day arithmetic over the 2026
 * calendars of RU, KZ and MN, from calendar_2026_cases.h) and
 * domain/relatives.c (which declared relations are "close"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar_2026_cases.h"
#include "domain/calendar.h"
#include "domain/relatives.h"
#include "domain/textcheck.h"

/* The registry's enum of relations (domain/registry.c); every value must have
 * a rule in relatives.c. */
extern const char *const RELATIONS[];

#define WEEKEND_SAT_SUN ((uint8_t)((1u << 5) | (1u << 6)))

static int32_t day_of(const char *s)
{
    int32_t d;
    if (!text_parse_date(s, &d))
        fail_msg("bad date in fixture: %s", s);
    return d;
}

static int cmp_day(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

typedef struct {
    calendar_t cal;
    int32_t holidays[64];
    int32_t workdays[16];
} fixture_cal_t;

/* Builds the calendar of one jurisdiction from CAL_DAYS, with [lo, hi] wide
 * enough for every case. */
static void build(const char *jurisdiction, fixture_cal_t *fc)
{
    memset(fc, 0, sizeof *fc);
    size_t nh = 0, nw = 0;
    for (size_t i = 0; i < CAL_DAYS_COUNT; i++) {
        if (strcmp(CAL_DAYS[i].jurisdiction, jurisdiction) != 0)
            continue;
        if (CAL_DAYS[i].working) {
            assert_true(nw < sizeof fc->workdays / sizeof fc->workdays[0]);
            fc->workdays[nw++] = day_of(CAL_DAYS[i].date);
        } else {
            assert_true(nh < sizeof fc->holidays / sizeof fc->holidays[0]);
            fc->holidays[nh++] = day_of(CAL_DAYS[i].date);
        }
    }
    assert_true(nh > 0);
    qsort(fc->holidays, nh, sizeof(int32_t), cmp_day);
    qsort(fc->workdays, nw, sizeof(int32_t), cmp_day);
    fc->cal.weekend_mask = WEEKEND_SAT_SUN;
    fc->cal.holidays = fc->holidays;
    fc->cal.nholidays = nh;
    fc->cal.workdays = fc->workdays;
    fc->cal.nworkdays = nw;
    fc->cal.lo = date_from_ymd(2020, 1, 1);
    fc->cal.hi = date_from_ymd(2035, 12, 31);
}

static void fmt(int32_t d, char out[11])
{
    text_format_date(d, out);
}

static void test_wd_cases(void **state)
{
    (void)state;
    assert_true(WD_CASES_COUNT > 0);
    int failures = 0;
    for (size_t i = 0; i < WD_CASES_COUNT; i++) {
        fixture_cal_t fc;
        build(WD_CASES[i].jurisdiction, &fc);
        int32_t got = INT32_MIN;
        bool ok = calendar_add_working_days(&fc.cal, day_of(WD_CASES[i].from), WD_CASES[i].add, &got);
        char g[11] = "(failed)";
        if (ok)
            fmt(got, g);
        if (!ok || got != day_of(WD_CASES[i].expect)) {
            print_error("%s %s %+d: got %s, want %s (%s)\n", WD_CASES[i].jurisdiction,
                        WD_CASES[i].from, WD_CASES[i].add, g, WD_CASES[i].expect, WD_CASES[i].why);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

/* RU 2026 has 247 working days in a five-day week (the fixture's source,
 * Постановление № 1466, as quoted there). */
static void test_ru_2026_working_day_count(void **state)
{
    (void)state;
    fixture_cal_t fc;
    build("RU", &fc);
    int n = 0;
    for (int32_t d = date_from_ymd(2026, 1, 1); d <= date_from_ymd(2026, 12, 31); d++)
        n += calendar_is_working(&fc.cal, d);
    assert_int_equal(n, 247);
}

static void test_is_working(void **state)
{
    (void)state;
    fixture_cal_t ru, mn, kz;
    build("RU", &ru);
    build("MN", &mn);
    build("KZ", &kz);
    /* MN: Sat 28 Feb 2026 is worked in place of Tue 17 Feb. */
    assert_true(calendar_is_working(&mn.cal, day_of("2026-02-28")));
    assert_false(calendar_is_working(&mn.cal, day_of("2026-02-17")));
    assert_false(calendar_is_working(&mn.cal, day_of("2026-03-01"))); /* Sunday */
    assert_false(calendar_is_working(&mn.cal, day_of("2026-02-21"))); /* ordinary Saturday */
    assert_true(calendar_is_working(&mn.cal, day_of("2026-02-16")));  /* ordinary Monday */
    /* RU: transferred days off. */
    assert_false(calendar_is_working(&ru.cal, day_of("2026-01-09")));
    assert_false(calendar_is_working(&ru.cal, day_of("2026-12-31")));
    assert_true(calendar_is_working(&ru.cal, day_of("2026-12-30")));
    assert_false(calendar_is_working(&ru.cal, day_of("2026-03-09")));
    assert_true(calendar_is_working(&ru.cal, day_of("2026-03-10")));
    /* The same date differs by jurisdiction. */
    assert_true(calendar_is_working(&kz.cal, day_of("2026-12-31")));
    assert_true(calendar_is_working(&kz.cal, day_of("2026-01-09")));
    assert_true(calendar_is_working(&ru.cal, day_of("2026-03-24")));
    assert_false(calendar_is_working(&kz.cal, day_of("2026-03-24")));
}

static void test_add_zero(void **state)
{
    (void)state;
    fixture_cal_t ru, mn;
    build("RU", &ru);
    build("MN", &mn);
    int32_t out;
    /* On a working day: the day itself. */
    assert_true(calendar_add_working_days(&ru.cal, day_of("2026-03-10"), 0, &out));
    assert_int_equal(out, day_of("2026-03-10"));
    /* On an ordinary weekend: the Monday. */
    assert_true(calendar_add_working_days(&ru.cal, day_of("2026-04-04"), 0, &out));
    assert_int_equal(out, day_of("2026-04-06"));
    assert_true(calendar_add_working_days(&ru.cal, day_of("2026-04-05"), 0, &out));
    assert_int_equal(out, day_of("2026-04-06"));
    /* On a holiday followed by a weekend: past both. */
    assert_true(calendar_add_working_days(&ru.cal, day_of("2026-06-12"), 0, &out));
    assert_int_equal(out, day_of("2026-06-15"));
    /* On a worked Saturday: that Saturday. */
    assert_true(calendar_add_working_days(&mn.cal, day_of("2026-02-28"), 0, &out));
    assert_int_equal(out, day_of("2026-02-28"));
}

static void test_negative(void **state)
{
    (void)state;
    fixture_cal_t ru, kz;
    build("RU", &ru);
    build("KZ", &kz);
    int32_t out;
    assert_true(calendar_add_working_days(&ru.cal, day_of("2026-03-10"), -1, &out));
    assert_int_equal(out, day_of("2026-03-06"));
    assert_true(calendar_add_working_days(&kz.cal, day_of("2026-01-05"), -1, &out));
    assert_int_equal(out, day_of("2025-12-31"));
    /* From a weekend day backwards: the Friday before. */
    assert_true(calendar_add_working_days(&ru.cal, day_of("2026-04-05"), -1, &out));
    assert_int_equal(out, day_of("2026-04-03"));
    /* Back over the whole RU New Year break: 12 Jan -> 30 Dec 2025, 29 Dec. */
    assert_true(calendar_add_working_days(&ru.cal, day_of("2026-01-12"), -2, &out));
    assert_int_equal(out, day_of("2025-12-29"));
}

/* Forward then back again lands on the start, for every working day of 2026
 * in each jurisdiction; and n = 0 gives the first working day on or after. */
static void test_symmetry_and_zero_all_year(void **state)
{
    (void)state;
    static const char *const J[] = {"RU", "KZ", "MN"};
    for (size_t j = 0; j < 3; j++) {
        fixture_cal_t fc;
        build(J[j], &fc);
        for (int32_t d = date_from_ymd(2026, 1, 1); d <= date_from_ymd(2026, 12, 31); d++) {
            int32_t z, fwd, back;
            assert_true(calendar_add_working_days(&fc.cal, d, 0, &z));
            assert_true(z >= d && calendar_is_working(&fc.cal, z));
            for (int32_t k = d; k < z; k++)
                assert_false(calendar_is_working(&fc.cal, k));
            if (!calendar_is_working(&fc.cal, d))
                continue;
            for (int n = 1; n <= 25; n += 6) {
                assert_true(calendar_add_working_days(&fc.cal, d, n, &fwd));
                assert_true(calendar_add_working_days(&fc.cal, fwd, -n, &back));
                if (back != d) {
                    char a[11], b[11];
                    fmt(d, a);
                    fmt(back, b);
                    fail_msg("%s: %s +%d -%d = %s", J[j], a, n, n, b);
                }
                /* exactly n working days in (d, fwd] */
                int count = 0;
                for (int32_t k = d + 1; k <= fwd; k++)
                    count += calendar_is_working(&fc.cal, k);
                assert_int_equal(count, n);
                assert_true(calendar_is_working(&fc.cal, fwd));
            }
        }
    }
}

static void test_max_add(void **state)
{
    (void)state;
    /* Weekends only, so the answer is exact: 1000 working days = 200 weeks. */
    calendar_t cal = {.weekend_mask = WEEKEND_SAT_SUN,
                      .lo = date_from_ymd(2000, 1, 1),
                      .hi = date_from_ymd(2050, 12, 31)};
    int32_t monday = day_of("2026-01-05"), out;
    assert_int_equal(date_iso_weekday(monday), 1);
    assert_true(calendar_add_working_days(&cal, monday, CALENDAR_MAX_ADD, &out));
    assert_int_equal(out, monday + CALENDAR_MAX_ADD / 5 * 7);
    assert_true(calendar_add_working_days(&cal, monday, -CALENDAR_MAX_ADD, &out));
    assert_int_equal(out, monday - CALENDAR_MAX_ADD / 5 * 7);

    out = 4242;
    assert_false(calendar_add_working_days(&cal, monday, CALENDAR_MAX_ADD + 1, &out));
    assert_int_equal(out, 4242);
    assert_false(calendar_add_working_days(&cal, monday, -CALENDAR_MAX_ADD - 1, &out));
    assert_int_equal(out, 4242);
    assert_false(calendar_add_working_days(&cal, monday, INT32_MAX, &out));
    assert_false(calendar_add_working_days(&cal, monday, INT32_MIN, &out));
    assert_int_equal(out, 4242);
}

static void test_leaving_span(void **state)
{
    (void)state;
    /* A span of two weeks: Mon 2 Mar .. Sun 15 Mar 2026. */
    calendar_t cal = {.weekend_mask = WEEKEND_SAT_SUN,
                      .lo = day_of("2026-03-02"),
                      .hi = day_of("2026-03-15")};
    int32_t out = 4242;
    /* Inside: fine. */
    assert_true(calendar_add_working_days(&cal, day_of("2026-03-02"), 9, &out));
    assert_int_equal(out, day_of("2026-03-13"));
    assert_true(calendar_add_working_days(&cal, day_of("2026-03-13"), -9, &out));
    assert_int_equal(out, day_of("2026-03-02"));
    out = 4242;
    /* The walk would need days after hi or before lo. */
    assert_false(calendar_add_working_days(&cal, day_of("2026-03-02"), 10, &out));
    assert_false(calendar_add_working_days(&cal, day_of("2026-03-13"), -10, &out));
    assert_false(calendar_add_working_days(&cal, day_of("2026-03-14"), 0, &out));
    assert_false(calendar_add_working_days(&cal, day_of("2026-03-13"), 1, &out));
    /* The start itself outside. */
    assert_false(calendar_add_working_days(&cal, day_of("2026-03-01"), 1, &out));
    assert_false(calendar_add_working_days(&cal, day_of("2026-03-16"), -1, &out));
    assert_false(calendar_add_working_days(&cal, day_of("2026-03-16"), 0, &out));
    assert_int_equal(out, 4242);
}

static void test_span_for_covers_walk(void **state)
{
    (void)state;
    /* The span storage loads must hold the longest walk: three weekend days
     * a week (the registry allows at most three) and no holidays. */
    uint8_t mask = (uint8_t)((1u << 4) | (1u << 5) | (1u << 6)); /* Fri, Sat, Sun */
    calendar_t cal = {.weekend_mask = mask, .lo = INT32_MIN / 2, .hi = INT32_MAX / 2};
    int32_t from = day_of("2026-06-01"), out;
    static const int NS[] = {1, 2, 5, 10, 100, 999, CALENDAR_MAX_ADD};
    for (size_t i = 0; i < sizeof NS / sizeof NS[0]; i++) {
        for (int sign = -1; sign <= 1; sign += 2) {
            int n = NS[i] * sign;
            assert_true(calendar_add_working_days(&cal, from, n, &out));
            int32_t dist = out > from ? out - from : from - out;
            if (dist > calendar_span_for(n))
                fail_msg("n=%d walks %d days, span_for gives %d", n, (int)dist,
                         (int)calendar_span_for(n));
        }
    }
    assert_true(calendar_span_for(-5) == calendar_span_for(5));
}

/* ---- relatives ------------------------------------------------------------ */

static void test_relatives_is_close(void **state)
{
    (void)state;
    /* Seed 003, Appendix 1 item 2: everything but "other" is close. */
    static const struct {
        const char *relation;
        bool close;
    } WANT[] = {
        {"parent", true},         {"child", true},         {"adoptive_parent", true},
        {"adopted_child", true},  {"sibling", true},       {"half_sibling", true},
        {"grandparent", true},    {"grandchild", true},    {"spouse", true},
        {"sibling_in_law", true}, {"parent_in_law", true}, {"child_in_law", true},
        {"other", false},
    };
    size_t nrel = 0;
    for (const char *const *r = RELATIONS; *r; r++) {
        nrel++;
        bool found = false;
        for (size_t i = 0; i < sizeof WANT / sizeof WANT[0]; i++)
            if (strcmp(WANT[i].relation, *r) == 0) {
                found = true;
                if (relatives_is_close(*r) != WANT[i].close)
                    fail_msg("relatives_is_close(\"%s\") should be %d", *r, WANT[i].close);
            }
        if (!found)
            fail_msg("registry relation \"%s\" has no expected rule in this test", *r);
    }
    assert_int_equal(nrel, sizeof WANT / sizeof WANT[0]);
    assert_false(relatives_is_close(""));
    assert_false(relatives_is_close("cousin"));
    assert_false(relatives_is_close("Parent"));
    assert_false(relatives_is_close("parent "));
}

static void test_relatives_literal(void **state)
{
    (void)state;
    char buf[512];
    memset(buf, 'x', sizeof buf);
    relatives_close_array_literal(buf, sizeof buf);
    assert_string_equal(buf, "{parent,child,adoptive_parent,adopted_child,sibling,half_sibling,"
                             "grandparent,grandchild,spouse,sibling_in_law,parent_in_law,"
                             "child_in_law}");
    /* Truncated: always terminated, never past n. */
    size_t full = strlen(buf);
    for (size_t n = 1; n <= full + 1; n++) {
        char small[512];
        memset(small, '#', sizeof small);
        relatives_close_array_literal(small, n);
        size_t len = strnlen(small, n);
        if (len >= n)
            fail_msg("n=%zu: not terminated", n);
        if (small[n] != '#')
            fail_msg("n=%zu: wrote past n", n);
        assert_memory_equal(small, buf, len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wd_cases),
        cmocka_unit_test(test_ru_2026_working_day_count),
        cmocka_unit_test(test_is_working),
        cmocka_unit_test(test_add_zero),
        cmocka_unit_test(test_negative),
        cmocka_unit_test(test_symmetry_and_zero_all_year),
        cmocka_unit_test(test_max_add),
        cmocka_unit_test(test_leaving_span),
        cmocka_unit_test(test_span_for_covers_walk),
        cmocka_unit_test(test_relatives_is_close),
        cmocka_unit_test(test_relatives_literal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
