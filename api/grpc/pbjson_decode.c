/* Protobuf ⇄ JSON by descriptor (pbjson.h), the decoding half: a JSON value
 * walked into a new message of a given type, failing with the path of what
 * is wrong. Encoding and what both share are pbjson.c. Messages are built
 * with malloc and freed by protobuf_c_message_free_unpacked(m, NULL), which
 * frees what the system allocator gave: strings, arrays, sub-messages. Out
 * of memory aborts, as everywhere in probityd. */
#include "pbjson.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/field_mask.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "pbjson_internal.h"

#define MEMBER(m, off) ((void *)((char *)(m) + (off)))

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        abort();
    return p;
}

static void *new_message(const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = pbjson_xmalloc(d->sizeof_message);
    protobuf_c_message_init(d, m);
    return m;
}

/* ------------------------------------------------------------- base64 */

/* Standard or URL-safe alphabet, padding optional. */
static bool base64_decode(const char *s, size_t n, ProtobufCBinaryData *out)
{
    while (n && s[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return false;
    uint8_t *buf = pbjson_xmalloc(n / 4 * 3 + 3);
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int v = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '+' || c == '-' ? 62
                : c == '/' || c == '_' ? 63
                                       : -1;
        if (v < 0) {
            free(buf);
            return false;
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[o++] = (uint8_t)(acc >> bits);
        }
    }
    out->data = buf;
    out->len = o;
    return true;
}

/* -------------------------------------------------------------- decode */

typedef struct {
    char path[256];
    char *msg;
    size_t msglen;
} dec_t;

static bool fail(dec_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(dec_t *x, const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(x->msg, x->msglen, "%s%s%s", x->path, x->path[0] ? ": " : "", why);
    return false;
}

/* Appends a path step; returns the old length, for path_pop. */
static size_t path_push(dec_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t path_push(dec_t *x, const char *fmt, ...)
{
    size_t n = strlen(x->path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->path + n, sizeof x->path - n, fmt, ap);
    va_end(ap);
    return n;
}

static void path_pop(dec_t *x, size_t n)
{
    x->path[n] = '\0';
}

static bool decode_into(dec_t *x, const ProtobufCMessageDescriptor *d, const json_t *j,
                        ProtobufCMessage *m);

static bool decode_new(dec_t *x, const ProtobufCMessageDescriptor *d, const json_t *j,
                       ProtobufCMessage **out)
{
    ProtobufCMessage *m = new_message(d);
    if (!decode_into(x, d, j, m)) {
        protobuf_c_message_free_unpacked(m, NULL);
        return false;
    }
    *out = m;
    return true;
}

static bool int_in(dec_t *x, const json_t *j, json_int_t lo, json_int_t hi, json_int_t *out)
{
    if (json_is_integer(j)) {
        *out = json_integer_value(j);
    } else if (json_is_real(j) && pbjson_whole(json_real_value(j))) {
        *out = (json_int_t)json_real_value(j);
    } else {
        return fail(x, "not an integer");
    }
    if (*out < lo || *out > hi)
        return fail(x, "out of range");
    return true;
}

/* One scalar (or message) into p, which is a field's member or an array
 * element; false with the reason. */
static bool decode_scalar(dec_t *x, const ProtobufCFieldDescriptor *f, const json_t *j, void *p)
{
    json_int_t v;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if (!int_in(x, j, INT32_MIN, INT32_MAX, &v))
            return false;
        *(int32_t *)p = (int32_t)v;
        return true;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (!int_in(x, j, 0, UINT32_MAX, &v))
            return false;
        *(uint32_t *)p = (uint32_t)v;
        return true;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (!int_in(x, j, INT64_MIN, INT64_MAX, &v))
            return false;
        *(int64_t *)p = (int64_t)v;
        return true;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (!int_in(x, j, 0, INT64_MAX, &v))
            return false;
        *(uint64_t *)p = (uint64_t)v;
        return true;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
        if (!json_is_number(j))
            return fail(x, "not a number");
        if (f->type == PROTOBUF_C_TYPE_FLOAT)
            *(float *)p = (float)json_number_value(j);
        else
            *(double *)p = json_number_value(j);
        return true;
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(j))
            return fail(x, "not a boolean");
        *(protobuf_c_boolean *)p = json_is_true(j);
        return true;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *ev = NULL;
        if (json_is_string(j))
            ev = protobuf_c_enum_descriptor_get_value_by_name(f->descriptor, json_string_value(j));
        else if (json_is_integer(j) && json_integer_value(j) >= INT32_MIN &&
                 json_integer_value(j) <= INT32_MAX)
            ev = protobuf_c_enum_descriptor_get_value(f->descriptor, (int)json_integer_value(j));
        if (!ev)
            return fail(x, "not a value of %s",
                        ((const ProtobufCEnumDescriptor *)f->descriptor)->name);
        *(int *)p = ev->value;
        return true;
    }
    case PROTOBUF_C_TYPE_STRING:
        if (!json_is_string(j))
            return fail(x, "not a string");
        if (strlen(json_string_value(j)) != json_string_length(j))
            return fail(x, "a string with a NUL");
        *(char **)p = xstrdup(json_string_value(j));
        return true;
    case PROTOBUF_C_TYPE_BYTES:
        if (!json_is_string(j) ||
            !base64_decode(json_string_value(j), json_string_length(j), (ProtobufCBinaryData *)p))
            return fail(x, "not base64");
        return true;
    case PROTOBUF_C_TYPE_MESSAGE:
        return decode_new(x, f->descriptor, j, (ProtobufCMessage **)p);
    default:
        abort();
    }
}

/* Frees what a field holds before it is written again (a member named
 * twice cannot happen in a Jansson object, but a oneof's second member can
 * overwrite the first). */
static void release_member(const ProtobufCFieldDescriptor *f, void *p)
{
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        char *s = *(char **)p;
        if (s && s != f->default_value && s != protobuf_c_empty_string)
            free(s);
        *(char **)p = NULL;
    } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        ProtobufCMessage *sub = *(ProtobufCMessage **)p;
        if (sub && sub != f->default_value)
            protobuf_c_message_free_unpacked(sub, NULL);
        *(ProtobufCMessage **)p = NULL;
    } else if (f->type == PROTOBUF_C_TYPE_BYTES) {
        ProtobufCBinaryData *b = p;
        const ProtobufCBinaryData *def = f->default_value;
        if (b->data && (!def || def->data != b->data))
            free(b->data);
        b->data = NULL;
        b->len = 0;
    }
}

static bool decode_field(dec_t *x, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
                         const json_t *j)
{
    void *p = MEMBER(m, f->offset);
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        if (json_is_null(j))
            return true;
        if (!json_is_array(j))
            return fail(x, "not an array");
        size_t n = json_array_size(j), sz = pbjson_elem_size(f->type);
        size_t *count = MEMBER(m, f->quantifier_offset);
        char *arr = calloc(n ? n : 1, sz);
        if (!arr)
            abort();
        *(void **)p = arr;
        *count = 0;
        for (size_t i = 0; i < n; i++) {
            size_t mark = path_push(x, "[%zu]", i);
            /* A JSON null item has no protobuf form. */
            if (json_is_null(json_array_get(j, i)))
                return fail(x, "null in an array");
            if (!decode_scalar(x, f, json_array_get(j, i), arr + i * sz))
                return false;
            (*count)++; /* what is counted is freed with the message */
            path_pop(x, mark);
        }
        return true;
    }
    if (json_is_null(j)) /* unset: optional and message fields; scalars stay default */
        return true;
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && *(uint32_t *)MEMBER(m, f->quantifier_offset) &&
        *(uint32_t *)MEMBER(m, f->quantifier_offset) != f->id)
        return fail(x, "a second member of a oneof");
    if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE ||
        f->type == PROTOBUF_C_TYPE_BYTES)
        release_member(f, p);
    if (!decode_scalar(x, f, j, p)) {
        if (f->type == PROTOBUF_C_TYPE_STRING && f->label == PROTOBUF_C_LABEL_NONE &&
            !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            *(const char **)p = f->default_value; /* keep the message freeable */
        return false;
    }
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        *(uint32_t *)MEMBER(m, f->quantifier_offset) = f->id;
    else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
             f->type != PROTOBUF_C_TYPE_MESSAGE)
        *(protobuf_c_boolean *)MEMBER(m, f->quantifier_offset) = 1;
    return true;
}

static bool decode_value(dec_t *x, const json_t *j, Google__Protobuf__Value *v);

static bool decode_struct(dec_t *x, const json_t *j, Google__Protobuf__Struct *s)
{
    if (!json_is_object(j))
        return fail(x, "not an object");
    size_t n = json_object_size(j);
    s->fields = calloc(n ? n : 1, sizeof *s->fields);
    if (!s->fields)
        abort();
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)j, key, val)
    {
        Google__Protobuf__Struct__FieldsEntry *e =
            new_message(&google__protobuf__struct__fields_entry__descriptor);
        s->fields[s->n_fields++] = e;
        e->key = xstrdup(key);
        e->value = new_message(&google__protobuf__value__descriptor);
        size_t mark = path_push(x, ".%s", key);
        if (!decode_value(x, val, e->value))
            return false;
        path_pop(x, mark);
    }
    return true;
}

static bool decode_list(dec_t *x, const json_t *j, Google__Protobuf__ListValue *l)
{
    if (!json_is_array(j))
        return fail(x, "not an array");
    size_t n = json_array_size(j);
    l->values = calloc(n ? n : 1, sizeof *l->values);
    if (!l->values)
        abort();
    for (size_t i = 0; i < n; i++) {
        l->values[l->n_values++] = new_message(&google__protobuf__value__descriptor);
        size_t mark = path_push(x, "[%zu]", i);
        if (!decode_value(x, json_array_get(j, i), l->values[i]))
            return false;
        path_pop(x, mark);
    }
    return true;
}

static bool decode_value(dec_t *x, const json_t *j, Google__Protobuf__Value *v)
{
    switch (json_typeof(j)) {
    case JSON_NULL:
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE;
        v->null_value = GOOGLE__PROTOBUF__NULL_VALUE__NULL_VALUE;
        return true;
    case JSON_TRUE:
    case JSON_FALSE:
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE;
        v->bool_value = json_is_true(j);
        return true;
    case JSON_INTEGER:
    case JSON_REAL:
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
        v->number_value = json_number_value(j);
        return true;
    case JSON_STRING:
        if (strlen(json_string_value(j)) != json_string_length(j))
            return fail(x, "a string with a NUL");
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
        v->string_value = xstrdup(json_string_value(j));
        return true;
    case JSON_OBJECT:
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
        v->struct_value = new_message(&google__protobuf__struct__descriptor);
        return decode_struct(x, j, v->struct_value);
    case JSON_ARRAY:
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE;
        v->list_value = new_message(&google__protobuf__list_value__descriptor);
        return decode_list(x, j, v->list_value);
    default:
        abort();
    }
}

static bool decode_mask(dec_t *x, const json_t *j, Google__Protobuf__FieldMask *fm)
{
    if (!json_is_string(j))
        return fail(x, "not a string of comma-separated paths");
    const char *s = json_string_value(j);
    size_t n = *s ? 1 : 0;
    for (const char *c = s; *c; c++)
        n += *c == ',';
    fm->paths = calloc(n ? n : 1, sizeof *fm->paths);
    if (!fm->paths)
        abort();
    while (*s) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        char *p = pbjson_xmalloc(len + 1);
        memcpy(p, s, len);
        p[len] = '\0';
        fm->paths[fm->n_paths++] = p;
        s += len + (e ? 1 : 0);
    }
    return true;
}

static bool decode_into(dec_t *x, const ProtobufCMessageDescriptor *d, const json_t *j,
                        ProtobufCMessage *m)
{
    switch (pbjson_wkt_of(d)) {
    case WKT_TIMESTAMP: {
        Google__Protobuf__Timestamp *t = (void *)m;
        if (!json_is_string(j) ||
            !pbjson_parse_timestamp(json_string_value(j), &t->seconds, &t->nanos))
            return fail(x, "not an RFC 3339 timestamp");
        return true;
    }
    case WKT_VALUE:
        return decode_value(x, j, (void *)m);
    case WKT_STRUCT:
        return decode_struct(x, j, (void *)m);
    case WKT_LIST:
        return decode_list(x, j, (void *)m);
    case WKT_MASK:
        return decode_mask(x, j, (void *)m);
    case WKT_EMPTY:
    case WKT_NONE:
        break;
    default:
        abort();
    }
    if (!json_is_object(j))
        return fail(x, "not an object");
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)j, key, val)
    {
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, key);
        size_t mark = path_push(x, "%s%s", x->path[0] ? "." : "", key);
        if (!f)
            return fail(x, "no such field in %s", d->name);
        if (!decode_field(x, m, f, val))
            return false;
        path_pop(x, mark);
    }
    return true;
}

ProtobufCMessage *pbjson_decode(const ProtobufCMessageDescriptor *d, const json_t *j, char *msg,
                                size_t msglen)
{
    dec_t x = {.msg = msg, .msglen = msglen};
    ProtobufCMessage *m = NULL;
    if (!j) {
        snprintf(msg, msglen, "no JSON");
        return NULL;
    }
    return decode_new(&x, d, j, &m) ? m : NULL;
}
