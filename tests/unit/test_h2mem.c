/* nghttp2's allocator (api/grpc/h2mem.c): blocks reused by size class, with
 * what malloc, calloc and realloc promise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/grpc/h2mem.h"

static nghttp2_mem *M;

static void *mem_malloc(size_t n)
{
    return M->malloc(n, M->mem_user_data);
}

static void mem_free(void *p)
{
    M->free(p, M->mem_user_data);
}

static void test_sizes_aligned_and_writable(void **state)
{
    (void)state;
    void *blocks[2100];
    for (size_t n = 0; n < 2100; n++) {
        blocks[n] = mem_malloc(n);
        assert_non_null(blocks[n]);
        assert_int_equal((uintptr_t)blocks[n] % _Alignof(max_align_t), 0);
        memset(blocks[n], (int)(n & 0xff), n);
    }
    for (size_t n = 0; n < 2100; n++) {
        for (size_t i = 0; i < n; i++)
            if (((unsigned char *)blocks[n])[i] != (n & 0xff))
                fail_msg("block of %zu bytes overwritten at %zu", n, i);
        mem_free(blocks[n]);
    }
    mem_free(NULL);
    h2mem_trim();
    assert_int_equal(h2mem_kept(), 0);
}

/* A freed block is given out again for its class (unless the build keeps
 * none, under AddressSanitizer), and calloc zeroes a reused one. */
static void test_reuse_and_calloc(void **state)
{
    (void)state;
    unsigned char *a = mem_malloc(100);
    memset(a, 0xab, 100);
    mem_free(a);
    bool keeps = h2mem_kept() == 1;
    unsigned char *b = M->calloc(25, 4, M->mem_user_data);
    if (keeps)
        assert_ptr_equal(b, a); /* 100 bytes: the same class */
    for (int i = 0; i < 100; i++)
        assert_int_equal(b[i], 0);
    mem_free(b);
    assert_null(M->calloc(SIZE_MAX / 2, 4, M->mem_user_data));
    h2mem_trim();
}

static void test_realloc_keeps_contents(void **state)
{
    (void)state;
    unsigned char *p = M->realloc(NULL, 10, M->mem_user_data);
    for (int i = 0; i < 10; i++)
        p[i] = (unsigned char)i;
    static const size_t SIZES[] = {60, 64, 65, 700, 1024, 1025, 5000, 3000, 40, 5};
    size_t have = 10;
    for (size_t k = 0; k < sizeof SIZES / sizeof SIZES[0]; k++) {
        p = M->realloc(p, SIZES[k], M->mem_user_data);
        assert_non_null(p);
        size_t keep = have < SIZES[k] ? have : SIZES[k];
        for (size_t i = 0; i < keep; i++)
            assert_int_equal(p[i], (unsigned char)i);
        for (size_t i = keep; i < SIZES[k]; i++)
            p[i] = (unsigned char)i;
        have = SIZES[k];
    }
    mem_free(p);
    h2mem_trim();
}

/* What a list keeps is bounded: a burst does not pin its peak. */
static void test_lists_bounded(void **state)
{
    (void)state;
    enum { N = 3000 };
    void **p = malloc(N * sizeof *p);
    assert_non_null(p);
    for (int i = 0; i < N; i++)
        p[i] = mem_malloc(200);
    for (int i = 0; i < N; i++)
        mem_free(p[i]);
    assert_true(h2mem_kept() <= 256);
    h2mem_trim();
    assert_int_equal(h2mem_kept(), 0);
    free(p);
}

int main(void)
{
    M = h2mem();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes_aligned_and_writable),
        cmocka_unit_test(test_reuse_and_calloc),
        cmocka_unit_test(test_realloc_keeps_contents),
        cmocka_unit_test(test_lists_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
