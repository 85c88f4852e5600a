/* Unit tests for api/http/http_parser.c: the strict HTTP/1.1 request-head
 * parser (RFC 9112). Every head is parsed from an exact-size heap buffer
 * without a terminator, so ASan reports any read past len. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/http/http_parser.h"

typedef struct {
    char *buf;
    http_head_t head;
    http_parse_result_t r;
} parsed_t;

static void parse_n(parsed_t *p, const char *text, size_t len)
{
    p->buf = malloc(len ? len : 1);
    assert_non_null(p->buf);
    memcpy(p->buf, text, len);
    p->r = http_parse_head(p->buf, len, &p->head);
}

static void parse(parsed_t *p, const char *text)
{
    parse_n(p, text, strlen(text));
}

static void done(parsed_t *p)
{
    free(p->buf);
    p->buf = NULL;
}

static http_parse_result_t result_of_n(const char *text, size_t len)
{
    parsed_t p;
    parse_n(&p, text, len);
    done(&p);
    return p.r;
}

static http_parse_result_t result_of(const char *text)
{
    return result_of_n(text, strlen(text));
}

static void test_valid_get(void **state)
{
    (void)state;
    parsed_t p;
    parse(&p, "GET /api/v1/organizations?limit=10&kind=ministry HTTP/1.1\r\n"
              "Host: probity.example\r\n"
              "Accept: application/json\r\n"
              "X-Empty:\r\n"
              "X-Spaces:   padded value \t \r\n"
              "User-Agent: test/1.0 (unit; \xc3\xa9)\r\n"
              "\r\n");
    assert_int_equal(p.r, HP_OK);
    assert_string_equal(p.head.method, "GET");
    assert_string_equal(p.head.target, "/api/v1/organizations?limit=10&kind=ministry");
    assert_int_equal(p.head.minor_version, 1);
    assert_int_equal(p.head.nheaders, 5);
    assert_string_equal(p.head.headers[0].name, "Host");
    assert_string_equal(p.head.headers[0].value, "probity.example");
    assert_string_equal(p.head.headers[1].name, "Accept");
    assert_string_equal(p.head.headers[1].value, "application/json");
    assert_string_equal(p.head.headers[2].name, "X-Empty");
    assert_string_equal(p.head.headers[2].value, "");
    assert_string_equal(p.head.headers[3].value, "padded value");
    assert_string_equal(p.head.headers[4].value, "test/1.0 (unit; \xc3\xa9)");
    done(&p);
}

static void test_http10_and_methods(void **state)
{
    (void)state;
    parsed_t p;
    parse(&p, "POST /x HTTP/1.0\r\nContent-Length: 2\r\n\r\n");
    assert_int_equal(p.r, HP_OK);
    assert_int_equal(p.head.minor_version, 0);
    assert_string_equal(p.head.method, "POST");
    assert_string_equal(p.head.target, "/x");
    assert_int_equal(p.head.nheaders, 1);
    done(&p);

    /* No header fields at all. */
    parse(&p, "DELETE / HTTP/1.1\r\n\r\n");
    assert_int_equal(p.r, HP_OK);
    assert_int_equal(p.head.nheaders, 0);
    assert_string_equal(p.head.target, "/");
    done(&p);

    /* Any token is a method; the router decides what it means. */
    assert_int_equal(result_of("M-SEARCH /a HTTP/1.1\r\n\r\n"), HP_OK);
    assert_int_equal(result_of("PATCH /a HTTP/1.1\r\n\r\n"), HP_OK);
}

static void test_bad_request_lines(void **state)
{
    (void)state;
    static const char *const BAD[] = {
        "GET\r\n\r\n",                          /* no target */
        "GET \r\n\r\n",
        "GET / \r\n\r\n",                       /* no version */
        "GET /\r\n\r\n",
        "GET HTTP/1.1\r\n\r\n",                 /* version where target should be */
        "GET api HTTP/1.1\r\n\r\n",             /* target not starting with '/' */
        "GET * HTTP/1.1\r\n\r\n",
        "GET http://h/ HTTP/1.1\r\n\r\n",       /* absolute-form */
        "GET  / HTTP/1.1\r\n\r\n",              /* two spaces */
        " GET / HTTP/1.1\r\n\r\n",              /* leading space */
        "GET / http/1.1\r\n\r\n",               /* lowercase version */
        "GET / Http/1.1\r\n\r\n",
        "GET / HTTPS/1.1\r\n\r\n",
        "GET /a b HTTP/1.1\r\n\r\n",            /* space in target */
        "GET /a\tb HTTP/1.1\r\n\r\n",
        "GET /\x7f HTTP/1.1\r\n\r\n",
        "GET /\xc3\xa9 HTTP/1.1\r\n\r\n",       /* raw non-ASCII in target */
        "G(T / HTTP/1.1\r\n\r\n",               /* method not a token */
        "G\"T / HTTP/1.1\r\n\r\n",
        "GET\t/ HTTP/1.1\r\n\r\n",
        "/ HTTP/1.1\r\n\r\n",
        "",
        "\r\n\r\n",
        "\r\n",
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        http_parse_result_t r = result_of(BAD[i]);
        if (r != HP_BAD_REQUEST)
            fail_msg("case %zu: got %d, want HP_BAD_REQUEST", i, (int)r);
    }
}

static void test_bad_version(void **state)
{
    (void)state;
    static const char *const BAD[] = {
        "GET / HTTP/2.0\r\n\r\n", "GET / HTTP/1.2\r\n\r\n", "GET / HTTP/0.9\r\n\r\n",
        "GET / HTTP/1.10\r\n\r\n", "GET / HTTP/11\r\n\r\n", "GET / HTTP/3\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        http_parse_result_t r = result_of(BAD[i]);
        if (r != HP_BAD_VERSION)
            fail_msg("\"%s\": got %d, want HP_BAD_VERSION", BAD[i], (int)r);
    }
}

static void test_bad_header_fields(void **state)
{
    (void)state;
    static const char *const BAD[] = {
        "GET / HTTP/1.1\r\nHost : x\r\n\r\n",          /* whitespace before colon */
        "GET / HTTP/1.1\r\nHost\t: x\r\n\r\n",
        "GET / HTTP/1.1\r\n Host: x\r\n\r\n",          /* leading whitespace */
        "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", /* obs-fold */
        "GET / HTTP/1.1\r\nHost: x\r\n\tfolded\r\n\r\n",
        "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
        "GET / HTTP/1.1\r\n: empty-name\r\n\r\n",
        "GET / HTTP/1.1\r\nX(y): 1\r\n\r\n",           /* name not a token */
        "GET / HTTP/1.1\r\nX\"y: 1\r\n\r\n",
        "GET / HTTP/1.1\r\nX/y: 1\r\n\r\n",
        "GET / HTTP/1.1\r\nX\xc3\xa9: 1\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\x01" "b\r\n\r\n",        /* control characters */
        "GET / HTTP/1.1\r\nX: a\x1f" "b\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\x7f" "b\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\x1b[31m\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",           /* bare CR inside */
        "GET / HTTP/1.1\r\nX: a\r\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\x0b\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\x0c\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        http_parse_result_t r = result_of(BAD[i]);
        if (r != HP_BAD_REQUEST)
            fail_msg("case %zu: got %d, want HP_BAD_REQUEST", i, (int)r);
    }
    /* A tab inside a value is allowed (RFC 9110 §5.5 field-vchar / HTAB). */
    parsed_t p;
    parse(&p, "GET / HTTP/1.1\r\nX: a\tb\r\n\r\n");
    assert_int_equal(p.r, HP_OK);
    assert_string_equal(p.head.headers[0].value, "a\tb");
    done(&p);
}

static void test_nul_in_header_value(void **state)
{
    (void)state;
    /* NUL is a control character (RFC 9110 §5.5: field values containing
     * CR, LF or NUL are invalid): it must be refused, not end the value
     * early and hide what follows. */
    static const char head[] = "GET / HTTP/1.1\r\nContent-Length: 0\0 5\r\nHost: x\r\n\r\n";
    parsed_t p;
    parse_n(&p, head, sizeof head - 1);
    http_parse_result_t r = p.r;
    char cl[32] = "";
    if (r == HP_OK)
        snprintf(cl, sizeof cl, "%s", http_head_get(&p.head, "Content-Length"));
    done(&p);
    if (r == HP_OK)
        fail_msg("accepted a NUL in a header value (Content-Length parsed as \"%s\")", cl);
    assert_int_equal(r, HP_BAD_REQUEST);
    /* NUL in a name or the request line is refused too. */
    static const char head2[] = "GET / HTTP/1.1\r\nHo\0st: x\r\n\r\n";
    assert_int_equal(result_of_n(head2, sizeof head2 - 1), HP_BAD_REQUEST);
    static const char head3[] = "GET /a\0b HTTP/1.1\r\n\r\n";
    assert_int_equal(result_of_n(head3, sizeof head3 - 1), HP_BAD_REQUEST);
}

static void test_missing_final_empty_line(void **state)
{
    (void)state;
    static const char *const BAD[] = {
        "GET / HTTP/1.1\r\nHost: x\r\n",
        "GET / HTTP/1.1\r\nHost: x",
        "GET / HTTP/1.1\r\nHost: x\r\n\r",
        "GET / HTTP/1.1\r\n",
        "GET / HTTP/1.1",
        "GET / HTTP/1.1\r",
        "GET / HTTP/1.1\r\n\r",
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        http_parse_result_t r = result_of(BAD[i]);
        if (r != HP_BAD_REQUEST)
            fail_msg("case %zu: got %d, want HP_BAD_REQUEST", i, (int)r);
    }
}

static void test_every_prefix_is_incomplete(void **state)
{
    (void)state;
    /* No proper prefix of a head parses as complete (and none over-reads). */
    const char *full = "\r\nPUT /a?b=c HTTP/1.1\r\nHost: x\r\nA: 1\nB:  2 \r\n\r\n";
    size_t n = strlen(full);
    assert_int_equal(result_of(full), HP_OK);
    for (size_t k = 0; k < n; k++) {
        http_parse_result_t r = result_of_n(full, k);
        if (r == HP_OK)
            fail_msg("prefix of %zu bytes parsed as a complete head", k);
    }
}

static void test_too_many_headers(void **state)
{
    (void)state;
    char head[8192];
    for (int extra = 0; extra <= 1; extra++) {
        size_t o = (size_t)snprintf(head, sizeof head, "GET / HTTP/1.1\r\n");
        for (int i = 0; i < HTTP_MAX_HEADERS + extra; i++)
            o += (size_t)snprintf(head + o, sizeof head - o, "X-H%d: %d\r\n", i, i);
        o += (size_t)snprintf(head + o, sizeof head - o, "\r\n");
        parsed_t p;
        parse_n(&p, head, o);
        if (extra) {
            assert_int_equal(p.r, HP_TOO_MANY);
        } else {
            assert_int_equal(p.r, HP_OK);
            assert_int_equal(p.head.nheaders, HTTP_MAX_HEADERS);
            assert_string_equal(http_head_get(&p.head, "x-h63"), "63");
        }
        done(&p);
    }
}

static void test_head_get_and_count(void **state)
{
    (void)state;
    parsed_t p;
    parse(&p, "GET / HTTP/1.1\r\n"
              "Host: a\r\n"
              "content-type: application/json\r\n"
              "HOST: b\r\n"
              "Accept: */*\r\n"
              "host: c\r\n"
              "\r\n");
    assert_int_equal(p.r, HP_OK);
    assert_string_equal(http_head_get(&p.head, "Content-Type"), "application/json");
    assert_string_equal(http_head_get(&p.head, "CONTENT-TYPE"), "application/json");
    assert_string_equal(http_head_get(&p.head, "host"), "a"); /* the first */
    assert_null(http_head_get(&p.head, "Content-Length"));
    assert_null(http_head_get(&p.head, "Hos"));
    assert_null(http_head_get(&p.head, "Hostx"));
    assert_int_equal(http_head_count(&p.head, "Host"), 3);
    assert_int_equal(http_head_count(&p.head, "hOsT"), 3);
    assert_int_equal(http_head_count(&p.head, "accept"), 1);
    assert_int_equal(http_head_count(&p.head, "Connection"), 0);
    done(&p);
}

static void test_leading_empty_lines(void **state)
{
    (void)state;
    parsed_t p;
    parse(&p, "\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(p.r, HP_OK);
    assert_string_equal(p.head.target, "/ok");
    assert_string_equal(http_head_get(&p.head, "Host"), "x");
    done(&p);
    parse(&p, "\n\nGET /ok HTTP/1.1\n\n");
    assert_int_equal(p.r, HP_OK);
    assert_string_equal(p.head.method, "GET");
    done(&p);
}

static void test_bare_lf(void **state)
{
    (void)state;
    parsed_t p;
    parse(&p, "GET /lf HTTP/1.1\nHost: x\nAccept: y \n\n");
    assert_int_equal(p.r, HP_OK);
    assert_string_equal(p.head.target, "/lf");
    assert_int_equal(p.head.minor_version, 1);
    assert_int_equal(p.head.nheaders, 2);
    assert_string_equal(http_head_get(&p.head, "host"), "x");
    assert_string_equal(http_head_get(&p.head, "accept"), "y");
    done(&p);
    /* Mixed line ends. */
    parse(&p, "GET /m HTTP/1.0\r\nA: 1\nB: 2\r\n\n");
    assert_int_equal(p.r, HP_OK);
    assert_int_equal(p.head.nheaders, 2);
    done(&p);
}

static void test_pointers_inside_buffer(void **state)
{
    (void)state;
    parsed_t p;
    const char *text = "GET /p HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n";
    size_t n = strlen(text);
    parse(&p, text);
    assert_int_equal(p.r, HP_OK);
    const char *lo = p.buf, *hi = p.buf + n;
    assert_true(p.head.method >= lo && p.head.method < hi);
    assert_true(p.head.target >= lo && p.head.target < hi);
    for (size_t i = 0; i < p.head.nheaders; i++) {
        assert_true(p.head.headers[i].name >= lo && p.head.headers[i].name < hi);
        assert_true(p.head.headers[i].value >= lo && p.head.headers[i].value < hi);
    }
    done(&p);
}

static void test_garbage_does_not_crash(void **state)
{
    (void)state;
    /* Deterministic random heads built from the characters that matter. */
    static const char ALPHABET[] = "GET /:\r\n\t xH1.\x00\x7f\xff";
    uint32_t s = 12345;
    for (int iter = 0; iter < 20000; iter++) {
        char buf[128];
        size_t len = 0;
        /* Half start as a valid request line to get past it. */
        if (iter % 2) {
            memcpy(buf, "GET / HTTP/1.1\r\n", 16);
            len = 16;
        }
        s = s * 1103515245u + 12345u;
        size_t extra = (s >> 16) % 100;
        for (size_t i = 0; i < extra; i++) {
            s = s * 1103515245u + 12345u;
            buf[len++] = ALPHABET[(s >> 16) % (sizeof ALPHABET - 1)];
        }
        parsed_t p;
        parse_n(&p, buf, len);
        assert_true(p.r == HP_OK || p.r == HP_BAD_REQUEST || p.r == HP_BAD_VERSION ||
                    p.r == HP_TOO_MANY);
        if (p.r == HP_OK) {
            assert_non_null(p.head.method);
            assert_non_null(p.head.target);
            assert_int_equal(p.head.target[0], '/');
            assert_true(p.head.nheaders <= HTTP_MAX_HEADERS);
        }
        done(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_get),
        cmocka_unit_test(test_http10_and_methods),
        cmocka_unit_test(test_bad_request_lines),
        cmocka_unit_test(test_bad_version),
        cmocka_unit_test(test_bad_header_fields),
        cmocka_unit_test(test_nul_in_header_value),
        cmocka_unit_test(test_missing_final_empty_line),
        cmocka_unit_test(test_every_prefix_is_incomplete),
        cmocka_unit_test(test_too_many_headers),
        cmocka_unit_test(test_head_get_and_count),
        cmocka_unit_test(test_leading_empty_lines),
        cmocka_unit_test(test_bare_lf),
        cmocka_unit_test(test_pointers_inside_buffer),
        cmocka_unit_test(test_garbage_does_not_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
