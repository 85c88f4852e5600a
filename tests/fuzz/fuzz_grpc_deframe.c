/* libFuzzer target: the gRPC message deframer (api/grpc/deframe.c). The
 * input's first byte picks the maximum message size, the next four seed the
 * chunking; the rest is a stream's DATA. It is fed to grpc_deframe in
 * random chunks (from one byte to the whole) and must give exactly what a
 * one-pass reference reading of the same bytes gives: the same messages,
 * in order, byte for byte, and the same verdict (UNIMPLEMENTED for a
 * compressed flag, INTERNAL for reserved flag bits, RESOURCE_EXHAUSTED for
 * a length over the maximum, decided before any of that message is
 * buffered). Aborts otherwise. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/grpc/grpc_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    const uint8_t *stream; /* the reference: where each message must lie */
    size_t *offs, *lens;
    size_t nexpected, got;
} check_t;

static void fail(const char *what, size_t i)
{
    fprintf(stderr, "grpc_deframe: %s (message %zu)\n", what, i);
    abort();
}

static void on_message(const uint8_t *msg, size_t len, void *arg)
{
    check_t *c = arg;
    if (!msg)
        fail("NULL message", c->got);
    if (c->got >= c->nexpected)
        fail("more messages than the reference", c->got);
    if (len != c->lens[c->got] || (len && memcmp(msg, c->stream + c->offs[c->got], len) != 0))
        fail("message differs from the reference", c->got);
    c->got++;
}

/* The reference: one pass over the whole stream. */
static grpc_code_t reference(const uint8_t *s, size_t n, size_t max, size_t *offs, size_t *lens,
                             size_t *count)
{
    size_t pos = 0;
    *count = 0;
    while (n - pos >= 5) {
        uint8_t flag = s[pos];
        size_t len = (size_t)s[pos + 1] << 24 | (size_t)s[pos + 2] << 16 | (size_t)s[pos + 3] << 8 |
                     s[pos + 4];
        if (flag & 1)
            return GRPC_UNIMPLEMENTED;
        if (flag)
            return GRPC_INTERNAL;
        if (len > max)
            return GRPC_RESOURCE_EXHAUSTED;
        if (n - pos - 5 < len)
            break;
        offs[*count] = pos + 5;
        lens[*count] = len;
        (*count)++;
        pos += 5 + len;
    }
    return GRPC_OK;
}

static uint32_t next_rand(uint32_t *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t MAXES[] = {0, 1, 5, 16, 100, 1000, 65536, 4194304};
    if (size < 5)
        return 0;
    size_t max = MAXES[data[0] % (sizeof MAXES / sizeof MAXES[0])];
    uint32_t seed = (uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16 |
                    (uint32_t)data[4] << 24;
    const uint8_t *s = data + 5;
    size_t n = size - 5;

    size_t cap = n / 5 + 1;
    size_t *offs = malloc(cap * sizeof *offs), *lens = malloc(cap * sizeof *lens);
    if (!offs || !lens)
        abort();
    size_t count;
    grpc_code_t want = reference(s, n, max, offs, lens, &count);

    /* An exact-size heap copy per chunk, so that ASan sees any read past it. */
    check_t c = {s, offs, lens, count, 0};
    grpc_deframer_t d = {.max = max};
    grpc_code_t got = GRPC_OK;
    size_t pos = 0;
    while (pos < n && got == GRPC_OK) {
        size_t k = (seed & 3) == 0 ? n - pos : 1 + next_rand(&seed) % (n - pos < 64 ? n - pos : 64);
        if (k > n - pos)
            k = n - pos;
        uint8_t *chunk = malloc(k);
        if (!chunk)
            abort();
        memcpy(chunk, s + pos, k);
        got = grpc_deframe(&d, chunk, k, on_message, &c);
        free(chunk);
        pos += k;
        if (got == GRPC_OK && (d.len > d.want || d.want > d.max || d.have_prefix > 5))
            fail("state out of bounds", c.got);
    }
    if (got != want)
        fail("verdict differs from the reference", c.got);
    if (c.got != count)
        fail("fewer messages than the reference", c.got);
    grpc_deframer_free(&d);
    if (d.buf || d.len || d.have_prefix)
        fail("not reset by grpc_deframer_free", c.got);
    free(offs);
    free(lens);
    return 0;
}
