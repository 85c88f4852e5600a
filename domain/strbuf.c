/* Growable strings. */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_printf(strbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            abort();
        if (b->s && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        b->cap = (b->cap + (size_t)n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s)
            abort();
        if (b->len == 0)
            b->s[0] = '\0';
    }
}

void strbuf_reserve(strbuf_t *b, size_t n)
{
    if (b->s && b->cap - b->len > n)
        return;
    b->cap = b->len + n + 1;
    b->s = realloc(b->s, b->cap);
    if (!b->s)
        abort();
    b->s[b->len] = '\0';
}

void strbuf_append(strbuf_t *b, const char *s, size_t n)
{
    if (!b->s || b->cap - b->len <= n) {
        b->cap = (b->cap + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s)
            abort();
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}
