/* JSON text to protobuf wire bytes (pbwire.h). An object's fields are
 * written in the descriptor's order, as protobuf_c_message_pack writes
 * them, so the bytes are the same: in one pass when its members come in
 * that order (REST's rows do), else in two (the first finds each member's
 * field and checks the text, the second writes). A length-delimited field gets one byte
 * for its length and is moved when the length needs more.
 *
 * What is written follows protobuf-c's packing of the message pbjson_decode
 * would make: a proto3 scalar at its default (0, "", false) is left out, a
 * oneof member or a message is written whenever present, a packed repeated
 * field is one length-delimited run. Anything else is declined (false) and
 * the caller takes pbjson_decode's way. */
#include "pbwire.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbjson.h"
#include "pbjson_internal.h"

enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_FIXED32 = 5 };
enum { MAX_DEPTH = 32, MAX_FIELDS = 128, MAX_KEYS = 256 };

/* google.protobuf.Value's members (struct.proto), by number. */
enum { V_NULL = 1, V_NUMBER = 2, V_STRING = 3, V_BOOL = 4, V_STRUCT = 5, V_LIST = 6 };

typedef struct {
    const char *p, *end; /* the text not yet read */
    uint8_t *buf;        /* the bytes written */
    size_t len, cap;
    char *tmp; /* a string with escapes, decoded */
    size_t tmpcap;
    int depth;
} pw_t;

/* ------------------------------------------------------------- output */

static void reserve(pw_t *w, size_t n)
{
    if (w->len + n <= w->cap)
        return;
    size_t cap = w->cap ? w->cap : 256;
    while (cap < w->len + n)
        cap *= 2;
    w->buf = realloc(w->buf, cap);
    if (!w->buf)
        abort();
    w->cap = cap;
}

static void put(pw_t *w, const void *s, size_t n)
{
    reserve(w, n);
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static void put_byte(pw_t *w, uint8_t b)
{
    reserve(w, 1);
    w->buf[w->len++] = b;
}

static size_t varint(uint8_t out[10], uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

static void put_varint(pw_t *w, uint64_t v)
{
    if (v < 0x80) {
        put_byte(w, (uint8_t)v);
        return;
    }
    uint8_t b[10];
    put(w, b, varint(b, v));
}

static void put_le(pw_t *w, uint64_t v, size_t n)
{
    uint8_t b[8];
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    put(w, b, n);
}

static void put_tag(pw_t *w, uint32_t id, int wt)
{
    put_varint(w, (uint64_t)id << 3 | (uint64_t)wt);
}

/* Starts a length-delimited field; returns where its content starts. */
static size_t open_len(pw_t *w, uint32_t id)
{
    put_tag(w, id, WT_LEN);
    put_byte(w, 0); /* the length, when it fits one byte */
    return w->len;
}

static void close_len(pw_t *w, size_t start)
{
    size_t n = w->len - start;
    if (n < 0x80) {
        w->buf[start - 1] = (uint8_t)n;
        return;
    }
    uint8_t v[10];
    size_t vn = varint(v, n);
    if (vn > 1) {
        reserve(w, vn - 1);
        memmove(w->buf + start + vn - 1, w->buf + start, n);
        w->len += vn - 1;
    }
    memcpy(w->buf + start - 1, v, vn);
}

/* ------------------------------------------------------------- JSON */

static void ws(pw_t *w)
{
    while (w->p < w->end && (*w->p == ' ' || *w->p == '\t' || *w->p == '\n' || *w->p == '\r'))
        w->p++;
}

static bool at(const pw_t *w, char c)
{
    return w->p < w->end && *w->p == c;
}

static bool literal(pw_t *w, const char *word)
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

/* The string at w->p (its opening quote): its bytes in *s, *n (the text
 * itself when it has no escape, else tmp, good until the next string). */
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

static bool string(pw_t *w, const char **s, size_t *n)
{
    if (!at(w, '"'))
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

typedef struct {
    bool real;
    int64_t i;
    const char *text; /* the token */
    size_t len;
} num_t;

static bool digits(pw_t *w)
{
    const char *s = w->p;
    while (w->p < w->end && *w->p >= '0' && *w->p <= '9')
        w->p++;
    return w->p > s;
}

/* A JSON number; an integer must fit int64_t (Jansson refuses a larger
 * one). */
static bool number(pw_t *w, num_t *n)
{
    const char *s = w->p;
    bool neg = at(w, '-');
    if (neg)
        w->p++;
    if (at(w, '0'))
        w->p++;
    else if (w->p >= w->end || *w->p < '1' || *w->p > '9' || !digits(w))
        return false;
    n->real = false;
    if (at(w, '.')) {
        w->p++;
        if (!digits(w))
            return false;
        n->real = true;
    }
    if (at(w, 'e') || at(w, 'E')) {
        w->p++;
        if (at(w, '+') || at(w, '-'))
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

/* A number as Jansson reads it: an integer token converted, a real one by
 * strtod, refused on overflow. */
static bool number_double(pw_t *w, double *out)
{
    num_t n;
    if (!number(w, &n))
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

static bool skip_value(pw_t *w);

/* Checks a container's members (objects: "key": value) up to its end. */
static bool skip_container(pw_t *w, char close, bool object)
{
    if (++w->depth > MAX_DEPTH)
        return false;
    w->p++;
    ws(w);
    if (at(w, close)) {
        w->p++;
        w->depth--;
        return true;
    }
    for (;;) {
        ws(w);
        if (object) {
            const char *s;
            size_t n;
            if (!string(w, &s, &n))
                return false;
            ws(w);
            if (!at(w, ':'))
                return false;
            w->p++;
        }
        if (!skip_value(w))
            return false;
        ws(w);
        if (at(w, ',')) {
            w->p++;
            continue;
        }
        if (!at(w, close))
            return false;
        w->p++;
        w->depth--;
        return true;
    }
}

/* Checks one value and steps over it. */
static bool skip_value(pw_t *w)
{
    ws(w);
    if (w->p >= w->end)
        return false;
    const char *s;
    size_t n;
    num_t num;
    switch (*w->p) {
    case '"':
        return string(w, &s, &n);
    case '{':
        return skip_container(w, '}', true);
    case '[':
        return skip_container(w, ']', false);
    case 't':
        return literal(w, "true");
    case 'f':
        return literal(w, "false");
    case 'n':
        return literal(w, "null");
    default:
        return number(w, &num);
    }
}

/* ------------------------------------------------------------- messages */

static bool emit_message(pw_t *w, const ProtobufCMessageDescriptor *d, const char *rename_from,
                         const char *rename_to);
static bool emit_value(pw_t *w);

/* A Struct's members as its map entries, in the text's order (as Jansson
 * keeps them); a key named twice is declined. */
static bool emit_struct(pw_t *w)
{
    if (!at(w, '{') || ++w->depth > MAX_DEPTH)
        return false;
    w->p++;
    ws(w);
    const char *keys[MAX_KEYS];
    size_t keylen[MAX_KEYS], nkeys = 0;
    if (at(w, '}')) {
        w->p++;
        w->depth--;
        return true;
    }
    for (;;) {
        ws(w);
        if (!at(w, '"') || nkeys == MAX_KEYS)
            return false;
        const char *raw = w->p + 1, *s;
        size_t n;
        if (!string(w, &s, &n) || s != raw) /* a key with an escape: the general way */
            return false;
        for (size_t i = 0; i < nkeys; i++)
            if (keylen[i] == n && memcmp(keys[i], s, n) == 0)
                return false;
        keys[nkeys] = s;
        keylen[nkeys++] = n;
        ws(w);
        if (!at(w, ':'))
            return false;
        w->p++;
        ws(w);
        size_t entry = open_len(w, 1);
        if (n) {
            size_t k = open_len(w, 1);
            put(w, s, n);
            close_len(w, k);
        }
        size_t v = open_len(w, 2);
        if (!emit_value(w))
            return false;
        close_len(w, v);
        close_len(w, entry);
        ws(w);
        if (at(w, ',')) {
            w->p++;
            continue;
        }
        if (!at(w, '}'))
            return false;
        w->p++;
        w->depth--;
        return true;
    }
}

static bool emit_list(pw_t *w)
{
    if (!at(w, '[') || ++w->depth > MAX_DEPTH)
        return false;
    w->p++;
    ws(w);
    if (at(w, ']')) {
        w->p++;
        w->depth--;
        return true;
    }
    for (;;) {
        ws(w);
        size_t v = open_len(w, 1);
        if (!emit_value(w))
            return false;
        close_len(w, v);
        ws(w);
        if (at(w, ',')) {
            w->p++;
            continue;
        }
        if (!at(w, ']'))
            return false;
        w->p++;
        w->depth--;
        return true;
    }
}

/* A google.protobuf.Value's content: any JSON. */
static bool emit_value(pw_t *w)
{
    if (w->p >= w->end)
        return false;
    const char *s;
    size_t n, at_;
    double d;
    uint64_t bits;
    switch (*w->p) {
    case 'n':
        put_tag(w, V_NULL, WT_VARINT);
        put_varint(w, 0);
        return literal(w, "null");
    case 't':
        put_tag(w, V_BOOL, WT_VARINT);
        put_varint(w, 1);
        return literal(w, "true");
    case 'f':
        put_tag(w, V_BOOL, WT_VARINT);
        put_varint(w, 0);
        return literal(w, "false");
    case '"':
        if (!string(w, &s, &n))
            return false;
        at_ = open_len(w, V_STRING);
        put(w, s, n);
        close_len(w, at_);
        return true;
    case '{':
        at_ = open_len(w, V_STRUCT);
        if (!emit_struct(w))
            return false;
        close_len(w, at_);
        return true;
    case '[':
        at_ = open_len(w, V_LIST);
        if (!emit_list(w))
            return false;
        close_len(w, at_);
        return true;
    default:
        if (!number_double(w, &d))
            return false;
        memcpy(&bits, &d, sizeof bits);
        put_tag(w, V_NUMBER, WT_FIXED64);
        put_le(w, bits, 8);
        return true;
    }
}

/* An integer field's value within its type's range (as pbjson_decode
 * checks it; a whole number written as a real is declined). */
static bool int_value(pw_t *w, ProtobufCType t, int64_t *v)
{
    num_t n;
    if (!number(w, &n) || n.real)
        return false;
    *v = n.i;
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return n.i >= INT32_MIN && n.i <= INT32_MAX;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return n.i >= 0 && n.i <= (int64_t)UINT32_MAX;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return n.i >= 0;
    default:
        return true;
    }
}

static int wire_type(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FIXED32:
        return WT_FIXED32;
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_FIXED64:
        return WT_FIXED64;
    default:
        return WT_VARINT;
    }
}

/* An integer or bool as its wire value, no tag. */
static void put_int(pw_t *w, ProtobufCType t, int64_t v)
{
    switch (t) {
    case PROTOBUF_C_TYPE_SINT32:
        put_varint(w, (uint32_t)(((uint32_t)v << 1) ^ (uint32_t)((int32_t)v >> 31)));
        break;
    case PROTOBUF_C_TYPE_SINT64:
        put_varint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
        break;
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FIXED32:
        put_le(w, (uint32_t)v, 4);
        break;
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_FIXED64:
        put_le(w, (uint64_t)v, 8);
        break;
    case PROTOBUF_C_TYPE_UINT32:
        put_varint(w, (uint32_t)v);
        break;
    default: /* int32 (sign-extended, as protobuf-c does), int64, uint64, bool */
        put_varint(w, (uint64_t)v);
        break;
    }
}

static bool is_int(ProtobufCType t)
{
    return t != PROTOBUF_C_TYPE_BOOL && t != PROTOBUF_C_TYPE_STRING &&
           t != PROTOBUF_C_TYPE_BYTES && t != PROTOBUF_C_TYPE_MESSAGE &&
           t != PROTOBUF_C_TYPE_ENUM && t != PROTOBUF_C_TYPE_FLOAT &&
           t != PROTOBUF_C_TYPE_DOUBLE;
}

/* A scalar's value, no tag, for a packed run. */
static bool packed_item(pw_t *w, const ProtobufCFieldDescriptor *f)
{
    int64_t v;
    if (f->type == PROTOBUF_C_TYPE_BOOL) {
        v = literal(w, "true") ? 1 : literal(w, "false") ? 0 : -1;
        if (v < 0)
            return false;
    } else if (!is_int(f->type) || !int_value(w, f->type, &v)) {
        return false;
    }
    put_int(w, f->type, v);
    return true;
}

static bool emit_timestamp(pw_t *w, uint32_t id)
{
    const char *s;
    size_t n;
    char buf[64];
    if (!string(w, &s, &n) || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    int64_t sec;
    int32_t nanos;
    if (!pbjson_parse_timestamp(buf, &sec, &nanos))
        return false;
    size_t at_ = open_len(w, id);
    if (sec) {
        put_tag(w, 1, WT_VARINT);
        put_varint(w, (uint64_t)sec);
    }
    if (nanos) {
        put_tag(w, 2, WT_VARINT);
        put_varint(w, (uint64_t)(int64_t)nanos);
    }
    close_len(w, at_);
    return true;
}

/* One value of f with its tag; keep_default: written even when it is the
 * type's default (a oneof member, an item of a repeated field). */
static bool emit_single(pw_t *w, const ProtobufCFieldDescriptor *f, bool keep_default)
{
    const char *s;
    size_t n, at_;
    int64_t v;
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
        if (!string(w, &s, &n))
            return false;
        if (n || keep_default) {
            at_ = open_len(w, f->id);
            put(w, s, n);
            close_len(w, at_);
        }
        return true;
    case PROTOBUF_C_TYPE_BOOL:
        v = literal(w, "true") ? 1 : literal(w, "false") ? 0 : -1;
        if (v < 0)
            return false;
        if (v || keep_default) {
            put_tag(w, f->id, WT_VARINT);
            put_varint(w, (uint64_t)v);
        }
        return true;
    case PROTOBUF_C_TYPE_MESSAGE:
        switch (pbjson_wkt_of(f->descriptor)) {
        case WKT_TIMESTAMP:
            return emit_timestamp(w, f->id);
        case WKT_VALUE:
            at_ = open_len(w, f->id);
            if (!emit_value(w))
                return false;
            break;
        case WKT_STRUCT:
            at_ = open_len(w, f->id);
            if (!emit_struct(w))
                return false;
            break;
        case WKT_LIST:
            at_ = open_len(w, f->id);
            if (!emit_list(w))
                return false;
            break;
        case WKT_NONE:
            at_ = open_len(w, f->id);
            if (!emit_message(w, f->descriptor, NULL, NULL))
                return false;
            break;
        default: /* Empty, FieldMask */
            return false;
        }
        close_len(w, at_);
        return true;
    default:
        if (!is_int(f->type) || !int_value(w, f->type, &v))
            return false;
        if (v || keep_default) {
            put_tag(w, f->id, wire_type(f->type));
            put_int(w, f->type, v);
        }
        return true;
    }
}

static bool emit_repeated(pw_t *w, const ProtobufCFieldDescriptor *f)
{
    if (!at(w, '['))
        return false;
    w->p++;
    ws(w);
    bool packed = f->flags & PROTOBUF_C_FIELD_FLAG_PACKED;
    size_t before = w->len, run = packed ? open_len(w, f->id) : 0;
    size_t count = 0;
    if (!at(w, ']')) {
        for (;;) {
            ws(w);
            if (at(w, 'n')) /* a null item has no protobuf form */
                return false;
            if (!(packed ? packed_item(w, f) : emit_single(w, f, true)))
                return false;
            count++;
            ws(w);
            if (at(w, ',')) {
                w->p++;
                continue;
            }
            if (!at(w, ']'))
                return false;
            break;
        }
    }
    w->p++;
    if (packed && count)
        close_len(w, run);
    else if (packed)
        w->len = before; /* protobuf-c writes nothing for an empty run */
    return true;
}

static bool emit_field(pw_t *w, const ProtobufCFieldDescriptor *f)
{
    if (at(w, 'n'))
        return literal(w, "null"); /* unset, or left at its default */
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return emit_repeated(w, f);
    if (f->label != PROTOBUF_C_LABEL_NONE) /* proto2 labels: none in these protos */
        return false;
    return emit_single(w, f, (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0);
}

/* A member's key, renamed, and its field of d (NULL when none). The field
 * after the previous one is tried first: REST writes a row's members in the
 * registry's order, which is the message's. */
static bool member_key(pw_t *w, const ProtobufCMessageDescriptor *d, const char *rename_from,
                       const char *rename_to, int prev, const ProtobufCFieldDescriptor **f)
{
    const char *s;
    size_t n;
    char key[64];
    ws(w);
    if (!string(w, &s, &n) || n >= sizeof key)
        return false;
    memcpy(key, s, n);
    key[n] = '\0';
    const char *name = rename_from && strcmp(key, rename_from) == 0 ? rename_to : key;
    const ProtobufCFieldDescriptor *next =
        prev + 1 < (int)d->n_fields ? &d->fields[prev + 1] : NULL;
    *f = next && strcmp(next->name, name) == 0
             ? next
             : protobuf_c_message_descriptor_get_field_by_name(d, name);
    ws(w);
    if (!at(w, ':'))
        return false;
    w->p++;
    ws(w);
    return true;
}

/* After a member: true with more to come, false at the object's end (or
 * on a syntax error, *ok false). */
static bool member_next(pw_t *w, bool *ok)
{
    ws(w);
    if (at(w, ',')) {
        w->p++;
        return true;
    }
    *ok = at(w, '}');
    if (*ok)
        w->p++;
    return false;
}

/* Two present members of one oneof: pbjson_decode refuses them. */
static bool oneofs_ok(const ProtobufCMessageDescriptor *d, const bool *present)
{
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || !present[i])
            continue;
        for (unsigned k = i + 1; k < d->n_fields; k++)
            if (present[k] && (d->fields[k].flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
                d->fields[k].quantifier_offset == f->quantifier_offset)
                return false;
    }
    return true;
}

typedef enum { OBJ_DONE, OBJ_DECLINED, OBJ_OUT_OF_ORDER } obj_result_t;

/* The usual case in one pass: the members come in the descriptor's order,
 * each written as it is read. OBJ_OUT_OF_ORDER at the first member that
 * does not (a duplicate included): the caller starts over in two passes. */
static obj_result_t message_in_order(pw_t *w, const ProtobufCMessageDescriptor *d,
                                     const char *rename_from, const char *rename_to)
{
    bool present[MAX_FIELDS] = {0};
    int prev = -1;
    w->p++;
    ws(w);
    bool ok = true;
    if (at(w, '}'))
        w->p++;
    else
        do {
            const ProtobufCFieldDescriptor *f;
            if (!member_key(w, d, rename_from, rename_to, prev, &f) || !f)
                return OBJ_DECLINED;
            int i = (int)(f - d->fields);
            if (i <= prev)
                return OBJ_OUT_OF_ORDER;
            present[i] = !at(w, 'n');
            if (!emit_field(w, f))
                return OBJ_DECLINED;
            prev = i;
        } while (member_next(w, &ok));
    return ok && oneofs_ok(d, present) ? OBJ_DONE : OBJ_DECLINED;
}

/* Any order: the first pass finds each member's field and checks its
 * value, the second writes them in the descriptor's order. */
static bool message_two_pass(pw_t *w, const ProtobufCMessageDescriptor *d, const char *rename_from,
                             const char *rename_to)
{
    const char *val[MAX_FIELDS] = {0};
    bool present[MAX_FIELDS] = {0};
    w->p++;
    ws(w);
    bool ok = true;
    if (at(w, '}'))
        w->p++;
    else
        do {
            const ProtobufCFieldDescriptor *f;
            if (!member_key(w, d, rename_from, rename_to, -1, &f) || !f || val[f - d->fields])
                return false;
            val[f - d->fields] = w->p;
            present[f - d->fields] = !at(w, 'n');
            if (!skip_value(w))
                return false;
        } while (member_next(w, &ok));
    if (!ok || !oneofs_ok(d, present))
        return false;
    const char *after = w->p;
    for (unsigned i = 0; i < d->n_fields; i++) {
        if (!val[i])
            continue;
        w->p = val[i];
        if (!emit_field(w, &d->fields[i]))
            return false;
    }
    w->p = after;
    return true;
}

/* An object as a message of type d, its fields in the descriptor's order
 * (protobuf_c_message_pack's). */
static bool emit_message(pw_t *w, const ProtobufCMessageDescriptor *d, const char *rename_from,
                         const char *rename_to)
{
    if (!at(w, '{') || d->n_fields > MAX_FIELDS || ++w->depth > MAX_DEPTH)
        return false;
    const char *obj = w->p;
    size_t mark = w->len;
    int depth = w->depth;
    obj_result_t r = message_in_order(w, d, rename_from, rename_to);
    if (r == OBJ_OUT_OF_ORDER) {
        w->p = obj;
        w->len = mark;
        w->depth = depth;
        if (!message_two_pass(w, d, rename_from, rename_to))
            return false;
    } else if (r == OBJ_DECLINED) {
        return false;
    }
    w->depth--;
    return true;
}

bool pbwire_from_json(const ProtobufCMessageDescriptor *d, const char *json, size_t len,
                      const char *rename_from, const char *rename_to, uint8_t **out,
                      size_t *outlen)
{
    pw_t w = {.p = json, .end = json + len};
    reserve(&w, len / 2 + 64); /* a row's wire form is smaller than its JSON */
    ws(&w);
    bool ok;
    switch (pbjson_wkt_of(d)) {
    case WKT_NONE:
        ok = emit_message(&w, d, rename_from, rename_to);
        break;
    case WKT_STRUCT:
        ok = emit_struct(&w);
        break;
    default:
        ok = false;
        break;
    }
    ws(&w);
    free(w.tmp);
    if (!ok || w.p != w.end) {
        free(w.buf);
        return false;
    }
    if (!w.buf)
        reserve(&w, 1);
    *out = w.buf;
    *outlen = w.len;
    return true;
}
