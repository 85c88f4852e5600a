/* Content negotiation by Accept (RFC 9110 §12.5.1). */
#include "negotiate.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Accept (RFC 9110 §12.5.1), walked one media range at a time. */
typedef struct {
    const char *p;
} accept_iter_t;

typedef struct {
    const char *type;
    size_t len;  /* a type, a type with any subtype, or any type */
    int q;       /* thousandths; -1 when the range is malformed */
} media_range_t;

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* A qvalue: "0" ["." 0*3DIGIT] or "1" ["." 0*3"0"], as thousandths; -1 if not. */
static int parse_q(const char *v, size_t n)
{
    if (n == 0 || (v[0] != '0' && v[0] != '1') || (n > 1 && v[1] != '.') || n > 5)
        return -1;
    int q = (v[0] - '0') * 1000, scale = 100;
    for (size_t i = 2; i < n; i++, scale /= 10) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        q += (v[i] - '0') * scale;
    }
    return q > 1000 ? -1 : q;
}

/* The next range; false at the end. Quoted parameter values may hold
 * commas and semicolons, so the walk honours quotes. */
static bool next_range(accept_iter_t *it, media_range_t *out)
{
    const char *p = it->p;
    while (*p == ',' || is_ows(*p))
        p++;
    if (!*p)
        return false;
    out->type = p;
    while (*p && *p != ',' && *p != ';' && !is_ows(*p))
        p++;
    out->len = (size_t)(p - out->type);
    out->q = 1000;
    if (!memchr(out->type, '/', out->len))
        out->q = -1;
    while (*p && *p != ',') {
        while (is_ows(*p) || *p == ';')
            p++;
        const char *name = p;
        while (*p && *p != '=' && *p != ',' && *p != ';' && !is_ows(*p))
            p++;
        size_t nl = (size_t)(p - name);
        const char *val = NULL;
        size_t vl = 0;
        if (*p == '=') {
            val = ++p;
            if (*p == '"') {
                for (p++; *p && *p != '"'; p++)
                    if (*p == '\\' && p[1])
                        p++;
                if (*p == '"')
                    p++;
            } else {
                while (*p && *p != ',' && *p != ';' && !is_ows(*p))
                    p++;
            }
            vl = (size_t)(p - val);
        }
        if (nl == 1 && (name[0] == 'q' || name[0] == 'Q'))
            out->q = out->q < 0 || !val ? -1 : parse_q(val, vl);
        while (is_ows(*p))
            p++;
        if (*p && *p != ',' && *p != ';' && nl == 0)
            p++; /* a stray character: skip it rather than loop */
    }
    it->p = p;
    return true;
}

/* How specifically a range names media type m: 3 exactly, 2 by its type
 * ("text/" "*"), 1 by "*" "/" "*", 0 not at all. */
static int specificity(const media_range_t *r, const char *m)
{
    size_t ml = strlen(m), tl = (size_t)(strchr(m, '/') - m);
    if (r->len == ml && strncasecmp(r->type, m, ml) == 0)
        return 3;
    if (r->len == tl + 2 && strncasecmp(r->type, m, tl + 1) == 0 && r->type[tl + 1] == '*')
        return 2;
    return r->len == 3 && memcmp(r->type, "*" "/" "*", 3) == 0 ? 1 : 0;
}

int http_negotiate(const char *accept, const char *const *media, int n)
{
    if (!accept)
        return 0;
    int best = -1, best_q = 0;
    for (int f = 0; f < n; f++) {
        accept_iter_t it = {accept};
        media_range_t r;
        int spec = 0, q = 0;
        while (next_range(&it, &r)) {
            int s = r.q < 0 ? 0 : specificity(&r, media[f]);
            if (s > spec || (s == spec && s > 0 && r.q > q)) {
                spec = s;
                q = r.q;
            }
        }
        if (q > best_q) {
            best = f;
            best_q = q;
        }
    }
    return best;
}

