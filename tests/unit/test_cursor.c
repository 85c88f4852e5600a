/* Unit tests for domain/cursor.c: opaque list cursors, base64url of a
 * version byte (1) and the 16 bytes of the last id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "domain/cursor.h"
#include "domain/textcheck.h"

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void)
{
    /* xorshift64*: deterministic, so a failure reproduces. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1du;
}

static void random_uuid(char out[37], bool upper)
{
    static const char LO[] = "0123456789abcdef", UP[] = "0123456789ABCDEF";
    const char *hex = upper ? UP : LO;
    uint64_t a = rng(), b = rng();
    int o = 0;
    for (int i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20)
            out[o++] = '-';
        uint64_t w = i < 16 ? a : b;
        out[o++] = hex[(w >> ((i % 16) * 4)) & 15];
    }
    out[o] = '\0';
}

static void test_known_answers(void **state)
{
    (void)state;
    char c[CURSOR_LEN + 1], id[37];
    cursor_encode("00000000-0000-0000-0000-000000000000", c);
    assert_string_equal(c, "AQAAAAAAAAAAAAAAAAAAAAA");
    cursor_encode("ffffffff-ffff-ffff-ffff-ffffffffffff", c);
    assert_string_equal(c, "Af____________________8");
    cursor_encode("123e4567-e89b-12d3-a456-426614174000", c);
    assert_string_equal(c, "ARI-RWfomxLTpFZCZhQXQAA");
    cursor_encode("123E4567-E89B-12D3-A456-426614174000", c);
    assert_string_equal(c, "ARI-RWfomxLTpFZCZhQXQAA");

    assert_true(cursor_decode("ARI-RWfomxLTpFZCZhQXQAA", id));
    assert_string_equal(id, "123e4567-e89b-12d3-a456-426614174000");
    assert_true(cursor_decode("Af____________________8", id));
    assert_string_equal(id, "ffffffff-ffff-ffff-ffff-ffffffffffff");
}

static void test_round_trip_many(void **state)
{
    (void)state;
    for (int i = 0; i < 20000; i++) {
        char id[37], lower[37], c[CURSOR_LEN + 1], back[37];
        memset(c, 'X', sizeof c);
        random_uuid(id, i % 3 == 0);
        assert_true(text_uuid_normalize(id, lower));
        cursor_encode(id, c);
        if (strlen(c) != CURSOR_LEN)
            fail_msg("cursor for %s has length %zu", id, strlen(c));
        for (int k = 0; k < CURSOR_LEN; k++)
            if (!strchr(B64URL, c[k]))
                fail_msg("cursor %s has a non-base64url character", c);
        if (!cursor_decode(c, back))
            fail_msg("cursor %s for %s does not decode", c, id);
        if (strcmp(back, lower) != 0)
            fail_msg("%s -> %s -> %s", id, c, back);
        assert_true(text_is_uuid(back));
    }
}

static void test_distinct_ids_distinct_cursors(void **state)
{
    (void)state;
    /* Flipping any one nibble of the id changes the cursor. */
    const char *base = "123e4567-e89b-12d3-a456-426614174000";
    char c0[CURSOR_LEN + 1];
    cursor_encode(base, c0);
    for (int i = 0; i < 36; i++) {
        if (base[i] == '-')
            continue;
        char id[37], c[CURSOR_LEN + 1];
        strcpy(id, base);
        id[i] = id[i] == '0' ? '1' : '0';
        cursor_encode(id, c);
        if (strcmp(c, c0) == 0)
            fail_msg("changing position %d did not change the cursor", i);
    }
}

static void test_reject_length(void **state)
{
    (void)state;
    char id[37] = "untouched";
    assert_false(cursor_decode("", id));
    assert_false(cursor_decode("ARI-RWfomxLTpFZCZhQXQA", id));   /* 22 */
    assert_false(cursor_decode("ARI-RWfomxLTpFZCZhQXQAAA", id)); /* 24 */
    assert_false(cursor_decode("ARI-RWfomxLTpFZCZhQXQAA=", id)); /* padded */
    assert_false(cursor_decode("ARI-RWfomxLTpFZCZhQXQAAARI-RWfomxLTpFZCZhQXQAA", id));
}

static void test_reject_bad_chars(void **state)
{
    (void)state;
    char id[37];
    const char *good = "ARI-RWfomxLTpFZCZhQXQAA";
    assert_true(cursor_decode(good, id));
    /* Each position, each kind of wrong character. */
    static const char WRONG[] = {'+', '/', '=', ' ', '.', '~', '%', '\x7f', '\xff', '\x80', '\n'};
    for (int pos = 0; pos < CURSOR_LEN; pos++)
        for (size_t w = 0; w < sizeof WRONG; w++) {
            char c[CURSOR_LEN + 1];
            strcpy(c, good);
            c[pos] = WRONG[w];
            if (cursor_decode(c, id))
                fail_msg("accepted 0x%02x at position %d", (unsigned char)WRONG[w], pos);
        }
    assert_false(cursor_decode("not-a-cursor-at-all!!!!", id));
    assert_false(cursor_decode("123e4567-e89b-12d3-a456-426614174000", id));
}

static void test_reject_wrong_version(void **state)
{
    (void)state;
    char id[37];
    assert_false(cursor_decode("AAAAAAAAAAAAAAAAAAAAAAA", id)); /* version 0 */
    assert_false(cursor_decode("AgAAAAAAAAAAAAAAAAAAAAA", id)); /* version 2 */
    assert_false(cursor_decode("_wAAAAAAAAAAAAAAAAAAAAA", id)); /* version 255 */
    /* Every version byte but 1, over the same id bytes. */
    for (int v = 0; v < 256; v++) {
        char c[CURSOR_LEN + 1];
        strcpy(c, "AQAAAAAAAAAAAAAAAAAAAAA");
        c[0] = B64URL[v >> 2];
        c[1] = B64URL[(v & 3) << 4];
        bool ok = cursor_decode(c, id);
        if (ok != (v == 1))
            fail_msg("version %d: decode returned %d", v, ok);
    }
}

static void test_reject_noncanonical_tail(void **state)
{
    (void)state;
    char id[37];
    /* The last character carries 4 data bits and 2 bits that must be zero. */
    assert_true(cursor_decode("AQAAAAAAAAAAAAAAAAAAAAA", id));
    assert_false(cursor_decode("AQAAAAAAAAAAAAAAAAAAAAB", id));
    assert_false(cursor_decode("AQAAAAAAAAAAAAAAAAAAAAC", id));
    assert_false(cursor_decode("AQAAAAAAAAAAAAAAAAAAAAD", id));
    assert_true(cursor_decode("AQAAAAAAAAAAAAAAAAAAAAE", id));
    assert_true(cursor_decode("Af____________________8", id));
    assert_false(cursor_decode("Af____________________9", id));
    assert_false(cursor_decode("Af_____________________", id));
    /* Of the 64 possible last characters exactly 16 are canonical. */
    int canonical = 0;
    for (int k = 0; k < 64; k++) {
        char c[CURSOR_LEN + 1];
        strcpy(c, "ARI-RWfomxLTpFZCZhQXQAA");
        c[CURSOR_LEN - 1] = B64URL[k];
        canonical += cursor_decode(c, id);
    }
    assert_int_equal(canonical, 16);
}

static void test_decoded_id_is_lowercase_uuid(void **state)
{
    (void)state;
    char id[37];
    assert_true(cursor_decode("Af____________________8", id));
    for (int i = 0; i < 36; i++)
        assert_false(isupper((unsigned char)id[i]));
    assert_true(text_is_uuid(id));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_round_trip_many),
        cmocka_unit_test(test_distinct_ids_distinct_cursors),
        cmocka_unit_test(test_reject_length),
        cmocka_unit_test(test_reject_bad_chars),
        cmocka_unit_test(test_reject_wrong_version),
        cmocka_unit_test(test_reject_noncanonical_tail),
        cmocka_unit_test(test_decoded_id_is_lowercase_uuid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
