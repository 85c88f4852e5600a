/* The gRPC message deframer: a stream's DATA bytes, in whatever chunks they
 * came, cut into length-prefixed messages (a flag byte, a 4-byte big-endian
 * length, the message). Pure: no I/O, no libevent, so that it can be fuzzed.
 *
 * Memory: a message that arrives whole with its prefix is handed over where
 * it lies. Otherwise its buffer grows with the bytes that actually arrived
 * (powers of two, capped at the announced length), so a 5-byte prefix
 * announcing 4 MiB costs nothing until the bytes come. */
#include <stdlib.h>
#include <string.h>

#include "grpc_server.h"

#define DEFRAME_MIN_CAP 256

/* The buffer size held for a message of which len bytes have arrived: 0
 * for none, else the next power of two from DEFRAME_MIN_CAP, at most want.
 * Derived from len alone, so grpc_deframer_t needs no capacity field. */
static size_t deframe_cap(size_t len, size_t want)
{
    if (len == 0)
        return 0;
    size_t cap = DEFRAME_MIN_CAP;
    while (cap < len && cap < want)
        cap *= 2;
    return cap < want ? cap : want;
}

static void deframe_reset(grpc_deframer_t *d)
{
    free(d->buf);
    d->buf = NULL;
    d->len = d->want = 0;
    d->have_prefix = 0;
}

grpc_code_t grpc_deframe(grpc_deframer_t *d, const uint8_t *data, size_t n,
                         void (*fn)(const uint8_t *msg, size_t len, void *arg), void *arg)
{
    static const uint8_t EMPTY[1] = {0}; /* a zero-length message is not NULL */
    while (n > 0) {
        if (d->have_prefix < 5) {
            size_t take = 5 - d->have_prefix < n ? 5 - d->have_prefix : n;
            memcpy(d->prefix + d->have_prefix, data, take);
            d->have_prefix += take;
            data += take;
            n -= take;
            if (d->have_prefix < 5)
                break;
            if (d->prefix[0] & 1)
                return GRPC_UNIMPLEMENTED; /* compressed: no grpc-encoding is accepted */
            if (d->prefix[0] != 0)
                return GRPC_INTERNAL; /* reserved flag bits */
            uint32_t want = (uint32_t)d->prefix[1] << 24 | (uint32_t)d->prefix[2] << 16 |
                            (uint32_t)d->prefix[3] << 8 | (uint32_t)d->prefix[4];
            if (want > d->max)
                return GRPC_RESOURCE_EXHAUSTED; /* before a byte of it is buffered */
            d->want = want;
            d->len = 0;
            if (n >= want) {
                /* The whole message is in this chunk (a unary request's
                 * usually is): handed over where it lies, not copied. */
                fn(want ? data : EMPTY, want, arg);
                data += want;
                n -= want;
                d->want = 0;
                d->have_prefix = 0;
                continue;
            }
        }
        size_t take = d->want - d->len < n ? d->want - d->len : n;
        if (take > 0) {
            size_t cap = deframe_cap(d->len, d->want), need = deframe_cap(d->len + take, d->want);
            if (need > cap || !d->buf) {
                uint8_t *nb = realloc(d->buf, need);
                if (!nb)
                    abort(); /* out of memory is fatal: see README, Operations */
                d->buf = nb;
            }
            memcpy(d->buf + d->len, data, take);
            d->len += take;
            data += take;
            n -= take;
        }
        if (d->len < d->want)
            break;
        /* A whole message: hand it over, then start the next prefix. The
         * buffer is freed between messages, so an idle stream holds none. */
        fn(d->want ? d->buf : EMPTY, d->want, arg);
        deframe_reset(d);
    }
    return GRPC_OK;
}

void grpc_deframer_free(grpc_deframer_t *d)
{
    deframe_reset(d);
}
