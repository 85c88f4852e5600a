/* CSV as RFC 4180 has it: the report downloads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/csv.h"

static char *field(const char *s, size_t n)
{
    strbuf_t b = {0};
    csv_field(&b, s, n);
    return b.s;
}

static void test_fields_quoted_only_when_they_must_be(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } CASES[] = {
        {"plain", "plain"},
        {"Сүхбаатар дүүрэг", "Сүхбаатар дүүрэг"},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"\"", "\"\"\"\""},
        {"line\r\nbreak", "\"line\r\nbreak\""},
        {"lf\nonly", "\"lf\nonly\""},
        {"trailing space ", "trailing space "},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        char *got = field(CASES[i].in, strlen(CASES[i].in));
        assert_string_equal(got, CASES[i].out);
        free(got);
    }
    /* an empty field appends nothing */
    char *none = field("", 0);
    assert_true(none == NULL || none[0] == '\0');
    free(none);
}

static void test_table_header_and_rows_with_crlf(void **state)
{
    (void)state;
    json_t *cols = json_loads("[{\"key\":\"org\",\"heading\":\"Байгууллага\"},"
                              "{\"key\":\"n\",\"heading\":\"Days, late\"},"
                              "{\"key\":\"p\",\"heading\":\"Published\"}]", 0, NULL);
    json_t *rows = json_loads("[[\"Сургууль \\\"Нар\\\", №1\", 2, null], [\"A\", null, true]]", 0,
                              NULL);
    strbuf_t b = {0};
    assert_true(csv_table(cols, rows, &b));
    assert_string_equal(b.s, "Байгууллага,\"Days, late\",Published\r\n"
                             "\"Сургууль \"\"Нар\"\", №1\",2,\r\n"
                             "A,,true\r\n");
    free(b.s);
    json_decref(cols);
    json_decref(rows);
}

static void test_cells_that_would_be_formulas_are_defused(void **state)
{
    (void)state;
    json_t *cols = json_loads("[{\"heading\":\"A\"}]", 0, NULL);
    json_t *rows = json_loads("[[\"=HYPERLINK(\\\"x\\\")\"], [\"+1\"], [\"-1\"], [\"@SUM(A1)\"],"
                              " [\"\\tx\"], [\"a=b\"], [-5]]", 0, NULL);
    strbuf_t b = {0};
    assert_true(csv_table(cols, rows, &b));
    assert_string_equal(b.s, "A\r\n\"'=HYPERLINK(\"\"x\"\")\"\r\n'+1\r\n'-1\r\n'@SUM(A1)\r\n'\tx\r\n"
                             "a=b\r\n-5\r\n");
    free(b.s);
    json_decref(cols);
    json_decref(rows);
}

static void test_table_refuses_what_is_not_a_table(void **state)
{
    (void)state;
    static const char *const BAD[][2] = {
        {"[{\"heading\":\"A\"}]", "[[1, 2]]"},        /* row wider than the columns */
        {"[{\"heading\":\"A\"}]", "[1]"},             /* row not an array */
        {"[{\"key\":\"a\"}]", "[]"},                  /* column without a heading */
        {"[{\"heading\":\"A\"}]", "[[1.5]]"},         /* a float: amounts are strings */
        {"[{\"heading\":\"A\"}]", "[[{\"x\":1}]]"},   /* an object cell */
        {"{}", "[]"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        json_t *c = json_loads(BAD[i][0], 0, NULL), *r = json_loads(BAD[i][1], 0, NULL);
        strbuf_t b = {0};
        assert_false(csv_table(c, r, &b));
        free(b.s);
        json_decref(c);
        json_decref(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_quoted_only_when_they_must_be),
        cmocka_unit_test(test_table_header_and_rows_with_crlf),
        cmocka_unit_test(test_cells_that_would_be_formulas_are_defused),
        cmocka_unit_test(test_table_refuses_what_is_not_a_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
