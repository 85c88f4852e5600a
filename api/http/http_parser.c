/* Strict request-head parsing: tokens per RFC 9110 §5.6.2, no obsolete line
 * folding, no whitespace before the colon (a smuggling vector), CRLF line
 * ends (a bare LF is tolerated as RFC 9112 §2.2 permits). */
#include "http_parser.h"

#include <string.h>
#include <strings.h>

static bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool http_token_ok(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!is_tchar((unsigned char)*s))
            return false;
    return true;
}

bool http_target_ok(const char *s)
{
    if (s[0] != '/')
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

bool http_field_value_ok(const char *s)
{
    for (; *s; s++)
        if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
            return false;
    return true;
}

/* Returns the end of the line starting at p (pointing at CR or LF), or NULL. */
static char *line_end(char *start, char *end)
{
    for (char *p = start; p < end; p++)
        if (*p == '\n')
            return (p > start && p[-1] == '\r') ? p - 1 : p;
    return NULL;
}

http_parse_result_t http_parse_head(char *buf, size_t len, http_head_t *out)
{
    char *p = buf, *end = buf + len;
    memset(out, 0, sizeof *out);
    /* The parse below works on C strings: a NUL anywhere would silently cut
     * a field short, so it is refused up front (RFC 9110 §5.5). */
    if (memchr(buf, '\0', len))
        return HP_BAD_REQUEST;
    /* RFC 9112 §2.2: ignore at least one empty line before the request line. */
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    char *eol = line_end(p, end);
    if (!eol || eol == p)
        return HP_BAD_REQUEST;
    char *nl = *eol == '\r' ? eol + 1 : eol;
    if (nl >= end || *nl != '\n')
        return HP_BAD_REQUEST;
    *eol = '\0';

    /* method SP target SP HTTP/1.x */
    char *sp1 = strchr(p, ' ');
    if (!sp1 || sp1 == p)
        return HP_BAD_REQUEST;
    *sp1 = '\0';
    if (!http_token_ok(p))
        return HP_BAD_REQUEST;
    char *target = sp1 + 1;
    char *sp2 = strchr(target, ' ');
    if (!sp2)
        return HP_BAD_REQUEST;
    *sp2 = '\0';
    if (!http_target_ok(target))
        return HP_BAD_REQUEST;
    const char *ver = sp2 + 1;
    if (strncmp(ver, "HTTP/", 5) != 0)
        return HP_BAD_REQUEST;
    if (strcmp(ver + 5, "1.1") == 0)
        out->minor_version = 1;
    else if (strcmp(ver + 5, "1.0") == 0)
        out->minor_version = 0;
    else
        return HP_BAD_VERSION;
    out->method = p;
    out->target = target;

    for (p = nl + 1; p < end;) {
        eol = line_end(p, end);
        if (!eol)
            return HP_BAD_REQUEST;
        nl = *eol == '\r' ? eol + 1 : eol;
        if (nl >= end || *nl != '\n')
            return HP_BAD_REQUEST;
        if (eol == p) /* the empty line ending the head */
            return HP_OK;
        *eol = '\0';
        char *colon = strchr(p, ':');
        if (!colon || colon == p)
            return HP_BAD_REQUEST;
        *colon = '\0';
        if (!http_token_ok(p))
            return HP_BAD_REQUEST;
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        char *ve = v + strlen(v);
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            *--ve = '\0';
        if (!http_field_value_ok(v))
            return HP_BAD_REQUEST;
        if (out->nheaders == HTTP_MAX_HEADERS)
            return HP_TOO_MANY;
        out->headers[out->nheaders].name = p;
        out->headers[out->nheaders].value = v;
        out->nheaders++;
        p = nl + 1;
    }
    return HP_BAD_REQUEST; /* no terminating empty line */
}

const char *http_head_get(const http_head_t *h, const char *name)
{
    for (size_t i = 0; i < h->nheaders; i++)
        if (strcasecmp(h->headers[i].name, name) == 0)
            return h->headers[i].value;
    return NULL;
}

size_t http_head_count(const http_head_t *h, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < h->nheaders; i++)
        n += strcasecmp(h->headers[i].name, name) == 0;
    return n;
}
