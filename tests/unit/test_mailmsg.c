/* Unit tests for jobs/mailmsg.c: the messages of the mail outbox. Includes the
 * .c to reach the boundary choice; decodes what it builds with a small RFC 2047
 * and base64 decoder of its own, so the tests do not trust the encoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four it needs */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/mailmsg.c"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char SUBJECT_MN[] = "Шилэн дансны мэдээлэл: 2026 оны 10 сар";
static const char SUBJECT_KK[] = "Ашық бюджет: 2026 жылғы қазан айының есебі — еске салу";
static const char SUBJECT_RU[] = "Напоминание: опубликуйте отчёты за октябрь 2026 года до 15-го";

static mail_t test_mail(void)
{
    return (mail_t){
        .from = "Probity <noreply@probity.example>",
        .to = "finance@khan-uul.example.mn",
        .subject = SUBJECT_MN,
        .text = "Сайн байна уу?\r\n.\r\nБаяртай.\r\n",
        .html = "<p>Сайн байна уу?</p>\r\n",
        .message_id = "3f1c9a2e-0b7d-4c55-9e0a-1d2b3c4d5e6f@probity.example",
        .date_unix = 1790000000, /* Mon, 21 Sep 2026 14:13:20 UTC */
    };
}

static char *test_build(const mail_t *m)
{
    char why[256] = "";
    char *msg = mailmsg_build(m, why, sizeof why);
    if (!msg)
        fail_msg("refused: %s", why);
    return msg;
}

/* ---- A decoder of our own ------------------------------------------------ */

static int test_b64_value(char c)
{
    const char *p = strchr(B64, c);
    return c && p ? (int)(p - B64) : -1;
}

/* Decodes base64, skipping CRLF; fails the test on anything else. */
static char *test_b64_decode(const char *s, size_t n, size_t *outlen)
{
    char *out = malloc(n / 4 * 3 + 4);
    assert_non_null(out);
    size_t o = 0, quad = 0;
    uint32_t v = 0;
    int pad = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' || s[i] == '\n')
            continue;
        int d = s[i] == '=' ? 0 : test_b64_value(s[i]);
        if (d < 0)
            fail_msg("not base64: 0x%02x", (unsigned char)s[i]);
        pad += s[i] == '=';
        v = v << 6 | (uint32_t)d;
        if (++quad == 4) {
            out[o++] = (char)(v >> 16);
            out[o++] = (char)(v >> 8);
            out[o++] = (char)v;
            quad = 0;
            v = 0;
        }
    }
    assert_int_equal(quad, 0);
    o -= (size_t)pad;
    out[o] = '\0';
    *outlen = o;
    return out;
}

/* The raw value of a header field, folding included (malloc'd). */
static char *test_header_raw(const char *msg, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = msg; p && *p && !(p[0] == '\r' && p[1] == '\n');) {
        const char *end = strstr(p, "\r\n");
        while (end && (end[2] == ' ' || end[2] == '\t'))
            end = strstr(end + 2, "\r\n");
        assert_non_null(end);
        if (strncmp(p, name, nl) == 0 && p[nl] == ':')
            return strndup(p + nl + 1, (size_t)(end - p - nl - 1));
        p = end + 2;
    }
    return NULL;
}

/* Undoes folding: removes each CRLF that precedes whitespace. */
static char *test_unfold(const char *raw)
{
    char *out = strdup(raw);
    size_t o = 0;
    for (size_t i = 0; raw[i]; i++) {
        if (raw[i] == '\r' && raw[i + 1] == '\n' && (raw[i + 2] == ' ' || raw[i + 2] == '\t')) {
            i++;
            continue;
        }
        out[o++] = raw[i];
    }
    out[o] = '\0';
    return out;
}

/* Decodes an unfolded unstructured value: encoded-words (whitespace between
 * two of them dropped, RFC 2047 §6.2) or plain text. Every word must be at
 * most 75 chars and hold whole UTF-8 characters. */
static char *test_rfc2047_decode(const char *value)
{
    strbuf_t out = {0};
    strbuf_printf(&out, "%s", "");
    const char *p = value[0] == ' ' ? value + 1 : value;
    bool prev_word = false;
    while (*p) {
        size_t ws = strspn(p, " ");
        const char *tok = p + ws;
        size_t tl = strcspn(tok, " ");
        bool word = tl >= EW_OVERHEAD && strncmp(tok, EW_PREFIX, 10) == 0 &&
                    strncmp(tok + tl - 2, "?=", 2) == 0;
        if (!(word && prev_word))
            strbuf_printf(&out, "%.*s", (int)ws, p);
        if (word) {
            assert_in_range(tl, EW_OVERHEAD + 4, 75);
            size_t n;
            char *dec = test_b64_decode(tok + 10, tl - EW_OVERHEAD, &n);
            assert_true(mailmsg_utf8_ok(dec, n)); /* split on a character boundary */
            strbuf_printf(&out, "%s", dec);
            free(dec);
        } else {
            strbuf_printf(&out, "%.*s", (int)tl, tok);
        }
        prev_word = word;
        p = tok + tl;
    }
    return out.s;
}

static char *test_subject_of(const char *msg)
{
    char *raw = test_header_raw(msg, "Subject");
    assert_non_null(raw);
    char *unfolded = test_unfold(raw);
    char *dec = test_rfc2047_decode(unfolded);
    free(raw);
    free(unfolded);
    return dec;
}

/* CRLF only, every line within 998; header lines within 76 (RFC 2047). */
static void test_check_lines(const char *msg)
{
    const char *body = strstr(msg, "\r\n\r\n");
    assert_non_null(body);
    size_t col = 0;
    for (const char *p = msg; *p; p++) {
        if (*p == '\n')
            fail_msg("bare LF at offset %zu", (size_t)(p - msg));
        if (*p == '\r') {
            if (p[1] != '\n')
                fail_msg("bare CR at offset %zu", (size_t)(p - msg));
            assert_true(col <= (p < body ? HDR_LINE_MAX : 998));
            col = 0;
            p++;
            continue;
        }
        col++;
    }
    assert_int_equal(col, 0); /* ends in CRLF */
}

/* ---- Subjects ------------------------------------------------------------ */

static void test_ascii_subject_left_as_is(void **state)
{
    (void)state;
    mail_t m = test_mail();
    m.subject = "Monthly compliance report 2026-10";
    char *msg = test_build(&m);
    assert_non_null(strstr(msg, "\r\nSubject: Monthly compliance report 2026-10\r\n"));
    test_check_lines(msg);
    free(msg);
}

static void test_long_ascii_subject_folds_at_spaces(void **state)
{
    (void)state;
    const char *s = "Reminder: the approved budget, the budget execution, the spending "
                    "decisions and the purchases above the threshold are due on 15 November";
    mail_t m = test_mail();
    m.subject = s;
    char *msg = test_build(&m);
    char *raw = test_header_raw(msg, "Subject");
    assert_non_null(strstr(raw, "\r\n "));
    assert_null(strstr(raw, "=?"));
    char *dec = test_subject_of(msg);
    assert_string_equal(dec, s);
    test_check_lines(msg);
    free(dec);
    free(raw);
    free(msg);
}

static void test_utf8_subjects_round_trip(void **state)
{
    (void)state;
    static const char *const SUBJECTS[] = {
        SUBJECT_MN,
        SUBJECT_KK,
        SUBJECT_RU,
        "Шилэн данс — Ашық бюджет — Открытый бюджет — Glass Account: 2026 оны 10 сар, "
        "2026 жылғы қазан, октябрь 2026, October 2026 — сануулга / еске салу / напоминание",
        "Отчёт 😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀", /* 4-byte characters */
        "averyveryveryveryveryveryveryveryveryveryveryveryveryverylongasciiword-without-spaces",
        "looks like =?UTF-8?B?Zm9v?= but is not", /* must not decode to "foo" */
        "two  spaces",
        "a trailing space ",
        " a leading space",
        "é",
    };
    for (size_t i = 0; i < COUNT(SUBJECTS); i++) {
        mail_t m = test_mail();
        m.subject = SUBJECTS[i];
        char *msg = test_build(&m);
        char *raw = test_header_raw(msg, "Subject");
        assert_non_null(strstr(raw, "=?UTF-8?B?"));
        char *dec = test_subject_of(msg);
        if (strcmp(dec, SUBJECTS[i]) != 0)
            fail_msg("subject %zu decodes to \"%s\"", i, dec);
        test_check_lines(msg);
        free(dec);
        free(raw);
        free(msg);
    }
}

static void test_long_subject_is_several_folded_words(void **state)
{
    (void)state;
    char long_subject[2048] = "";
    for (int i = 0; i < 12; i++)
        strcat(long_subject, SUBJECT_MN);
    mail_t m = test_mail();
    m.subject = long_subject;
    char *msg = test_build(&m);
    char *raw = test_header_raw(msg, "Subject");
    size_t lines = 1, words = 0;
    for (const char *p = raw; (p = strstr(p, "\r\n ")); p += 3)
        lines++;
    for (const char *p = raw; (p = strstr(p, "=?UTF-8?B?")); p += 10)
        words++;
    assert_true(lines > 10);
    assert_int_equal(lines, words); /* one encoded-word per line */
    char *dec = test_subject_of(msg);
    assert_string_equal(dec, long_subject);
    test_check_lines(msg);
    free(dec);
    free(raw);
    free(msg);
}

static void test_empty_subject(void **state)
{
    (void)state;
    mail_t m = test_mail();
    m.subject = "";
    char *msg = test_build(&m);
    assert_non_null(strstr(msg, "\r\nSubject:\r\n"));
    free(msg);
}

/* ---- Mailboxes ----------------------------------------------------------- */

static void test_display_names(void **state)
{
    (void)state;
    /* A name that is not all atoms ('.', ',', '"') is no valid bare phrase:
     * it must go encoded rather than quoted. */
    static const struct {
        const char *from, *name, *addr;
        bool encoded;
    } CASES[] = {
        {"Probity <noreply@probity.example>", "Probity", "noreply@probity.example", false},
        {"Шилэн данс <noreply@probity.example>", "Шилэн данс", "noreply@probity.example", true},
        {"\"Probity Ltd.\" <noreply@probity.example>", "Probity Ltd.", "noreply@probity.example",
         true},
        {"Probity, \"Glass\" <a@b.example>", "Probity, \"Glass\"", "a@b.example", true},
        {"<noreply@probity.example>", "", "noreply@probity.example", false},
        {"noreply@probity.example", "", "noreply@probity.example", false},
    };
    for (size_t i = 0; i < COUNT(CASES); i++) {
        mail_t m = test_mail();
        m.from = CASES[i].from;
        char *msg = test_build(&m);
        char *raw = test_header_raw(msg, "From");
        char *unfolded = test_unfold(raw);
        assert_int_equal(strstr(raw, "=?UTF-8?B?") != NULL, CASES[i].encoded);
        char *lt = strrchr(unfolded, '<');
        if (CASES[i].name[0]) {
            assert_non_null(lt);
            *lt = '\0';
            char *tail = lt + 1;
            tail[strlen(tail) - 1] = '\0';
            assert_string_equal(tail, CASES[i].addr);
            size_t n = strlen(unfolded);
            assert_int_equal(unfolded[n - 1], ' ');
            unfolded[n - 1] = '\0';
            char *name = test_rfc2047_decode(unfolded);
            assert_string_equal(name, CASES[i].name);
            free(name);
        } else {
            assert_null(lt);
            assert_string_equal(unfolded + 1, CASES[i].addr);
        }
        test_check_lines(msg);
        free(unfolded);
        free(raw);
        free(msg);
    }
}

/* ---- Refusals ------------------------------------------------------------ */

static void test_assert_refused(const mail_t *m, const char *reason)
{
    char why[256] = "";
    char *msg = mailmsg_build(m, why, sizeof why);
    if (msg)
        fail_msg("accepted, expected \"%s\"", reason);
    if (!strstr(why, reason))
        fail_msg("why = \"%s\", expected \"%s\"", why, reason);
}

static void test_header_injection_refused(void **state)
{
    (void)state;
    static const char *const EVIL[] = {"x\r\nBcc: victim@example.com", "x\nBcc: v@e.com", "x\r",
                                       "\nx"};
    for (size_t i = 0; i < COUNT(EVIL); i++) {
        char buf[128];
        mail_t m = test_mail();
        m.subject = EVIL[i];
        test_assert_refused(&m, "CR/LF in subject (header injection)");
        m = test_mail();
        snprintf(buf, sizeof buf, "Probity%s <a@b.example>", EVIL[i]);
        m.from = buf;
        test_assert_refused(&m, "CR/LF in from (header injection)");
        m = test_mail();
        snprintf(buf, sizeof buf, "a@b.example%s", EVIL[i]);
        m.to = buf;
        test_assert_refused(&m, "CR/LF in to (header injection)");
        m = test_mail();
        snprintf(buf, sizeof buf, "id@probity.example%s", EVIL[i]);
        m.message_id = buf;
        test_assert_refused(&m, "CR/LF in message_id (header injection)");
    }
    mail_t m = test_mail();
    m.subject = "tab\there";
    test_assert_refused(&m, "control character in subject");
}

static void test_invalid_utf8_refused(void **state)
{
    (void)state;
    static const char *const BAD[] = {
        "\xc0\xaf",            /* overlong "/" */
        "\xed\xa0\x80",        /* surrogate */
        "\xe2\x82",            /* truncated */
        "\xff",                /* never valid */
        "ok \xf4\x90\x80\x80", /* above U+10FFFF */
        "\x80 lone continuation",
    };
    for (size_t i = 0; i < COUNT(BAD); i++) {
        char from[64];
        mail_t m = test_mail();
        m.subject = BAD[i];
        test_assert_refused(&m, "invalid UTF-8 in subject");
        m = test_mail();
        m.text = BAD[i];
        test_assert_refused(&m, "invalid UTF-8 in text");
        m = test_mail();
        m.html = BAD[i];
        test_assert_refused(&m, "invalid UTF-8 in html");
        m = test_mail();
        snprintf(from, sizeof from, "%s <a@b.example>", BAD[i]);
        m.from = from;
        test_assert_refused(&m, "invalid UTF-8 in from");
    }
}

static void test_bad_addresses_ids_and_missing_fields(void **state)
{
    (void)state;
    static const char *const BAD_ADDR[] = {
        "",
        "noat",
        "a@",
        "@b.example",
        "a b@c.example",
        "a@b@c.example",
        "ä@b.example",
        "Name <>",
        "Name <a@b.example",
        "a@[127.0.0.1]",
        "\"q\"@b.example",
    };
    for (size_t i = 0; i < COUNT(BAD_ADDR); i++) {
        mail_t m = test_mail();
        m.to = BAD_ADDR[i];
        test_assert_refused(&m, "to is not a plain ASCII local@domain address");
    }
    static const char *const BAD_ID[] = {"<x@y.example>", "x y@z.example", "no-at", "ид@x.mn", ""};
    for (size_t i = 0; i < COUNT(BAD_ID); i++) {
        mail_t m = test_mail();
        m.message_id = BAD_ID[i];
        test_assert_refused(&m, "message_id is not");
    }
    mail_t m = test_mail();
    m.text = NULL;
    test_assert_refused(&m, "text is missing");
    m = test_mail();
    m.subject = NULL;
    test_assert_refused(&m, "subject is missing");
    m = test_mail();
    m.date_unix = -1;
    test_assert_refused(&m, "date out of range");
    /* A refusal without room for the reason still refuses. */
    m = test_mail();
    m.subject = "a\nb";
    assert_null(mailmsg_build(&m, NULL, 0));
}

/* ---- Structure and bodies ------------------------------------------------ */

/* Splits a multipart/alternative message into its parts; checks the framing. */
static size_t test_split_parts(const char *msg, char *parts[], size_t max)
{
    char *ct = test_header_raw(msg, "Content-Type");
    assert_non_null(ct);
    const char *b = strstr(ct, "boundary=\"");
    assert_non_null(b);
    b += 10;
    char delim[128];
    snprintf(delim, sizeof delim, "\r\n--%.*s", (int)strcspn(b, "\""), b);
    free(ct);
    const char *body = strstr(msg, "\r\n\r\n") + 2; /* the CRLF the first delimiter claims */
    assert_memory_equal(body, delim, strlen(delim));
    size_t n = 0;
    for (const char *p = body;;) {
        p += strlen(delim);
        if (strcmp(p, "--\r\n") == 0)
            break;
        assert_memory_equal(p, "\r\n", 2);
        p += 2;
        const char *next = strstr(p, delim);
        assert_non_null(next);
        assert_true(n < max);
        parts[n++] = strndup(p, (size_t)(next - p));
        p = next;
    }
    return n;
}

/* The part's Content-Type and its decoded body. */
static char *test_part_body(const char *part, const char *type)
{
    char *ct = test_header_raw(part, "Content-Type");
    char *cte = test_header_raw(part, "Content-Transfer-Encoding");
    char expect[64];
    snprintf(expect, sizeof expect, " %s; charset=UTF-8", type);
    assert_string_equal(ct, expect);
    assert_string_equal(cte, " base64");
    free(ct);
    free(cte);
    const char *b64 = strstr(part, "\r\n\r\n") + 4;
    for (const char *l = b64; *l;) {
        size_t len = strcspn(l, "\r");
        assert_true(len <= 76);
        l += len;
        l += *l ? 2 : 0;
    }
    size_t n;
    return test_b64_decode(b64, strlen(b64), &n);
}

static void test_multipart_structure_and_bodies(void **state)
{
    (void)state;
    mail_t m = test_mail();
    char *msg = test_build(&m);
    test_check_lines(msg);
    char *parts[4];
    assert_int_equal(test_split_parts(msg, parts, COUNT(parts)), 2);
    char *text = test_part_body(parts[0], "text/plain");
    char *html = test_part_body(parts[1], "text/html");
    assert_string_equal(text, m.text);
    assert_string_equal(html, m.html);
    free(text);
    free(html);
    free(parts[0]);
    free(parts[1]);
    free(msg);
}

static void test_bodies_canonical_and_decoded(void **state)
{
    (void)state;
    char long_line[6000];
    memset(long_line, 'x', sizeof long_line - 1);
    long_line[sizeof long_line - 1] = '\0';
    static const struct {
        const char *in, *canonical;
    } CASES[] = {
        {"a\nb\n", "a\r\nb\r\n"},
        {"a\r\nb", "a\r\nb"},
        {"lone\rcr", "lone\r\ncr"},
        {".\n.\r\n..", ".\r\n.\r\n.."},
        {"\n\n", "\r\n\r\n"},
        {"", ""},
        {"Сайн байна уу? Сәлеметсіз бе? Здравствуйте!",
         "Сайн байна уу? Сәлеметсіз бе? Здравствуйте!"},
    };
    for (size_t i = 0; i <= COUNT(CASES); i++) {
        const char *in = i < COUNT(CASES) ? CASES[i].in : long_line;
        const char *want = i < COUNT(CASES) ? CASES[i].canonical : long_line;
        mail_t m = test_mail();
        m.text = in;
        m.html = in;
        char *msg = test_build(&m);
        test_check_lines(msg);
        char *parts[4];
        assert_int_equal(test_split_parts(msg, parts, COUNT(parts)), 2);
        char *text = test_part_body(parts[0], "text/plain");
        char *html = test_part_body(parts[1], "text/html");
        assert_string_equal(text, want);
        assert_string_equal(html, want);
        free(text);
        free(html);
        free(parts[0]);
        free(parts[1]);
        free(msg);
    }
}

static void test_text_only_message(void **state)
{
    (void)state;
    mail_t m = test_mail();
    m.html = NULL;
    char *msg = test_build(&m);
    test_check_lines(msg);
    assert_null(strstr(msg, "multipart"));
    char *body = test_part_body(msg, "text/plain");
    assert_string_equal(body, m.text);
    free(body);
    free(msg);
}

static void test_date_id_and_mime_headers(void **state)
{
    (void)state;
    static const struct {
        long long t;
        const char *date;
    } CASES[] = {
        {0, "Thu, 01 Jan 1970 00:00:00 +0000"},
        {1790000000, "Mon, 21 Sep 2026 14:13:20 +0000"},
        {1792022399, "Wed, 14 Oct 2026 23:59:59 +0000"},
        {253402300799LL, "Fri, 31 Dec 9999 23:59:59 +0000"},
    };
    for (size_t i = 0; i < COUNT(CASES); i++) {
        mail_t m = test_mail();
        m.date_unix = CASES[i].t;
        char *msg = test_build(&m);
        char *date = test_header_raw(msg, "Date");
        assert_string_equal(date + 1, CASES[i].date);
        free(date);
        free(msg);
    }
    mail_t m = test_mail();
    m.date_unix = 253402300800LL;
    test_assert_refused(&m, "date out of range");
    m = test_mail();
    char *msg = test_build(&m);
    assert_non_null(strstr(msg, "\r\nMessage-ID: <3f1c9a2e-0b7d-4c55-9e0a-1d2b3c4d5e6f@probity."
                                "example>\r\nMIME-Version: 1.0\r\n"));
    assert_non_null(strstr(msg, "\r\nTo: finance@khan-uul.example.mn\r\n"));
    assert_non_null(strstr(msg, "\r\nFrom: Probity <noreply@probity.example>\r\n"));
    free(msg);
}

static void test_deterministic(void **state)
{
    (void)state;
    mail_t m = test_mail();
    char *a = test_build(&m);
    char *b = test_build(&m);
    assert_string_equal(a, b);
    m.message_id = "other@probity.example";
    char *c = test_build(&m);
    char *ca = test_header_raw(a, "Content-Type"), *cc = test_header_raw(c, "Content-Type");
    assert_string_not_equal(ca, cc); /* the boundary follows the Message-ID */
    free(ca);
    free(cc);
    free(a);
    free(b);
    free(c);
}

/* Base64 never holds "_", so the check can only be shown by feeding parts
 * that do contain the first candidate. */
static void test_boundary_avoids_the_parts(void **state)
{
    (void)state;
    char first[48], again[48];
    const char *none[] = {"", ""};
    mailmsg_boundary(first, "id@x.example", none, 2);
    assert_non_null(strstr(first, "_0"));
    char clash[128];
    snprintf(clash, sizeof clash, "text\r\n--%s\r\n", first);
    const char *parts[] = {"plain", clash};
    mailmsg_boundary(again, "id@x.example", parts, 2);
    assert_string_not_equal(first, again);
    assert_null(strstr(clash, again));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii_subject_left_as_is),
        cmocka_unit_test(test_long_ascii_subject_folds_at_spaces),
        cmocka_unit_test(test_utf8_subjects_round_trip),
        cmocka_unit_test(test_long_subject_is_several_folded_words),
        cmocka_unit_test(test_empty_subject),
        cmocka_unit_test(test_display_names),
        cmocka_unit_test(test_header_injection_refused),
        cmocka_unit_test(test_invalid_utf8_refused),
        cmocka_unit_test(test_bad_addresses_ids_and_missing_fields),
        cmocka_unit_test(test_multipart_structure_and_bodies),
        cmocka_unit_test(test_bodies_canonical_and_decoded),
        cmocka_unit_test(test_text_only_message),
        cmocka_unit_test(test_date_id_and_mime_headers),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_boundary_avoids_the_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
