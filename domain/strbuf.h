/* A growable string built by printf-style appends. Out of memory aborts,
 * as everywhere in probityd (see README, Operations). */
#ifndef PROBITY_STRBUF_H
#define PROBITY_STRBUF_H

#include <stddef.h>

typedef struct {
    char *s;   /* NUL-terminated once anything was added; owned by the caller */
    size_t len, cap;
} strbuf_t;

void strbuf_printf(strbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends n bytes of s (no NUL among them). */
void strbuf_append(strbuf_t *b, const char *s, size_t n);
/* Room for n more bytes (and the NUL) without another allocation. */
void strbuf_reserve(strbuf_t *b, size_t n);

#endif
