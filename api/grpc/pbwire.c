/* JSON text to protobuf wire bytes (pbwire.h). An object's fields are
 * written in the descriptor's order, as protobuf_c_message_pack writes
 * them, so the bytes are the same: in one pass when its members come in
 * that order (REST's rows do), else in two (the first finds each member's
 * field and checks the text, the second writes). A length-delimited field
 * gets one byte for its length and is moved when the length needs more.
 * Reading the text is pbwire_json.c.
 *
 * What is written follows protobuf-c's packing of the message pbjson_decode
 * would make: a proto3 scalar at its default (0, "", false) is left out, a
 * oneof member or a message is written whenever present, a packed repeated
 * field is one length-delimited run. Anything else is declined (false) and
 * the caller takes pbjson_decode's way. */
#include "pbwire.h"

#include <stdlib.h>
#include <string.h>

#include "pbjson.h"
#include "pbjson_internal.h"
#include "pbwire_internal.h"

enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_FIXED32 = 5 };
enum { MAX_FIELDS = 128, MAX_KEYS = 256 };

/* google.protobuf.Value's members (struct.proto), by number. */
enum { V_NULL = 1, V_NUMBER = 2, V_STRING = 3, V_BOOL = 4, V_STRUCT = 5, V_LIST = 6 };

/* ------------------------------------------------------------- output */

static void grow(pw_t *w, size_t n)
{
    size_t cap = w->cap ? w->cap : 256;
    while (cap < w->len + n)
        cap *= 2;
    w->buf = realloc(w->buf, cap);
    if (!w->buf)
        abort();
    w->cap = cap;
}

/* The check inline, the growing not: a byte is written at a time. */
static inline void reserve(pw_t *w, size_t n)
{
    if (w->cap - w->len < n)
        grow(w, n);
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

/* A length-delimited field holding what emit writes. */
static bool nested(pw_t *w, uint32_t id, bool (*emit)(pw_t *))
{
    size_t start = open_len(w, id);
    if (!emit(w))
        return false;
    close_len(w, start);
    return true;
}

/* ------------------------------------------------------------- messages */

static bool emit_message(pw_t *w, const ProtobufCMessageDescriptor *d, const char *rename_from,
                         const char *rename_to);
static bool emit_value(pw_t *w);

/* A Struct's members as its map entries, in the text's order (as Jansson
 * keeps them); a key named twice is declined. */
static bool emit_struct(pw_t *w)
{
    bool empty, ok = false;
    if (!pw_open(w, '{', '}', &empty))
        return false;
    if (empty)
        return true;
    const char *keys[MAX_KEYS];
    size_t keylen[MAX_KEYS], nkeys = 0;
    do {
        if (!pw_at(w, '"') || nkeys == MAX_KEYS)
            return false;
        const char *raw = w->p + 1, *s;
        size_t n;
        if (!pw_key(w, &s, &n) || s != raw) /* a key with an escape: the general way */
            return false;
        for (size_t i = 0; i < nkeys; i++)
            if (keylen[i] == n && memcmp(keys[i], s, n) == 0)
                return false;
        keys[nkeys] = s;
        keylen[nkeys++] = n;
        size_t entry = open_len(w, 1);
        if (n) {
            size_t k = open_len(w, 1);
            put(w, s, n);
            close_len(w, k);
        }
        if (!nested(w, 2, emit_value))
            return false;
        close_len(w, entry);
    } while (pw_next(w, '}', &ok));
    return ok;
}

static bool emit_list(pw_t *w)
{
    bool empty, ok = false;
    if (!pw_open(w, '[', ']', &empty))
        return false;
    if (empty)
        return true;
    do {
        if (!nested(w, 1, emit_value))
            return false;
    } while (pw_next(w, ']', &ok));
    return ok;
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
        return pw_literal(w, "null");
    case 't':
        put_tag(w, V_BOOL, WT_VARINT);
        put_varint(w, 1);
        return pw_literal(w, "true");
    case 'f':
        put_tag(w, V_BOOL, WT_VARINT);
        put_varint(w, 0);
        return pw_literal(w, "false");
    case '"':
        if (!pw_string(w, &s, &n))
            return false;
        at_ = open_len(w, V_STRING);
        put(w, s, n);
        close_len(w, at_);
        return true;
    case '{':
        return nested(w, V_STRUCT, emit_struct);
    case '[':
        return nested(w, V_LIST, emit_list);
    default:
        if (!pw_number_double(w, &d))
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
    pw_num_t n;
    if (!pw_number(w, &n) || n.real)
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
        v = pw_literal(w, "true") ? 1 : pw_literal(w, "false") ? 0 : -1;
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
    if (!pw_string(w, &s, &n) || n >= sizeof buf)
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
        if (!pw_string(w, &s, &n))
            return false;
        if (n || keep_default) {
            at_ = open_len(w, f->id);
            put(w, s, n);
            close_len(w, at_);
        }
        return true;
    case PROTOBUF_C_TYPE_BOOL:
        v = pw_literal(w, "true") ? 1 : pw_literal(w, "false") ? 0 : -1;
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
            return nested(w, f->id, emit_value);
        case WKT_STRUCT:
            return nested(w, f->id, emit_struct);
        case WKT_LIST:
            return nested(w, f->id, emit_list);
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
    bool packed = f->flags & PROTOBUF_C_FIELD_FLAG_PACKED, empty, ok = false;
    size_t before = w->len, run = packed ? open_len(w, f->id) : 0;
    if (!pw_open(w, '[', ']', &empty))
        return false;
    if (empty) {
        if (packed)
            w->len = before; /* protobuf-c writes nothing for an empty run */
        return true;
    }
    do {
        if (pw_at(w, 'n')) /* a null item has no protobuf form */
            return false;
        if (!(packed ? packed_item(w, f) : emit_single(w, f, true)))
            return false;
    } while (pw_next(w, ']', &ok));
    if (packed)
        close_len(w, run);
    return ok;
}

static bool emit_field(pw_t *w, const ProtobufCFieldDescriptor *f)
{
    if (pw_at(w, 'n'))
        return pw_literal(w, "null"); /* unset, or left at its default */
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
    const ProtobufCFieldDescriptor *next =
        prev + 1 < (int)d->n_fields ? &d->fields[prev + 1] : NULL;
    /* The usual case: the key is the next field's name, byte for byte (a
     * field name has no escape, so the bytes are the key). */
    if (next && !rename_from) {
        size_t len = strlen(next->name);
        if ((size_t)(w->end - w->p) > len + 1 && w->p[0] == '"' &&
            memcmp(w->p + 1, next->name, len) == 0 && w->p[len + 1] == '"') {
            w->p += len + 2;
            *f = next;
            return pw_colon(w);
        }
    }
    const char *s;
    size_t n;
    char key[64];
    if (!pw_key(w, &s, &n) || n >= sizeof key)
        return false;
    memcpy(key, s, n);
    key[n] = '\0';
    const char *name = rename_from && strcmp(key, rename_from) == 0 ? rename_to : key;
    *f = next && strcmp(next->name, name) == 0
             ? next
             : protobuf_c_message_descriptor_get_field_by_name(d, name);
    return true;
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
    bool present[MAX_FIELDS] = {0}, empty, ok = true;
    int prev = -1;
    if (!pw_open(w, '{', '}', &empty))
        return OBJ_DECLINED;
    if (!empty)
        do {
            const ProtobufCFieldDescriptor *f;
            if (!member_key(w, d, rename_from, rename_to, prev, &f) || !f)
                return OBJ_DECLINED;
            int i = (int)(f - d->fields);
            if (i <= prev)
                return OBJ_OUT_OF_ORDER;
            present[i] = !pw_at(w, 'n');
            if (!emit_field(w, f))
                return OBJ_DECLINED;
            prev = i;
        } while (pw_next(w, '}', &ok));
    return ok && oneofs_ok(d, present) ? OBJ_DONE : OBJ_DECLINED;
}

/* Any order: the first pass finds each member's field and checks its
 * value, the second writes them in the descriptor's order. */
static bool message_two_pass(pw_t *w, const ProtobufCMessageDescriptor *d, const char *rename_from,
                             const char *rename_to)
{
    const char *val[MAX_FIELDS] = {0};
    bool present[MAX_FIELDS] = {0}, empty, ok = true;
    if (!pw_open(w, '{', '}', &empty))
        return false;
    if (!empty)
        do {
            const ProtobufCFieldDescriptor *f;
            if (!member_key(w, d, rename_from, rename_to, -1, &f) || !f || val[f - d->fields])
                return false;
            val[f - d->fields] = w->p;
            present[f - d->fields] = !pw_at(w, 'n');
            if (!pw_skip_value(w))
                return false;
        } while (pw_next(w, '}', &ok));
    if (!ok || !oneofs_ok(d, present))
        return false;
    const char *after = w->p;
    int depth = w->depth;
    for (unsigned i = 0; i < d->n_fields; i++) {
        if (!val[i])
            continue;
        w->p = val[i];
        w->depth = depth + 1; /* inside the object, as when first read */
        if (!emit_field(w, &d->fields[i]))
            return false;
    }
    w->p = after;
    w->depth = depth;
    return true;
}

/* An object as a message of type d, its fields in the descriptor's order
 * (protobuf_c_message_pack's). */
static bool emit_message(pw_t *w, const ProtobufCMessageDescriptor *d, const char *rename_from,
                         const char *rename_to)
{
    if (d->n_fields > MAX_FIELDS)
        return false;
    const char *obj = w->p;
    size_t mark = w->len;
    int depth = w->depth;
    obj_result_t r = message_in_order(w, d, rename_from, rename_to);
    if (r == OBJ_OUT_OF_ORDER) {
        w->p = obj;
        w->len = mark;
        w->depth = depth;
        return message_two_pass(w, d, rename_from, rename_to);
    }
    return r == OBJ_DONE;
}

bool pbwire_from_json(const ProtobufCMessageDescriptor *d, const char *json, size_t len,
                      const char *rename_from, const char *rename_to, uint8_t **out,
                      size_t *outlen)
{
    pw_t w = {.p = json, .end = json + len};
    reserve(&w, len / 2 + 64); /* a row's wire form is smaller than its JSON */
    pw_ws(&w);
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
    pw_ws(&w);
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
