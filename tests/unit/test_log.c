/* The access line builder (storage/log.c): what every request's log line is
 * made with, so its JSON must hold whatever a client put in a path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "storage/log.h"

/* The finished line's text parsed back; fails the test when it is not one
 * JSON object with ts and level. */
static json_t *parsed_text(const char *text)
{
    json_error_t e;
    json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &e);
    if (!o)
        fail_msg("not JSON (%s): %s", e.text, text);
    assert_true(json_is_object(o));
    assert_string_equal(json_string_value(json_object_get(o, "level")), "info");
    const char *ts = json_string_value(json_object_get(o, "ts"));
    assert_non_null(ts);
    /* 2026-11-22T14:02:56.123Z */
    assert_int_equal(strlen(ts), 24);
    assert_true(ts[4] == '-' && ts[10] == 'T' && ts[19] == '.' && ts[23] == 'Z');
    return o;
}

static json_t *parsed(log_line_t *l)
{
    return parsed_text(log_line_text(l, "info"));
}

static void test_members_in_order_and_typed(void **state)
{
    (void)state;
    log_line_t l;
    log_line_begin(&l, "request");
    log_line_str(&l, "path", "/v1/organizations/42");
    log_line_int(&l, "status", 404);
    log_line_int(&l, "neg", -17);
    log_line_int(&l, "zero", 0);
    log_line_null(&l, "grpc_status");
    log_line_ms(&l, "duration_ms", 1234567);
    log_line_ms(&l, "short_ms", 7);
    const char *text = log_line_text(&l, "info");
    static const char WANT[] =
        "{\"event\":\"request\",\"path\":\"/v1/organizations/42\",\"status\":404,"
        "\"neg\":-17,\"zero\":0,\"grpc_status\":null,\"duration_ms\":1234.567,"
        "\"short_ms\":0.007,\"ts\":\"";
    assert_memory_equal(text, WANT, sizeof WANT - 1);
    json_t *o = parsed_text(text);
    assert_int_equal(json_integer_value(json_object_get(o, "status")), 404);
    assert_true(json_is_null(json_object_get(o, "grpc_status")));
    assert_true(json_real_value(json_object_get(o, "duration_ms")) == 1234.567);
    json_decref(o);
}

static void test_hostile_values_stay_json(void **state)
{
    (void)state;
    log_line_t l;
    log_line_begin(&l, "grpc_call");
    log_line_str(&l, "path", "/a\"b\\c\n\x01\x7f\xd0\x9c/");
    log_line_str(&l, "client", NULL);
    json_t *o = parsed(&l);
    assert_string_equal(json_string_value(json_object_get(o, "path")), "/a\"b\\c\?\?\?\?\?/");
    assert_string_equal(json_string_value(json_object_get(o, "client")), "-");
    json_decref(o);
}

/* A value longer than the line is cut, and the short members after it still
 * fit: the line is never dropped, never overruns, never holds half a member. */
static void test_long_values_are_cut_not_dropped(void **state)
{
    (void)state;
    char big[3 * LOG_LINE_MAX];
    for (size_t quotes = 0; quotes < 2; quotes++) {
        memset(big, quotes ? '"' : 'x', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        log_line_t l;
        log_line_begin(&l, "request");
        log_line_str(&l, "path", big);
        log_line_int(&l, "status", 200);
        log_line_str(&l, "client", big);
        json_t *o = parsed(&l);
        assert_true(strlen(l.buf) < LOG_LINE_MAX);
        size_t n = strlen(json_string_value(json_object_get(o, "path")));
        assert_true(n > LOG_LINE_MAX / (quotes ? 3 : 2) && n < LOG_LINE_MAX);
        /* the short member after a cut value is kept; the long one that
         * finds no room is left out whole */
        assert_int_equal(json_integer_value(json_object_get(o, "status")), 200);
        assert_null(json_object_get(o, "client"));
        json_decref(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_members_in_order_and_typed),
        cmocka_unit_test(test_hostile_values_stay_json),
        cmocka_unit_test(test_long_values_are_cut_not_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
