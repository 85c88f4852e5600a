/* Unit tests for domain/jsonin.c: decoding untrusted request bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/jsonin.h"

/* Parses an exact-size heap copy of body[0..len) (no terminator), so ASan
 * reports any read past the body. */
static json_t *parse_n(const char *body, size_t len, app_error_t *err)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, body, len);
    err_clear(err);
    json_t *doc = jsonin_parse_object(copy, len, err);
    free(copy);
    return doc;
}

static json_t *parse(const char *body, app_error_t *err)
{
    return parse_n(body, strlen(body), err);
}

static void test_valid_object(void **state)
{
    (void)state;
    app_error_t err;
    json_t *doc = parse("{\"name\": \"\xd0\x96\xd1\x91\xd0\xbb\xd1\x82\xd1\x8b\xd0\xb9\", "
                        "\"n\": 42, \"list\": [1, {\"d\": null}], \"ok\": true}",
                        &err);
    assert_non_null(doc);
    assert_int_equal(err.kind, ERR_NONE);
    assert_true(json_is_object(doc));
    assert_int_equal(json_object_size(doc), 4);
    assert_string_equal(json_string_value(json_object_get(doc, "name")),
                        "\xd0\x96\xd1\x91\xd0\xbb\xd1\x82\xd1\x8b\xd0\xb9");
    assert_int_equal(json_integer_value(json_object_get(doc, "n")), 42);
    assert_int_equal(json_array_size(json_object_get(doc, "list")), 2);
    const char *s = json_string_value(json_object_get(doc, "name"));
    assert_false(jsonin_has_bad_utf8(s, strlen(s)));
    json_decref(doc);

    doc = parse("  \r\n{}\n  ", &err);
    assert_non_null(doc);
    assert_int_equal(json_object_size(doc), 0);
    json_decref(doc);
}

static void test_syntax_error(void **state)
{
    (void)state;
    app_error_t err;
    assert_null(parse("{\"a\": 1,}", &err));
    assert_int_equal(err.kind, ERR_MALFORMED);
    assert_non_null(strstr(err.detail, "line"));
    assert_int_equal(err.nfields, 0);

    /* The line number is the one the error is on. */
    assert_null(parse("{\n\"a\": 1\n\"b\": 2}", &err));
    assert_int_equal(err.kind, ERR_MALFORMED);
    assert_non_null(strstr(err.detail, "line 3"));

    static const char *const BAD[] = {
        "{", "}", "{\"a\"}", "{\"a\":}", "{'a': 1}", "{a: 1}", "{\"a\": 01}", "{\"a\": tru}",
        "{} x", "{}{}", "{\"a\": \"unterminated}", "{\"a\": \"\\x41\"}", "{\"a\": NaN}",
        "{\"a\": \"tab\there\"}", "\xef\xbb\xbf{}", /* BOM */
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        json_t *doc = parse(BAD[i], &err);
        if (doc) {
            json_decref(doc);
            fail_msg("accepted \"%s\"", BAD[i]);
        }
        assert_int_equal(err.kind, ERR_MALFORMED);
    }
}

static void test_raw_nul_is_malformed(void **state)
{
    (void)state;
    app_error_t err;
    /* A raw NUL is a control character: not allowed unescaped in JSON. */
    static const char body[] = "{\"a\": \"x\0y\"}";
    assert_null(parse_n(body, sizeof body - 1, &err));
    assert_int_equal(err.kind, ERR_MALFORMED);
    /* A NUL after a complete object is trailing garbage. */
    static const char body2[] = "{}\0";
    assert_null(parse_n(body2, sizeof body2 - 1, &err));
    assert_int_equal(err.kind, ERR_MALFORMED);
}

static void test_non_object_top_level(void **state)
{
    (void)state;
    static const char *const NON_OBJECTS[] = {"[]", "[1, 2]", "\"text\"", "42", "null", "true",
                                              "[{\"a\": 1}]"};
    for (size_t i = 0; i < sizeof NON_OBJECTS / sizeof NON_OBJECTS[0]; i++) {
        app_error_t err;
        json_t *doc = parse(NON_OBJECTS[i], &err);
        if (doc) {
            json_decref(doc);
            fail_msg("accepted top-level %s", NON_OBJECTS[i]);
        }
        assert_int_equal(err.kind, ERR_MALFORMED);
    }
}

static void test_empty_body(void **state)
{
    (void)state;
    app_error_t err;
    assert_null(parse_n("", 0, &err));
    assert_int_equal(err.kind, ERR_MALFORMED);
    assert_non_null(strstr(err.detail, "empty"));
    assert_null(parse("   \r\n\t", &err));
    assert_int_equal(err.kind, ERR_MALFORMED);
}

static void test_duplicate_key(void **state)
{
    (void)state;
    app_error_t err;
    assert_null(parse("{\"name\": \"a\", \"kind\": \"other\", \"name\": \"b\"}", &err));
    assert_int_equal(err.kind, ERR_INVALID);
    assert_int_equal(err.nfields, 1);
    assert_string_equal(err.fields[0].field, "name");
    assert_string_equal(err.fields[0].code, "duplicate_key");
}

static void test_duplicate_key_written_with_escape(void **state)
{
    (void)state;
    /* "a\u0062" is the member name "ab": the field must name the member, not
     * the raw token text. */
    app_error_t err;
    assert_null(parse("{\"ab\": 1, \"a\\u0062\": 2}", &err));
    assert_int_equal(err.kind, ERR_INVALID);
    assert_int_equal(err.nfields, 1);
    assert_string_equal(err.fields[0].code, "duplicate_key");
    assert_string_equal(err.fields[0].field, "ab");
}

/* Builds an object nested `depth` levels deep ({"a":{"a":...{}...}}) or, with
 * arrays, [[...]] inside one object. */
static char *nested(int depth, bool arrays)
{
    char *s = malloc((size_t)depth * 8 + 16);
    assert_non_null(s);
    size_t o = 0;
    if (arrays) {
        o += (size_t)sprintf(s + o, "{\"a\":");
        for (int i = 1; i < depth; i++)
            s[o++] = '[';
        for (int i = 1; i < depth; i++)
            s[o++] = ']';
        s[o++] = '}';
    } else {
        for (int i = 1; i < depth; i++)
            o += (size_t)sprintf(s + o, "{\"a\":");
        s[o++] = '{';
        for (int i = 0; i < depth; i++)
            s[o++] = '}';
    }
    s[o] = '\0';
    return s;
}

static void test_depth_limit(void **state)
{
    (void)state;
    app_error_t err;
    for (int arrays = 0; arrays <= 1; arrays++) {
        char *ok = nested(JSONIN_MAX_DEPTH, arrays);
        json_t *doc = parse(ok, &err);
        if (!doc)
            fail_msg("depth %d (%s) rejected: %s", JSONIN_MAX_DEPTH, arrays ? "arrays" : "objects",
                     err.detail);
        json_decref(doc);
        free(ok);

        char *deep = nested(JSONIN_MAX_DEPTH + 1, arrays);
        doc = parse(deep, &err);
        if (doc) {
            json_decref(doc);
            fail_msg("depth %d accepted", JSONIN_MAX_DEPTH + 1);
        }
        assert_int_equal(err.kind, ERR_MALFORMED);
        free(deep);
    }
    /* Very deep input is refused the same way, without recursion trouble. */
    char *huge = nested(100000, true);
    json_t *doc = parse(huge, &err);
    assert_null(doc);
    assert_int_equal(err.kind, ERR_MALFORMED);
    free(huge);
}

static void test_depth_counts_nesting_not_brackets(void **state)
{
    (void)state;
    app_error_t err;
    /* Brackets inside strings, including after an escaped quote, are text. */
    char body[512];
    strcpy(body, "{\"a\": \"\\\"");
    for (int i = 0; i < 100; i++)
        strcat(body, "[");
    strcat(body, "\", \"b\": \"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\"}");
    json_t *doc = parse(body, &err);
    assert_non_null(doc);
    json_decref(doc);

    /* Many shallow siblings: depth goes back down after each. */
    char many[4096] = "{\"a\": [";
    for (int i = 0; i < 200; i++)
        strcat(many, i ? ",[[1]]" : "[[1]]");
    strcat(many, "]}");
    doc = parse(many, &err);
    assert_non_null(doc);
    assert_int_equal(json_array_size(json_object_get(doc, "a")), 200);
    json_decref(doc);
}

static void test_invalid_utf8_in_string(void **state)
{
    (void)state;
    app_error_t err;
    json_t *doc = parse("{\"name\": \"ab\xff" "cd\", \"ok\": \"fine\"}", &err);
    assert_non_null(doc);
    assert_int_equal(err.kind, ERR_NONE);
    json_t *v = json_object_get(doc, "name");
    assert_true(json_is_string(v));
    assert_true(jsonin_has_bad_utf8(json_string_value(v), json_string_length(v)));
    v = json_object_get(doc, "ok");
    assert_false(jsonin_has_bad_utf8(json_string_value(v), json_string_length(v)));
    json_decref(doc);

    static const char *const BAD_STRINGS[] = {
        "{\"s\": \"\xc0\x80\"}",         /* overlong NUL */
        "{\"s\": \"\xe0\x80\xaf\"}",     /* overlong '/' */
        "{\"s\": \"\xed\xa0\x80\"}",     /* surrogate */
        "{\"s\": \"\xf4\x90\x80\x80\"}", /* > U+10FFFF */
        "{\"s\": \"x\xe2\x82\"}",        /* truncated € */
        "{\"s\": \"\x80\"}",             /* lone continuation */
        "{\"s\": \"\xf8\x88\x80\x80\x80\"}",
        "{\"s\": \"\\uffff\"}",          /* the noncharacter itself, escaped */
        "{\"s\": \"\xef\xbf\xbf\"}",     /* ... and raw */
    };
    for (size_t i = 0; i < sizeof BAD_STRINGS / sizeof BAD_STRINGS[0]; i++) {
        doc = parse(BAD_STRINGS[i], &err);
        if (!doc)
            fail_msg("case %zu not parsed: %s", i, err.detail);
        v = json_object_get(doc, "s");
        assert_true(json_is_string(v));
        if (!jsonin_has_bad_utf8(json_string_value(v), json_string_length(v)))
            fail_msg("case %zu: bad UTF-8 not visible", i);
        json_decref(doc);
    }
}

static void test_invalid_utf8_in_key_and_outside_strings(void **state)
{
    (void)state;
    app_error_t err;
    json_t *doc = parse("{\"n\xff\": 1}", &err);
    assert_non_null(doc);
    const char *key = json_object_iter_key(json_object_iter(doc));
    assert_non_null(key);
    assert_true(jsonin_has_bad_utf8(key, strlen(key)));
    json_decref(doc);

    /* Outside a string the byte is a syntax error, not a crash. */
    assert_null(parse("{\xff\"a\": 1}", &err));
    assert_int_equal(err.kind, ERR_MALFORMED);
    assert_null(parse("{\"a\": 1}\xff", &err));
    assert_int_equal(err.kind, ERR_MALFORMED);
    /* An invalid byte right after a backslash: still just malformed. */
    assert_null(parse("{\"a\": \"\\\xff\", \"b\": [[[[]]]]}", &err));
    assert_int_equal(err.kind, ERR_MALFORMED);
}

static void test_all_high_bytes(void **state)
{
    (void)state;
    /* Every byte 0x80..0xff alone is invalid: each becomes one 3-byte mark. */
    char body[256];
    size_t o = 0;
    o += (size_t)sprintf(body, "{\"s\":\"");
    for (int c = 0x80; c <= 0xff; c++)
        body[o++] = (char)c;
    body[o++] = '"';
    body[o++] = '}';
    app_error_t err;
    json_t *doc = parse_n(body, o, &err);
    assert_non_null(doc);
    json_t *v = json_object_get(doc, "s");
    assert_int_equal(json_string_length(v), 128 * 3);
    assert_true(jsonin_has_bad_utf8(json_string_value(v), json_string_length(v)));
    json_decref(doc);
}

static void test_nul_escape(void **state)
{
    (void)state;
    app_error_t err;
    json_t *doc = parse("{\"s\": \"a\\u0000b\"}", &err);
    assert_non_null(doc);
    json_t *v = json_object_get(doc, "s");
    assert_int_equal(json_string_length(v), 3);
    assert_int_equal(strlen(json_string_value(v)), 1);
    assert_memory_equal(json_string_value(v), "a\0b", 3);
    assert_false(jsonin_has_bad_utf8(json_string_value(v), json_string_length(v)));
    json_decref(doc);

    /* A NUL in a member name cannot be represented: malformed. */
    assert_null(parse("{\"a\\u0000b\": 1}", &err));
    assert_int_equal(err.kind, ERR_MALFORMED);
}

static void test_has_bad_utf8_bounds(void **state)
{
    (void)state;
    assert_false(jsonin_has_bad_utf8("", 0));
    assert_false(jsonin_has_bad_utf8("ab", 2));
    assert_true(jsonin_has_bad_utf8("\xef\xbf\xbf", 3));
    assert_true(jsonin_has_bad_utf8("ab\xef\xbf\xbf", 5));
    /* The mark cut off by n does not count. */
    assert_false(jsonin_has_bad_utf8("ab\xef\xbf\xbf", 4));
    /* Neighbours of U+FFFF are fine. */
    assert_false(jsonin_has_bad_utf8("\xef\xbf\xbe", 3)); /* U+FFFE */
    assert_false(jsonin_has_bad_utf8("\xef\xbf\xbd", 3)); /* U+FFFD */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_object),
        cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_raw_nul_is_malformed),
        cmocka_unit_test(test_non_object_top_level),
        cmocka_unit_test(test_empty_body),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_duplicate_key_written_with_escape),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_depth_counts_nesting_not_brackets),
        cmocka_unit_test(test_invalid_utf8_in_string),
        cmocka_unit_test(test_invalid_utf8_in_key_and_outside_strings),
        cmocka_unit_test(test_all_high_bytes),
        cmocka_unit_test(test_nul_escape),
        cmocka_unit_test(test_has_bad_utf8_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
