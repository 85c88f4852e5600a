/* Reading JSON text for pbwire (pbwire_internal.h): RFC 8259 as Jansson
 * reads it, strictly, without building anything: strings (escapes decoded,
 * UTF-8 checked), numbers, literals, and containers with a depth limit. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pbwire_internal.h"

bool pw_literal(pw_t *w, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(w->end - w->p) < n || memcmp(w->p, word, n) != 0)
        return false;
    w->p += n;
    return true;
}

/* The length of the valid UTF-8 sequence at p (as Jansson checks it: no
 * overlong form, no surrogate, nothing past U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return 0;
    if (c < 0xE0) {
        n = 2;
    } else if (c < 0xF0) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c < 0xF5) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return n;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v << 4 | d;
    }
    return v;
}

static void tmp_put(pw_t *w, size_t *n, const void *s, size_t k)
{
    if (k == 0)
        return;
    if (*n + k > w->tmpcap) {
        size_t cap = w->tmpcap ? w->tmpcap : 128;
        while (cap < *n + k)
            cap *= 2;
        w->tmp = realloc(w->tmp, cap);
        if (!w->tmp)
            abort();
        w->tmpcap = cap;
    }
    memcpy(w->tmp + *n, s, k);
    *n += k;
}

/* An escape after the backslash at w->p, decoded into tmp; false for an
 * invalid one, a lone surrogate, or \u0000: pbjson_decode refuses a NUL in
 * a string and Jansson in a key, so no string read here holds one. */
static bool escape(pw_t *w, size_t *n)
{
    static const char FROM[] = "\"\\/bfnrt", TO[] = "\"\\/\b\f\n\r\t";
    if (w->end - w->p < 2)
        return false;
    char e = w->p[1];
    const char *k = e ? strchr(FROM, e) : NULL;
    if (k) {
        tmp_put(w, n, &TO[k - FROM], 1);
        w->p += 2;
        return true;
    }
    if (e != 'u' || w->end - w->p < 6)
        return false;
    int u = hex4(w->p + 2);
    w->p += 6;
    if (u <= 0 || (u >= 0xDC00 && u <= 0xDFFF))
        return false;
    uint32_t cp = (uint32_t)u;
    if (u >= 0xD800 && u <= 0xDBFF) {
        if (w->end - w->p < 6 || w->p[0] != '\\' || w->p[1] != 'u')
            return false;
        int lo = hex4(w->p + 2);
        if (lo < 0xDC00 || lo > 0xDFFF)
            return false;
        w->p += 6;
        cp = 0x10000 + (((uint32_t)u - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
    }
    uint8_t b[4];
    size_t bn;
    if (cp < 0x80) {
        b[0] = (uint8_t)cp;
        bn = 1;
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xC0 | cp >> 6);
        b[1] = (uint8_t)(0x80 | (cp & 0x3F));
        bn = 2;
    } else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xE0 | cp >> 12);
        b[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        b[2] = (uint8_t)(0x80 | (cp & 0x3F));
        bn = 3;
    } else {
        b[0] = (uint8_t)(0xF0 | cp >> 18);
        b[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
        b[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        b[3] = (uint8_t)(0x80 | (cp & 0x3F));
        bn = 4;
    }
    tmp_put(w, n, b, bn);
    return true;
}

/* Eight bytes at a time (SWAR): nonzero when a byte of x is '"', '\\',
 * below 0x20 or above 0x7F. The zero-byte tests may also mark a byte
 * above a marked one, never miss one: the caller then goes byte by byte. */
static uint64_t special8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t quote = x ^ (ones * '"'), bslash = x ^ (ones * '\\');
    uint64_t ctl = (x - ones * 0x20) & ~x;
    return (((quote - ones) & ~quote) | ((bslash - ones) & ~bslash) | ctl | x) & highs;
}

/* Where the run of plain ASCII (no quote, backslash or control) from p
 * ends: strings are most of a row's text. */
static const char *plain_run(const char *p, const char *end)
{
    uint64_t x;
    while (end - p >= 8 && (memcpy(&x, p, 8), special8(x) == 0))
        p += 8;
    while (p < end && (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x80 && *p != '"' &&
           *p != '\\')
        p++;
    return p;
}

bool pw_string(pw_t *w, const char **s, size_t *n)
{
    if (!pw_at(w, '"'))
        return false;
    const char *start = ++w->p;
    bool escaped = false;
    size_t tn = 0;
    const char *run = start; /* the part not yet copied to tmp */
    while (w->p < w->end) {
        unsigned char c = (unsigned char)*w->p;
        if (c == '"') {
            if (escaped) {
                tmp_put(w, &tn, run, (size_t)(w->p - run));
                *s = w->tmp;
                *n = tn;
            } else {
                *s = start;
                *n = (size_t)(w->p - start);
            }
            w->p++;
            return true;
        }
        if (c == '\\') {
            if (!escaped)
                escaped = true;
            tmp_put(w, &tn, run, (size_t)(w->p - run));
            if (!escape(w, &tn))
                return false;
            run = w->p;
            continue;
        }
        if (c < 0x20)
            return false;
        if (c < 0x80) { /* the common case: a run of plain ASCII */
            w->p = plain_run(w->p + 1, w->end);
            continue;
        }
        size_t k = utf8_seq((const unsigned char *)w->p, (const unsigned char *)w->end);
        if (!k)
            return false;
        w->p += k;
    }
    return false;
}

static bool digits(pw_t *w)
{
    const char *s = w->p;
    while (w->p < w->end && *w->p >= '0' && *w->p <= '9')
        w->p++;
    return w->p > s;
}

bool pw_number(pw_t *w, pw_num_t *n)
{
    const char *s = w->p;
    bool neg = pw_at(w, '-');
    if (neg)
        w->p++;
    if (pw_at(w, '0'))
        w->p++;
    else if (w->p >= w->end || *w->p < '1' || *w->p > '9' || !digits(w))
        return false;
    n->real = false;
    if (pw_at(w, '.')) {
        w->p++;
        if (!digits(w))
            return false;
        n->real = true;
    }
    if (pw_at(w, 'e') || pw_at(w, 'E')) {
        w->p++;
        if (pw_at(w, '+') || pw_at(w, '-'))
            w->p++;
        if (!digits(w))
            return false;
        n->real = true;
    }
    n->text = s;
    n->len = (size_t)(w->p - s);
    if (n->real)
        return true;
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (const char *d = s + neg; d < w->p; d++) {
        unsigned dv = (unsigned)(*d - '0');
        if (v > (limit - dv) / 10)
            return false;
        v = v * 10 + dv;
    }
    n->i = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

bool pw_number_double(pw_t *w, double *out)
{
    pw_num_t n;
    if (!pw_number(w, &n))
        return false;
    if (!n.real) {
        *out = (double)n.i;
        return true;
    }
    char buf[64];
    if (n.len >= sizeof buf)
        return false;
    memcpy(buf, n.text, n.len);
    buf[n.len] = '\0';
    errno = 0;
    *out = strtod(buf, NULL);
    return !(errno == ERANGE && isinf(*out));
}

bool pw_open(pw_t *w, char open, char close, bool *empty)
{
    if (!pw_at(w, open) || ++w->depth > PW_MAX_DEPTH)
        return false;
    w->p++;
    pw_ws(w);
    *empty = pw_at(w, close);
    if (*empty) {
        w->p++;
        w->depth--;
    }
    return true;
}

bool pw_next(pw_t *w, char close, bool *ok)
{
    pw_ws(w);
    if (pw_at(w, ',')) {
        w->p++;
        pw_ws(w);
        return true;
    }
    *ok = pw_at(w, close);
    if (*ok) {
        w->p++;
        w->depth--;
    }
    return false;
}

bool pw_colon(pw_t *w)
{
    pw_ws(w);
    if (!pw_at(w, ':'))
        return false;
    w->p++;
    pw_ws(w);
    return true;
}

bool pw_key(pw_t *w, const char **s, size_t *n)
{
    return pw_string(w, s, n) && pw_colon(w);
}

/* Checks a container's items (an object's "key": value) up to its end. */
static bool skip_container(pw_t *w, char open, char close)
{
    bool empty, ok = false;
    if (!pw_open(w, open, close, &empty))
        return false;
    if (empty)
        return true;
    do {
        const char *s;
        size_t n;
        if (open == '{' && !pw_key(w, &s, &n))
            return false;
        if (!pw_skip_value(w))
            return false;
    } while (pw_next(w, close, &ok));
    return ok;
}

bool pw_skip_value(pw_t *w)
{
    pw_ws(w);
    if (w->p >= w->end)
        return false;
    const char *s;
    size_t n;
    pw_num_t num;
    switch (*w->p) {
    case '"':
        return pw_string(w, &s, &n);
    case '{':
        return skip_container(w, '{', '}');
    case '[':
        return skip_container(w, '[', ']');
    case 't':
        return pw_literal(w, "true");
    case 'f':
        return pw_literal(w, "false");
    case 'n':
        return pw_literal(w, "null");
    default:
        return pw_number(w, &num);
    }
}
