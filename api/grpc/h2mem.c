/* nghttp2's memory. A unary call has nghttp2 make and free about twenty
 * small objects (its stream, the frames queued, the copies of the response's
 * header fields), and the pool hands calls back in batches, so the same
 * sizes are taken and given back sixteen at a time: more than glibc's
 * per-thread cache holds (seven a size), so most of them went through
 * malloc's locked paths. Here a freed block goes on a list for its size
 * class and is given out again as is. Every session runs on the server's
 * loop thread, so the lists need no lock. Blocks over the largest class go
 * to malloc; a list keeps a bounded number of blocks, so a burst of
 * connections does not pin its peak forever. Under AddressSanitizer nothing
 * is kept, so a use after free in or around nghttp2 is still caught. */
#include "h2mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CLASS_BYTES 64
#define NCLASSES 16  /* blocks up to 1 KiB */
#define KEEP_MAX 256 /* blocks a list keeps: 2.2 MiB over all classes at most */

#if defined(__SANITIZE_ADDRESS__)
#define KEEP 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEEP 0
#endif
#endif
#ifndef KEEP
#define KEEP KEEP_MAX
#endif

/* In front of every block: its size, and on a list the next block. The
 * union keeps what follows aligned as malloc's own blocks are. */
typedef union block {
    struct {
        size_t size;        /* what the block holds: its class's size, or the size asked */
        union block *next;  /* on a list */
    } h;
    max_align_t align;
} block_t;

static struct {
    block_t *head;
    size_t n;
} LISTS[NCLASSES];

/* The class of a request of n bytes, or NCLASSES when it is too large. */
static size_t class_of(size_t n)
{
    return n == 0 ? 0 : (n - 1) / CLASS_BYTES < NCLASSES ? (n - 1) / CLASS_BYTES : NCLASSES;
}

static void *h2_malloc(size_t n, void *user)
{
    (void)user;
    size_t c = class_of(n);
    block_t *b;
    if (c < NCLASSES && LISTS[c].head) {
        b = LISTS[c].head;
        LISTS[c].head = b->h.next;
        LISTS[c].n--;
        return b + 1;
    }
    size_t size = c < NCLASSES ? (c + 1) * CLASS_BYTES : n;
    b = malloc(sizeof *b + size);
    if (!b)
        return NULL;
    b->h.size = size;
    return b + 1;
}

static void h2_free(void *p, void *user)
{
    (void)user;
    if (!p)
        return;
    block_t *b = (block_t *)p - 1;
    size_t c = class_of(b->h.size);
    if (c < NCLASSES && LISTS[c].n < KEEP) {
        b->h.next = LISTS[c].head;
        LISTS[c].head = b;
        LISTS[c].n++;
        return;
    }
    free(b);
}

static void *h2_calloc(size_t nmemb, size_t size, void *user)
{
    if (size && nmemb > SIZE_MAX / size)
        return NULL;
    void *p = h2_malloc(nmemb * size, user);
    if (p)
        memset(p, 0, nmemb * size);
    return p;
}

static void *h2_realloc(void *p, size_t n, void *user)
{
    if (!p)
        return h2_malloc(n, user);
    size_t have = ((block_t *)p - 1)->h.size;
    if (n <= have && class_of(n) == class_of(have))
        return p;
    void *q = h2_malloc(n, user);
    if (!q)
        return NULL; /* p stays valid, as realloc leaves it */
    memcpy(q, p, n < have ? n : have);
    h2_free(p, user);
    return q;
}

nghttp2_mem *h2mem(void)
{
    static nghttp2_mem MEM = {NULL, h2_malloc, h2_free, h2_calloc, h2_realloc};
    return &MEM;
}

void h2mem_trim(void)
{
    for (size_t c = 0; c < NCLASSES; c++) {
        while (LISTS[c].head) {
            block_t *b = LISTS[c].head;
            LISTS[c].head = b->h.next;
            free(b);
        }
        LISTS[c].n = 0;
    }
}

size_t h2mem_kept(void)
{
    size_t n = 0;
    for (size_t c = 0; c < NCLASSES; c++)
        n += LISTS[c].n;
    return n;
}
