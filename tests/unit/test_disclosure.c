/* Unit tests for domain/disclosure.c: the Glass Account law's periods, due
 * days (seed 000: "every month, by the 15th, for the previous month";
 * quarterly for private kindergartens, schools and health centres) and the
 * status of one item. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "domain/disclosure.h"
#include "domain/textcheck.h"

static int32_t day(const char *s)
{
    int32_t d = 0;
    assert_true(text_parse_date(s, &d));
    return d;
}

static void test_parse_and_format(void **state)
{
    (void)state;
    static const char *const GOOD[] = {"2026-10", "2026-01", "2026-12", "2026-Q1", "2026-Q4", "2000-06",
                                       "2999-Q2"};
    for (size_t i = 0; i < sizeof GOOD / sizeof GOOD[0]; i++) {
        period_t p;
        char back[8];
        assert_true(period_parse(GOOD[i], &p));
        period_format(&p, back);
        assert_string_equal(back, GOOD[i]);
    }
    static const char *const BAD[] = {"2026-13", "2026-00", "2026-Q0", "2026-Q5", "2026-q1", "2026-1",
                                      "26-10",   "2026/10", "1999-12", "3000-01", "2026-10 ", "",
                                      "2026-Q",  "20261-0"};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        period_t p;
        assert_false(period_parse(BAD[i], &p));
    }
    period_t p;
    assert_false(period_parse(NULL, &p));
}

static void test_period_days(void **state)
{
    (void)state;
    period_t p;
    assert_true(period_parse("2026-02", &p));
    assert_int_equal(period_first_day(&p), day("2026-02-01"));
    assert_int_equal(period_last_day(&p), day("2026-02-28"));
    assert_true(period_parse("2028-02", &p)); /* leap year */
    assert_int_equal(period_last_day(&p), day("2028-02-29"));
    assert_true(period_parse("2026-Q3", &p));
    assert_int_equal(period_first_day(&p), day("2026-07-01"));
    assert_int_equal(period_last_day(&p), day("2026-09-30"));
    assert_true(period_parse("2026-Q4", &p));
    assert_int_equal(period_last_day(&p), day("2026-12-31"));
}

static void test_due_days(void **state)
{
    (void)state;
    static const struct {
        const char *period;
        int due_day;
        const char *due;
    } CASES[] = {
        {"2026-10", 15, "2026-11-15"}, /* October's, by 15 November */
        {"2026-11", 15, "2026-12-15"},
        {"2026-12", 15, "2027-01-15"}, /* across the year */
        {"2026-01", 28, "2026-02-28"},
        {"2026-Q1", 15, "2026-04-15"},
        {"2026-Q3", 15, "2026-10-15"},
        {"2026-Q4", 15, "2027-01-15"},
        {"2026-Q2", 1, "2026-07-01"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        period_t p;
        assert_true(period_parse(CASES[i].period, &p));
        assert_int_equal(period_due_day(&p, CASES[i].due_day), day(CASES[i].due));
        int y, m;
        period_due_month(&p, &y, &m);
        assert_int_equal(date_from_ymd(y, (unsigned)m, (unsigned)CASES[i].due_day), day(CASES[i].due));
    }
}

static void test_status(void **state)
{
    (void)state;
    /* October 2026 in Ulaanbaatar (UTC+8): the 15th ends at 2026-11-15T16:00Z. */
    const int64_t due_end = 1794758400; /* 2026-11-15T16:00:00Z */
    const int64_t minute = 60;
    /* Published at 23:59 local on the 15th: on time. At 00:00 on the 16th: late. */
    assert_int_equal(disclosure_status(true, due_end - minute, due_end, due_end + 86400),
                     DISCLOSURE_ON_TIME);
    assert_int_equal(disclosure_status(true, due_end - 1, due_end, due_end), DISCLOSURE_ON_TIME);
    assert_int_equal(disclosure_status(true, due_end, due_end, due_end), DISCLOSURE_LATE);
    /* A late publication stays late however long ago it was. */
    assert_int_equal(disclosure_status(true, due_end + 3 * 86400, due_end, due_end + 90 * 86400),
                     DISCLOSURE_LATE);
    /* Early is on time (published before the period ended). */
    assert_int_equal(disclosure_status(true, due_end - 40 * 86400, due_end, due_end - 30 * 86400),
                     DISCLOSURE_ON_TIME);
    /* Not published: not due until the 15th has ended, missing from then on. */
    assert_int_equal(disclosure_status(false, 0, due_end, due_end - 1), DISCLOSURE_NOT_DUE);
    assert_int_equal(disclosure_status(false, 0, due_end, due_end), DISCLOSURE_MISSING);
    assert_string_equal(DISCLOSURE_STATUS_NAMES[DISCLOSURE_NOT_DUE], "not_due");
}

/* Thresholds and amounts travel as decimal strings (never floats). */
static void test_money_text(void **state)
{
    (void)state;
    static const char *const GOOD[] = {"0", "0.5", "5000000", "5000000.00", "12500000.5",
                                       "999999999999999.99"};
    static const char *const BAD[] = {"", ".5", "5.", "5.000", "-1", "+1", "05", "1e6", "1,000",
                                      " 1", "1 ", "1000000000000000", "NaN", "0x10"};
    for (size_t i = 0; i < sizeof GOOD / sizeof GOOD[0]; i++)
        assert_true(text_is_money(GOOD[i]));
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
        assert_false(text_is_money(BAD[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_format),
        cmocka_unit_test(test_period_days),
        cmocka_unit_test(test_due_days),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_money_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
