/* Unit tests for domain/mergepatch.c against RFC 7396: every example of
 * Appendix A, the §3 example, and the "arguments unchanged" contract. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "domain/mergepatch.h"

static json_t *load(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
    if (!v)
        fail_msg("fixture does not parse: %s (%s)", text, e.text);
    return v;
}

static char *dump(const json_t *v)
{
    char *s = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
    assert_non_null(s);
    return s;
}

/* merge_patch(original, patch) must equal result, and leave both arguments
 * as they were. */
static void check_case(const char *original, const char *patch, const char *result)
{
    json_t *o = load(original), *p = load(patch), *want = load(result);
    char *o_before = dump(o), *p_before = dump(p);
    json_t *got = merge_patch(o, p);
    assert_non_null(got);
    if (!json_equal(got, want)) {
        char *g = dump(got);
        fail_msg("merge_patch(%s, %s) = %s, want %s", original, patch, g, result);
    }
    char *o_after = dump(o), *p_after = dump(p);
    assert_string_equal(o_before, o_after);
    assert_string_equal(p_before, p_after);
    free(o_before);
    free(p_before);
    free(o_after);
    free(p_after);
    json_decref(got);
    json_decref(o);
    json_decref(p);
    json_decref(want);
}

/* RFC 7396 Appendix A, in order. */
static const struct {
    const char *original, *patch, *result;
} APPENDIX_A[] = {
    {"{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
    {"{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"},
    {"{\"a\":\"b\"}", "{\"a\":null}", "{}"},
    {"{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"},
    {"{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
    {"{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"},
    {"{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}"},
    {"{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"},
    {"[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"},
    {"{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"},
    {"{\"a\":\"foo\"}", "null", "null"},
    {"{\"a\":\"foo\"}", "\"bar\"", "\"bar\""},
    {"{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"},
    {"[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"},
    {"{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"},
};

static void test_appendix_a(void **state)
{
    (void)state;
    size_t n = sizeof APPENDIX_A / sizeof APPENDIX_A[0];
    assert_int_equal(n, 15); /* Appendix A lists fifteen examples */
    for (size_t i = 0; i < n; i++)
        check_case(APPENDIX_A[i].original, APPENDIX_A[i].patch, APPENDIX_A[i].result);
}

/* RFC 7396 §3. */
static void test_section_3_example(void **state)
{
    (void)state;
    check_case("{\"title\":\"Goodbye!\",\"author\":{\"givenName\":\"John\",\"familyName\":\"Doe\"},"
               "\"tags\":[\"example\",\"sample\"],\"content\":\"This will be unchanged\"}",
               "{\"title\":\"Hello!\",\"phoneNumber\":\"+01-123-456-7890\","
               "\"author\":{\"familyName\":null},\"tags\":[\"example\"]}",
               "{\"title\":\"Hello!\",\"author\":{\"givenName\":\"John\"},"
               "\"tags\":[\"example\"],\"content\":\"This will be unchanged\","
               "\"phoneNumber\":\"+01-123-456-7890\"}");
}

static void test_null_target(void **state)
{
    (void)state;
    /* A missing target (NULL, as json_object_get gives) is treated as {}. */
    json_t *p = load("{\"a\":{\"b\":1,\"c\":null}}");
    json_t *got = merge_patch(NULL, p);
    json_t *want = load("{\"a\":{\"b\":1}}");
    assert_true(json_equal(got, want));
    json_decref(got);
    json_decref(want);
    json_decref(p);
}

static void test_arguments_unchanged(void **state)
{
    (void)state;
    json_t *target = load("{\"a\":{\"b\":[1,2],\"c\":\"x\"},\"d\":1,\"e\":{\"f\":null}}");
    json_t *patch = load("{\"a\":{\"b\":[3],\"c\":null,\"n\":{\"m\":1}},\"d\":null,\"e\":{\"g\":2}}");
    char *t0 = dump(target), *p0 = dump(patch);
    size_t t_ref = target->refcount, p_ref = patch->refcount;

    json_t *got = merge_patch(target, patch);
    json_t *want = load("{\"a\":{\"b\":[3],\"n\":{\"m\":1}},\"e\":{\"f\":null,\"g\":2}}");
    assert_true(json_equal(got, want));
    assert_ptr_not_equal(got, target);
    assert_int_equal(target->refcount, t_ref);
    assert_int_equal(patch->refcount, p_ref);

    /* The result shares no containers with the arguments: changing it
     * changes neither. */
    json_array_append_new(json_object_get(json_object_get(got, "a"), "b"), json_integer(9));
    json_object_set_new(json_object_get(json_object_get(got, "a"), "n"), "z", json_true());
    json_object_set_new(json_object_get(got, "e"), "h", json_true());
    char *t1 = dump(target), *p1 = dump(patch);
    assert_string_equal(t0, t1);
    assert_string_equal(p0, p1);

    /* A non-object patch is copied, not shared. */
    json_t *arr = load("[1,{\"x\":1}]");
    json_t *rep = merge_patch(target, arr);
    assert_true(json_equal(rep, arr));
    json_object_set_new(json_array_get(rep, 1), "y", json_true());
    assert_int_equal(json_object_size(json_array_get(arr, 1)), 1);

    free(t0);
    free(p0);
    free(t1);
    free(p1);
    json_decref(rep);
    json_decref(arr);
    json_decref(want);
    json_decref(got);
    json_decref(target);
    json_decref(patch);
}

static void test_empty_patch_is_identity(void **state)
{
    (void)state;
    check_case("{\"a\":1,\"b\":{\"c\":[1,{\"d\":null}]}}", "{}",
               "{\"a\":1,\"b\":{\"c\":[1,{\"d\":null}]}}");
    check_case("[1]", "{}", "{}"); /* RFC: non-object target becomes {} */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appendix_a),
        cmocka_unit_test(test_section_3_example),
        cmocka_unit_test(test_null_target),
        cmocka_unit_test(test_arguments_unchanged),
        cmocka_unit_test(test_empty_patch_is_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
