/* libFuzzer target: the HTTP/1.1 request-head parser. On HP_OK, the request
 * line and every header field must point into the buffer, be NUL-terminated
 * there, and respect the grammar the parser enforces (token names, no CR/LF
 * or NUL in values, no surrounding whitespace). Aborts otherwise. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/http/http_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t i)
{
    fprintf(stderr, "http_parse_head: %s (header %zu)\n", what, i);
    abort();
}

/* s lies in [buf, buf + len) and its NUL comes before the end. */
static void check_inside(const char *buf, size_t len, const char *s, const char *what, size_t i)
{
    if (!s || s < buf || s >= buf + len)
        fail(what, i);
    if (!memchr(s, '\0', (size_t)(buf + len - s)))
        fail(what, i);
}

static bool is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size heap copy: the parser writes NULs into it, and ASan sees
     * any access past its end. */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        abort();
    memcpy(buf, data, size);

    http_head_t h;
    http_parse_result_t r = http_parse_head(buf, size, &h);
    switch (r) {
    case HP_OK:
        break;
    case HP_BAD_REQUEST:
    case HP_BAD_VERSION:
    case HP_TOO_MANY:
        free(buf);
        return 0;
    default:
        fail("unknown result", (size_t)r);
    }

    check_inside(buf, size, h.method, "method outside the buffer", 0);
    check_inside(buf, size, h.target, "target outside the buffer", 0);
    if (!h.method[0])
        fail("empty method", 0);
    for (const char *m = h.method; *m; m++)
        if (!is_tchar((unsigned char)*m))
            fail("method is not a token", 0);
    if (h.target[0] != '/')
        fail("target not in origin-form", 0);
    for (const char *t = h.target; *t; t++)
        if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
            fail("whitespace or control in the target", 0);
    if (h.minor_version != 0 && h.minor_version != 1)
        fail("minor version", 0);
    if (h.nheaders > HTTP_MAX_HEADERS)
        fail("more headers than HTTP_MAX_HEADERS", h.nheaders);

    for (size_t i = 0; i < h.nheaders; i++) {
        const char *name = h.headers[i].name, *value = h.headers[i].value;
        check_inside(buf, size, name, "name outside the buffer", i);
        check_inside(buf, size, value, "value outside the buffer", i);
        if (!name[0])
            fail("empty name", i);
        for (const char *c = name; *c; c++)
            if (!is_tchar((unsigned char)*c))
                fail("name is not a token", i);
        size_t vl = strlen(value);
        if (vl &&
            (value[0] == ' ' || value[0] == '\t' || value[vl - 1] == ' ' || value[vl - 1] == '\t'))
            fail("value not trimmed", i);
        for (const char *c = value; *c; c++)
            if ((*c != '\t' && (unsigned char)*c < 0x20) || *c == 0x7f)
                fail("control character in a value", i);
        /* Lookup finds the first field of that name, case-insensitively. */
        if (!http_head_get(&h, name) || http_head_count(&h, name) == 0)
            fail("lookup misses a parsed field", i);
    }
    free(buf);
    return 0;
}
