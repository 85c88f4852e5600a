/* Unit tests for domain/textcheck.c: the lexical checks every untrusted
 * string goes through (UUIDs, dates, timestamps, e-mail, codes, zones, UTF-8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/textcheck.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- UUID ---------------------------------------------------------------- */

static void test_uuid_valid(void **state)
{
    (void)state;
    assert_true(text_is_uuid("123e4567-e89b-12d3-a456-426614174000"));
    assert_true(text_is_uuid("00000000-0000-0000-0000-000000000000"));
    assert_true(text_is_uuid("ffffffff-ffff-ffff-ffff-ffffffffffff"));
    assert_true(text_is_uuid("123E4567-E89B-12D3-A456-426614174000"));
    assert_true(text_is_uuid("AbCdEf01-2345-6789-aBcD-eF0123456789"));
}

static void test_uuid_invalid(void **state)
{
    (void)state;
    static const char *const BAD[] = {
        "",
        "123e4567-e89b-12d3-a456-42661417400",    /* 35 chars */
        "123e4567-e89b-12d3-a456-4266141740000",  /* 37 chars */
        "123e4567-e89b-12d3-a456-426614174000\n", /* trailing newline */
        " 123e4567-e89b-12d3-a456-426614174000",  /* leading space */
        "123e4567e89b12d3a456426614174000",       /* no hyphens */
        "123e4567-e89b-12d3-a456_426614174000",   /* wrong separator */
        "123e456-7e89b-12d3-a456-426614174000",   /* hyphen misplaced */
        "123e4567-e89b-12d3-a456-42661417400g",   /* non-hex */
        "{123e4567-e89b-12d3-a456-426614174000}", /* braces */
        "123e4567-e89b-12d3-a456-4266141740\xc3\xa9",
        "------------------------------------",
        "123e4567",
    };
    for (size_t i = 0; i < COUNT(BAD); i++) {
        if (text_is_uuid(BAD[i]))
            fail_msg("accepted as UUID: \"%s\"", BAD[i]);
    }
}

static void test_uuid_short_buffer_not_overread(void **state)
{
    (void)state;
    /* An exact-size heap copy: ASan flags any read past the terminator. */
    const char *s = "123e4567-e89b";
    char *copy = malloc(strlen(s) + 1);
    assert_non_null(copy);
    memcpy(copy, s, strlen(s) + 1);
    assert_false(text_is_uuid(copy));
    free(copy);
}

static void test_uuid_normalize(void **state)
{
    (void)state;
    char out[37];
    assert_true(text_uuid_normalize("123E4567-E89B-12D3-A456-42661417400A", out));
    assert_string_equal(out, "123e4567-e89b-12d3-a456-42661417400a");
    assert_true(text_uuid_normalize("123e4567-e89b-12d3-a456-426614174000", out));
    assert_string_equal(out, "123e4567-e89b-12d3-a456-426614174000");
    assert_true(text_uuid_normalize("ABCDEFAB-CDEF-ABCD-EFAB-CDEFABCDEFAB", out));
    assert_string_equal(out, "abcdefab-cdef-abcd-efab-cdefabcdefab");
    assert_false(text_uuid_normalize("not-a-uuid", out));
    assert_false(text_uuid_normalize("123E4567-E89B-12D3-A456-42661417400G", out));
}

/* ---- Dates ---------------------------------------------------------------- */

static void test_date_valid(void **state)
{
    (void)state;
    int32_t d = 12345;
    assert_true(text_parse_date("1970-01-01", &d));
    assert_int_equal(d, 0);
    assert_true(text_parse_date("2026-01-01", &d));
    assert_int_equal(d, 20454);
    assert_true(text_parse_date("2000-03-01", &d));
    assert_int_equal(d, 11017);
    assert_true(text_parse_date("1969-12-31", &d));
    assert_int_equal(d, -1);
    assert_true(text_parse_date("0001-01-01", &d));
    assert_int_equal(d, -719162);
    assert_true(text_parse_date("9999-12-31", &d));
    assert_int_equal(d, 2932896);
    /* Leap years: divisible by 4, except centuries, except every 400 years. */
    assert_true(text_parse_date("2024-02-29", &d));
    assert_int_equal(d, date_from_ymd(2024, 3, 1) - 1);
    assert_true(text_parse_date("2000-02-29", &d));
    assert_true(text_parse_date("2026-12-31", &d));
    assert_true(text_parse_date("2026-04-30", &d));
}

static void test_date_invalid(void **state)
{
    (void)state;
    static const char *const BAD[] = {
        "2026-02-29",  /* 2026 is not a leap year */
        "1900-02-29",  /* century, not a leap year */
        "2026-13-01",  /* month 13 */
        "2026-00-10",  /* month 0 */
        "2026-01-00",  /* day 0 */
        "2026-01-32",  /* day 32 */
        "2026-04-31",  /* April has 30 days */
        "0000-01-01",  /* year 0 */
        "2026-01-01x", /* trailing character */
        "2026-01-01 ", /* trailing space */
        "2026-01-01T00:00:00Z",
        " 2026-01-01",
        "2026-1-01",
        "2026-01-1",
        "26-01-01",
        "2026/01/01",
        "2026-01-0a",
        "+026-01-01",
        "-026-01-01",
        "20260101",
        "",
        "yyyy-mm-dd",
    };
    for (size_t i = 0; i < COUNT(BAD); i++) {
        int32_t d = 777;
        if (text_parse_date(BAD[i], &d))
            fail_msg("accepted as date: \"%s\"", BAD[i]);
    }
}

static void test_date_format(void **state)
{
    (void)state;
    char out[11];
    text_format_date(0, out);
    assert_string_equal(out, "1970-01-01");
    text_format_date(20454, out);
    assert_string_equal(out, "2026-01-01");
    text_format_date(-719162, out);
    assert_string_equal(out, "0001-01-01");
    text_format_date(2932896, out);
    assert_string_equal(out, "9999-12-31");
    text_format_date(date_from_ymd(2024, 2, 29), out);
    assert_string_equal(out, "2024-02-29");
}

/* Every day of years 1..9999: ymd round-trips, consecutive days are
 * consecutive dates, the weekday advances by one, and the text form parses
 * back to the same day. */
static void test_date_round_trip_full_range(void **state)
{
    (void)state;
    const int32_t first = date_from_ymd(1, 1, 1), last = date_from_ymd(9999, 12, 31);
    assert_int_equal(first, -719162);
    assert_int_equal(last, 2932896);
    int py = 1;
    unsigned pm = 1, pd = 1, pw = date_iso_weekday(first);
    assert_int_equal(pw, 1); /* 0001-01-01 (proleptic Gregorian) was a Monday */
    for (int32_t day = first + 1; day <= last; day++) {
        int y;
        unsigned m, d;
        date_to_ymd(day, &y, &m, &d);
        if (date_from_ymd(y, m, d) != day)
            fail_msg("round trip failed at day %d", (int)day);
        bool next_day = y == py && m == pm && d == pd + 1;
        bool next_month = y == py && m == pm + 1 && d == 1 && pd >= 28;
        bool next_year = y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31;
        if (!next_day && !next_month && !next_year)
            fail_msg("%04d-%02u-%02u does not follow %04d-%02u-%02u", y, m, d, py, pm, pd);
        unsigned w = date_iso_weekday(day);
        if (w != pw % 7 + 1)
            fail_msg("weekday of day %d is %u after %u", (int)day, w, pw);
        if (day % 97 == 0) { /* the text path too, on a sample */
            char text[11];
            int32_t back;
            text_format_date(day, text);
            if (!text_parse_date(text, &back) || back != day)
                fail_msg("text round trip failed for %s", text);
        }
        py = y;
        pm = m;
        pd = d;
        pw = w;
    }
    assert_int_equal(py, 9999);
    assert_int_equal(pm, 12);
    assert_int_equal(pd, 31);
}

static void test_date_month_lengths(void **state)
{
    (void)state;
    /* days_in_month through the parser: the last valid day of each month. */
    static const struct {
        int y;
        unsigned m, last;
    } CASES[] = {{2026, 1, 31}, {2026, 2, 28}, {2024, 2, 29}, {2000, 2, 29}, {2100, 2, 28},
                 {2026, 3, 31}, {2026, 4, 30}, {2026, 5, 31}, {2026, 6, 30}, {2026, 7, 31},
                 {2026, 8, 31}, {2026, 9, 30}, {2026, 10, 31}, {2026, 11, 30}, {2026, 12, 31}};
    for (size_t i = 0; i < COUNT(CASES); i++) {
        char ok[16], bad[16];
        int32_t d;
        snprintf(ok, sizeof ok, "%04d-%02u-%02u", CASES[i].y, CASES[i].m, CASES[i].last);
        snprintf(bad, sizeof bad, "%04d-%02u-%02u", CASES[i].y, CASES[i].m, CASES[i].last + 1);
        if (!text_parse_date(ok, &d))
            fail_msg("rejected %s", ok);
        if (text_parse_date(bad, &d))
            fail_msg("accepted %s", bad);
        assert_int_equal(d, date_from_ymd(CASES[i].y, CASES[i].m, CASES[i].last));
    }
}

static void test_iso_weekday(void **state)
{
    (void)state;
    assert_int_equal(date_iso_weekday(date_from_ymd(2026, 1, 1)), 4);   /* Thursday */
    assert_int_equal(date_iso_weekday(date_from_ymd(2026, 11, 22)), 7); /* Sunday */
    assert_int_equal(date_iso_weekday(date_from_ymd(2026, 11, 23)), 1); /* Monday */
    assert_int_equal(date_iso_weekday(date_from_ymd(2026, 2, 28)), 6);  /* Saturday */
    assert_int_equal(date_iso_weekday(0), 4);                           /* 1970-01-01 Thu */
    assert_int_equal(date_iso_weekday(-1), 3);                          /* 1969-12-31 Wed */
    assert_int_equal(date_iso_weekday(-4), 7);                          /* 1969-12-28 Sun */
    assert_int_equal(date_iso_weekday(date_from_ymd(2000, 1, 1)), 6);   /* Saturday */
    assert_int_equal(date_iso_weekday(date_from_ymd(1, 1, 1)), 1);      /* Monday */
}

/* ---- Timestamps -------------------------------------------------------- */

static void test_timestamp_valid(void **state)
{
    (void)state;
    static const char *const GOOD[] = {
        "2026-03-25T10:15:30Z",
        "2026-03-25T10:15:30+05:00",
        "2026-03-25T10:15:30-03:30",
        "2026-03-25T10:15:30+00:00",
        "2026-03-25T10:15:30-00:00", /* RFC 3339 §4.3 unknown local offset */
        "2026-03-25T10:15:30+23:59",
        "2026-03-25T10:15:30.1Z",
        "2026-03-25T10:15:30.123Z",
        "2026-03-25T10:15:30.123456+08:00",
        "2026-03-25T10:15:30.123456789Z",
        "2026-03-25t10:15:30z", /* RFC 3339 §5.6: T and Z may be lower case */
        "2016-12-31T23:59:60Z", /* leap second, time-second = 00-60 */
        "2024-02-29T00:00:00Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999Z",
        "2026-03-25T00:00:00Z",
        "2026-03-25T23:59:59Z",
    };
    for (size_t i = 0; i < COUNT(GOOD); i++)
        if (!text_is_timestamp(GOOD[i]))
            fail_msg("rejected timestamp \"%s\"", GOOD[i]);
}

static void test_timestamp_invalid(void **state)
{
    (void)state;
    static const char *const BAD[] = {
        "",
        "2026-03-25",
        "2026-03-25T10:15:30",        /* no offset */
        "2026-03-25T10:15Z",          /* no seconds */
        "2026-03-25T10:15:30ZZ",
        "2026-03-25T10:15:30Z ",
        " 2026-03-25T10:15:30Z",
        "2026-03-25T10:15:30Z\n",
        "2026-03-25X10:15:30Z",
        "2026-03-25T24:00:00Z",       /* hour 24 */
        "2026-03-25T10:60:00Z",       /* minute 60 */
        "2026-03-25T10:15:61Z",       /* second 61 */
        "2026-02-29T10:15:30Z",       /* no such date */
        "2026-13-01T10:15:30Z",
        "0000-01-01T00:00:00Z",
        "2026-03-25T10:15:30.Z",      /* empty fraction */
        "2026-03-25T10:15:30,5Z",     /* comma fraction */
        "2026-03-25T10:15:30+0500",   /* offset without colon */
        "2026-03-25T10:15:30+05",     /* offset without minutes */
        "2026-03-25T10:15:30+5:00",
        "2026-03-25T10:15:30+24:00",  /* offset hour 24 */
        "2026-03-25T10:15:30+05:60",  /* offset minute 60 */
        "2026-03-25T10:15:30+05:00Z",
        "2026-03-25T10:15:30+05:00:00",
        "2026-03-25T1:15:30Z",
        "2026-03-25T10:1:30Z",
        "2026-03-25T10:15:3Z",
        "2026-03-25T10-15-30Z",
        "2026-03-25T10:15:30 UTC",
        "2026-03-25T10:15:30+",
        "2026-03-25T10:15:30.",
        "2026-03-25T10:15:30.123",
        "now",
    };
    for (size_t i = 0; i < COUNT(BAD); i++)
        if (text_is_timestamp(BAD[i]))
            fail_msg("accepted timestamp \"%s\"", BAD[i]);
}

static void test_timestamp_truncated_not_overread(void **state)
{
    (void)state;
    /* Every prefix of a valid timestamp, each in an exact-size heap block. */
    const char *full = "2026-03-25T10:15:30.123456+05:00";
    size_t n = strlen(full);
    for (size_t k = 0; k < n; k++) {
        char *p = malloc(k + 1);
        assert_non_null(p);
        memcpy(p, full, k);
        p[k] = '\0';
        bool ok = text_is_timestamp(p);
        free(p);
        if (ok)
            fail_msg("accepted the %zu-byte prefix of %s", k, full);
    }
    assert_true(text_is_timestamp(full));
}

/* ---- E-mail, code, upper ------------------------------------------------ */

static void test_email(void **state)
{
    (void)state;
    static const char *const GOOD[] = {
        "a@b.mn",
        "first.last+tag@sub.example.kz",
        "o'brien@example.ru",
        "user_1@mail-server.example.com",
        "x@xn--80ak6aa92e.com",
        "1@2.io",
    };
    static const char *const BAD[] = {
        "",
        "plain",
        "@example.com",
        "a@",
        "a@b",            /* domain without a dot */
        "a@@b.com",
        "a@b@c.com",
        "a b@c.com",      /* space in local part */
        "a\t@c.com",
        "\"a\"@c.com",
        "a,b@c.com",
        "a<b@c.com",
        "a:b@c.com",
        "a\\b@c.com",
        "\xc3\xa4@c.com", /* non-ASCII local part */
        "a@b..com",
        "a@.b.com",
        "a@b.com.",
        "a@-b.com",
        "a@b-.com",
        "a@b.-com",
        "a@b_c.com",
        "a@b c.com",
        "a@b.c\xc3\xb6m",
        "a@[127.0.0.1]",
        "a@b.",
    };
    for (size_t i = 0; i < COUNT(GOOD); i++)
        if (!text_is_email(GOOD[i]))
            fail_msg("rejected e-mail \"%s\"", GOOD[i]);
    for (size_t i = 0; i < COUNT(BAD); i++)
        if (text_is_email(BAD[i]))
            fail_msg("accepted e-mail \"%s\"", BAD[i]);
}

static void test_email_domain_length(void **state)
{
    (void)state;
    /* The domain may be at most 253 characters (RFC 1035 presentation form). */
    char buf[300];
    strcpy(buf, "a@");
    size_t o = 2;
    while (o + 2 < 2 + 253) { /* labels "b." */
        buf[o++] = 'b';
        buf[o++] = '.';
    }
    buf[o++] = 'c';
    buf[o] = '\0';
    assert_int_equal(strlen(buf + 2), 253);
    assert_true(text_is_email(buf));
    buf[o++] = 'c';
    buf[o] = '\0';
    assert_int_equal(strlen(buf + 2), 254);
    assert_false(text_is_email(buf));
}

static void test_code(void **state)
{
    (void)state;
    assert_true(text_is_code("ABC-12_3.x"));
    assert_true(text_is_code("7"));
    assert_true(text_is_code("UB.SKH-01"));
    assert_false(text_is_code(""));
    assert_false(text_is_code("a b"));
    assert_false(text_is_code("a/b"));
    assert_false(text_is_code("a:b"));
    assert_false(text_is_code("a\tb"));
    assert_false(text_is_code("код"));
    assert_false(text_is_code("a\n"));
    assert_false(text_is_code("a+b"));
}

static void test_upper(void **state)
{
    (void)state;
    assert_true(text_is_upper("MN"));
    assert_true(text_is_upper("KZT"));
    assert_false(text_is_upper(""));
    assert_false(text_is_upper("mn"));
    assert_false(text_is_upper("Mn"));
    assert_false(text_is_upper("M1"));
    assert_false(text_is_upper("M N"));
    assert_false(text_is_upper("\xc3\x89"));  /* É */
    assert_false(text_is_upper("\xd0\x9c")); /* Cyrillic М */
}

/* ---- Time zones ----------------------------------------------------------- */

static void test_timezone_valid(void **state)
{
    (void)state;
    assert_true(text_is_timezone("Asia/Ulaanbaatar"));
    assert_true(text_is_timezone("Asia/Almaty"));
    assert_true(text_is_timezone("Europe/Samara"));
    assert_true(text_is_timezone("Europe/Moscow"));
    assert_true(text_is_timezone("UTC"));
    assert_true(text_is_timezone("Etc/GMT+5"));
}

static void test_timezone_invalid(void **state)
{
    (void)state;
    static const char *const BAD[] = {
        "",
        "Mars/Olympus",
        "../etc/passwd",
        "/etc/passwd",
        "posix/Europe/Moscow",
        "right/Europe/Moscow",
        "Europe/../Europe/Moscow",
        "./Europe/Moscow",
        "Europe//Moscow",
        "Europe/Moscow/",
        "Europe",          /* a directory, not a zone file */
        "Europe/Moscow\n",
        "Europe/Moscow ",
        "europe/moscow",
        "Europe\\Moscow",
        "zone.tab",        /* a file in the directory, but not a zone */
        "leapseconds",     /* exists, not TZif */
        "Asia/Ulaanbaatar\xc3\xa9",
    };
    for (size_t i = 0; i < COUNT(BAD); i++)
        if (text_is_timezone(BAD[i]))
            fail_msg("accepted time zone \"%s\"", BAD[i]);
}

static void test_timezone_long_name(void **state)
{
    (void)state;
    /* Longer than any zone name and than the registry's 64: refused without a
     * path buffer overflow. */
    char name[200];
    memset(name, 'A', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    assert_false(text_is_timezone(name));
    memcpy(name, "Europe/", 7);
    name[65] = '\0';
    assert_false(text_is_timezone(name));
}

/* ---- UTF-8 ------------------------------------------------------------- */

/* Calls text_utf8_seq on an exact-size heap copy so ASan sees over-reads. */
static size_t seq_of(const char *bytes, size_t n)
{
    unsigned char *p = malloc(n);
    assert_non_null(p);
    memcpy(p, bytes, n);
    size_t r = text_utf8_seq(p, n);
    free(p);
    return r;
}

static void test_utf8_seq_valid(void **state)
{
    (void)state;
    assert_int_equal(seq_of("A", 1), 1);
    assert_int_equal(seq_of("\x7f", 1), 1);
    assert_int_equal(seq_of("\xc2\x80", 2), 2);         /* U+0080, smallest 2-byte */
    assert_int_equal(seq_of("\xc3\xa9", 2), 2);         /* é */
    assert_int_equal(seq_of("\xd3\xa9", 2), 2);         /* Mongolian Cyrillic ө */
    assert_int_equal(seq_of("\xdf\xbf", 2), 2);         /* U+07FF */
    assert_int_equal(seq_of("\xe0\xa0\x80", 3), 3);     /* U+0800, smallest 3-byte */
    assert_int_equal(seq_of("\xe2\x82\xac", 3), 3);     /* € */
    assert_int_equal(seq_of("\xed\x9f\xbf", 3), 3);     /* U+D7FF, just below surrogates */
    assert_int_equal(seq_of("\xee\x80\x80", 3), 3);     /* U+E000, just above */
    assert_int_equal(seq_of("\xef\xbf\xbf", 3), 3);     /* U+FFFF is valid UTF-8 */
    assert_int_equal(seq_of("\xf0\x90\x80\x80", 4), 4); /* U+10000 */
    assert_int_equal(seq_of("\xf0\x9f\x98\x80", 4), 4); /* emoji */
    assert_int_equal(seq_of("\xf4\x8f\xbf\xbf", 4), 4); /* U+10FFFF, the last */
    /* Only the first sequence counts. */
    assert_int_equal(seq_of("\xc3\xa9xyz", 5), 2);
}

static void test_utf8_seq_invalid(void **state)
{
    (void)state;
    static const struct {
        const char *b;
        size_t n;
        const char *why;
    } BAD[] = {
        {"\x80", 1, "lone continuation byte"},
        {"\xbf", 1, "lone continuation byte"},
        {"\xc0\x80", 2, "overlong NUL"},
        {"\xc1\xbf", 2, "overlong U+007F"},
        {"\xe0\x80\x80", 3, "overlong 3-byte NUL"},
        {"\xe0\x9f\xbf", 3, "overlong U+07FF"},
        {"\xf0\x80\x80\x80", 4, "overlong 4-byte NUL"},
        {"\xf0\x8f\xbf\xbf", 4, "overlong U+FFFF"},
        {"\xed\xa0\x80", 3, "surrogate U+D800"},
        {"\xed\xbf\xbf", 3, "surrogate U+DFFF"},
        {"\xed\xb0\x80", 3, "surrogate U+DC00"},
        {"\xf4\x90\x80\x80", 4, "U+110000"},
        {"\xf5\x80\x80\x80", 4, "lead F5"},
        {"\xf7\xbf\xbf\xbf", 4, "lead F7 (U+1FFFFF)"},
        {"\xf8\x88\x80\x80\x80", 5, "5-byte form"},
        {"\xfc\x84\x80\x80\x80\x80", 6, "6-byte form"},
        {"\xfe", 1, "FE"},
        {"\xff", 1, "FF"},
        {"\xc3", 1, "truncated 2-byte"},
        {"\xe2\x82", 2, "truncated 3-byte"},
        {"\xe2", 1, "truncated 3-byte"},
        {"\xf0\x9f\x98", 3, "truncated 4-byte"},
        {"\xc3\x28", 2, "bad continuation"},
        {"\xe2\x28\xa1", 3, "bad continuation"},
        {"\xe2\x82\x28", 3, "bad continuation"},
        {"\xf0\x9f\x28\x80", 4, "bad continuation"},
        {"\xc3\xc3", 2, "lead where continuation expected"},
    };
    for (size_t i = 0; i < COUNT(BAD); i++) {
        size_t r = seq_of(BAD[i].b, BAD[i].n);
        if (r != 0)
            fail_msg("case %zu (%s): got %zu, want 0", i, BAD[i].why, r);
    }
}

static void test_utf8_seq_respects_n(void **state)
{
    (void)state;
    /* A valid sequence cut short by n is invalid even when the bytes follow. */
    const unsigned char euro[] = {0xe2, 0x82, 0xac};
    assert_int_equal(text_utf8_seq(euro, 3), 3);
    assert_int_equal(text_utf8_seq(euro, 2), 0);
    assert_int_equal(text_utf8_seq(euro, 1), 0);
}

static void test_utf8_len(void **state)
{
    (void)state;
    const char *yellow = "\xd0\x96\xd1\x91\xd0\xbb\xd1\x82\xd1\x8b\xd0\xb9"; /* Жёлтый */
    assert_int_equal(text_utf8_len(yellow, strlen(yellow)), 6);
    const char *mn = "\xd0\x9c\xd0\xbe\xd0\xbd\xd0\xb3\xd0\xbe\xd0\xbb \xd3\xa9\xd2\xaf"; /* Монгол өү */
    assert_int_equal(text_utf8_len(mn, strlen(mn)), 9);
    assert_int_equal(text_utf8_len("abc", 3), 3);
    assert_int_equal(text_utf8_len("abc", 2), 2);
    assert_int_equal(text_utf8_len("", 0), 0);
    assert_int_equal(text_utf8_len("a\xe2\x82\xac\xf0\x9f\x98\x80z", 9), 4);
    /* Embedded NUL is a code point of its own. */
    assert_int_equal(text_utf8_len("a\0b", 3), 3);
}

static void test_copy_cuts_to_fit(void **state)
{
    (void)state;
    char out[6];
    memset(out, 'z', sizeof out);
    text_copy(out, sizeof out, "abc");
    assert_string_equal(out, "abc");
    text_copy(out, sizeof out, "abcdef");
    assert_string_equal(out, "abcde");
    text_copy(out, sizeof out, "abcde");
    assert_string_equal(out, "abcde");
    text_copy(out, sizeof out, NULL);
    assert_string_equal(out, "");
    text_copy(out, 1, "abc");
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uuid_valid),
        cmocka_unit_test(test_uuid_invalid),
        cmocka_unit_test(test_uuid_short_buffer_not_overread),
        cmocka_unit_test(test_uuid_normalize),
        cmocka_unit_test(test_date_valid),
        cmocka_unit_test(test_date_invalid),
        cmocka_unit_test(test_date_format),
        cmocka_unit_test(test_date_round_trip_full_range),
        cmocka_unit_test(test_date_month_lengths),
        cmocka_unit_test(test_iso_weekday),
        cmocka_unit_test(test_timestamp_valid),
        cmocka_unit_test(test_timestamp_invalid),
        cmocka_unit_test(test_timestamp_truncated_not_overread),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_email_domain_length),
        cmocka_unit_test(test_code),
        cmocka_unit_test(test_upper),
        cmocka_unit_test(test_timezone_valid),
        cmocka_unit_test(test_timezone_invalid),
        cmocka_unit_test(test_timezone_long_name),
        cmocka_unit_test(test_utf8_seq_valid),
        cmocka_unit_test(test_utf8_seq_invalid),
        cmocka_unit_test(test_utf8_seq_respects_n),
        cmocka_unit_test(test_utf8_len),
        cmocka_unit_test(test_copy_cuts_to_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
