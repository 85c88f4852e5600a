/* Protobuf ⇄ JSON by descriptor (pbjson.h). Messages are built with malloc
 * and freed by protobuf_c_message_free_unpacked(m, NULL), which frees what
 * the system allocator gave: strings, arrays, sub-messages. Out of memory
 * aborts, as everywhere in probityd. */
#include "pbjson.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/field_mask.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"

#define MEMBER(m, off) ((void *)((char *)(m) + (off)))
#define CMEMBER(m, off) ((const void *)((const char *)(m) + (off)))

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        abort();
    return p;
}

static void *new_message(const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = xmalloc(d->sizeof_message);
    protobuf_c_message_init(d, m);
    return m;
}

/* ----------------------------------------------------------- well-known */

typedef enum {
    WKT_NONE,
    WKT_TIMESTAMP,
    WKT_VALUE,
    WKT_STRUCT,
    WKT_LIST,
    WKT_EMPTY,
    WKT_MASK
} wkt_t;

static wkt_t wkt_of(const ProtobufCMessageDescriptor *d)
{
    static const struct {
        const char *name;
        wkt_t kind;
    } T[] = {{"google.protobuf.Timestamp", WKT_TIMESTAMP}, {"google.protobuf.Value", WKT_VALUE},
             {"google.protobuf.Struct", WKT_STRUCT},       {"google.protobuf.ListValue", WKT_LIST},
             {"google.protobuf.Empty", WKT_EMPTY},         {"google.protobuf.FieldMask", WKT_MASK}};
    if (strncmp(d->name, "google.protobuf.", 16) != 0)
        return WKT_NONE;
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        if (strcmp(T[i].name, d->name) == 0)
            return T[i].kind;
    return WKT_NONE;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), and back. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Timestamp's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z. */
#define TS_MIN (-62135596800LL)
#define TS_MAX (253402300799LL)

bool pbjson_format_timestamp(int64_t seconds, int32_t nanos, char out[36])
{
    if (seconds < TS_MIN || seconds > TS_MAX || nanos < 0 || nanos > 999999999)
        return false;
    int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
    int64_t rem = seconds - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int hh = (int)(rem / 3600), mm = (int)(rem / 60 % 60), ss = (int)(rem % 60);
    char buf[80]; /* what the compiler cannot bound fits; 30 or 36 bytes are used */
    if (nanos % 1000000 == 0)
        snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", (int)y, m, d, hh, mm, ss,
                 (int)(nanos / 1000000));
    else
        snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%09dZ", (int)y, m, d, hh, mm, ss,
                 (int)nanos);
    memcpy(out, buf, 36);
    out[35] = '\0';
    return true;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool pbjson_parse_timestamp(const char *s, int64_t *seconds, int32_t *nanos)
{
    int y, mo, d, h, mi, se;
    if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &se))
        return false;
    static const int MDAYS[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > MDAYS[mo - 1] || (mo == 2 && d == 29 && !leap) ||
        h > 23 || mi > 59 || se > 59)
        return false;
    const char *p = s + 19;
    int32_t ns = 0;
    if (*p == '.') {
        int n = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, n++) {
            if (n == 9)
                return false;
            ns = ns * 10 + (*p - '0');
        }
        if (n == 0)
            return false;
        for (; n < 9; n++)
            ns *= 10;
    }
    int64_t offset = 0;
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        offset = 0;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || !digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return false;
        offset = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
    } else {
        return false;
    }
    int64_t secs =
        days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - offset;
    if (secs < TS_MIN || secs > TS_MAX)
        return false;
    *seconds = secs;
    *nanos = ns;
    return true;
}

/* ------------------------------------------------------------- base64 */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_t *base64_json(const uint8_t *p, size_t n)
{
    char *out = xmalloc((n + 2) / 3 * 4 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[o++] = B64[v >> 18 & 63];
        out[o++] = B64[v >> 12 & 63];
        out[o++] = i + 1 < n ? B64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? B64[v & 63] : '=';
    }
    json_t *j = json_stringn(out, o);
    free(out);
    return j;
}

/* Standard or URL-safe alphabet, padding optional. */
static bool base64_decode(const char *s, size_t n, ProtobufCBinaryData *out)
{
    while (n && s[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return false;
    uint8_t *buf = xmalloc(n / 4 * 3 + 3);
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

/* ----------------------------------------------------------- presence */

static bool explicit_presence(const ProtobufCFieldDescriptor *f)
{
    return (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || f->label == PROTOBUF_C_LABEL_OPTIONAL ||
           (f->label != PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_MESSAGE);
}

static size_t elem_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    default:
        abort(); /* a type protobuf-c 1.4 does not have */
    }
}

static bool scalar_is_default(const void *p, ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return !s || !*s;
    }
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)p)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(ProtobufCMessage *const *)p == NULL;
    case PROTOBUF_C_TYPE_FLOAT:
        return *(const float *)p == 0;
    case PROTOBUF_C_TYPE_DOUBLE:
        return *(const double *)p == 0;
    case PROTOBUF_C_TYPE_BOOL:
        return !*(const protobuf_c_boolean *)p;
    default: {
        size_t n = elem_size(t);
        return n == 4 ? *(const uint32_t *)p == 0 : *(const uint64_t *)p == 0;
    }
    }
}

bool pbjson_field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    const void *p = CMEMBER(m, f->offset);
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return *(const size_t *)CMEMBER(m, f->quantifier_offset) > 0;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)CMEMBER(m, f->quantifier_offset) == f->id;
    if (f->label == PROTOBUF_C_LABEL_REQUIRED)
        return true;
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL) {
        if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING)
            return *(void *const *)p != NULL && *(void *const *)p != f->default_value;
        return *(const protobuf_c_boolean *)CMEMBER(m, f->quantifier_offset);
    }
    return !scalar_is_default(p, f->type); /* proto3, no presence */
}

/* -------------------------------------------------------------- encode */

static json_t *encode_message(const ProtobufCMessage *m, pbjson_mode_t mode);

static json_t *encode_scalar(const void *p, const ProtobufCFieldDescriptor *f, pbjson_mode_t mode)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return json_integer(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return json_integer(*(const int64_t *)p);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: {
        uint64_t v = *(const uint64_t *)p;
        return v <= INT64_MAX ? json_integer((json_int_t)v) : json_real((double)v);
    }
    case PROTOBUF_C_TYPE_FLOAT: {
        json_t *j = json_real(*(const float *)p);
        return j ? j : json_null(); /* NaN and infinities have no JSON */
    }
    case PROTOBUF_C_TYPE_DOUBLE: {
        json_t *j = json_real(*(const double *)p);
        return j ? j : json_null();
    }
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM: {
        int v = *(const int *)p;
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor, v);
        return ev ? json_string(ev->name) : json_integer(v);
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        json_t *j = json_string(s ? s : "");
        /* protobuf-c does not check UTF-8 on unpack: a bad string is shown
         * rather than lost (REST then refuses what it names). */
        return j ? j : json_string("(not valid UTF-8)");
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        return base64_json(b->data, b->len);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
        return sub ? encode_message(sub, mode) : json_null();
    }
    default:
        abort();
    }
}

json_t *pbjson_encode_field(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
                            pbjson_mode_t nested)
{
    const void *p = CMEMBER(m, f->offset);
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t n = *(const size_t *)CMEMBER(m, f->quantifier_offset);
        const char *arr = *(char *const *)p;
        size_t sz = elem_size(f->type);
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, encode_scalar(arr + i * sz, f, nested));
        return a;
    }
    if (explicit_presence(f) && !pbjson_field_present(m, f))
        return json_null();
    return encode_scalar(p, f, nested);
}

static json_t *encode_value(const Google__Protobuf__Value *v);

static json_t *encode_struct(const Google__Protobuf__Struct *s)
{
    json_t *o = json_object();
    for (size_t i = 0; i < s->n_fields; i++)
        if (s->fields[i] && s->fields[i]->key)
            json_object_set_new(o, s->fields[i]->key, encode_value(s->fields[i]->value));
    return o;
}

static json_t *encode_list(const Google__Protobuf__ListValue *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n_values; i++)
        json_array_append_new(a, encode_value(l->values[i]));
    return a;
}

/* A whole number within 2^53 (so exactly a double), tested without libm. */
static bool whole(double d)
{
    return d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (double)(int64_t)d;
}

/* A number that is a whole one within 2^53 is shown as an integer: REST's
 * integers come back as they went. */
static json_t *encode_number(double d)
{
    if (whole(d))
        return json_integer((json_int_t)d);
    json_t *j = json_real(d);
    return j ? j : json_null();
}

static json_t *encode_value(const Google__Protobuf__Value *v)
{
    if (!v)
        return json_null();
    switch (v->kind_case) {
    case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE:
        return encode_number(v->number_value);
    case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE: {
        json_t *j = json_string(v->string_value ? v->string_value : "");
        return j ? j : json_string("(not valid UTF-8)");
    }
    case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
        return json_boolean(v->bool_value);
    case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE:
        return v->struct_value ? encode_struct(v->struct_value) : json_object();
    case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE:
        return v->list_value ? encode_list(v->list_value) : json_array();
    default: /* null, or no kind at all */
        return json_null();
    }
}

static json_t *encode_message(const ProtobufCMessage *m, pbjson_mode_t mode)
{
    switch (wkt_of(m->descriptor)) {
    case WKT_TIMESTAMP: {
        const Google__Protobuf__Timestamp *t = (const void *)m;
        char buf[36];
        return pbjson_format_timestamp(t->seconds, t->nanos, buf) ? json_string(buf) : json_null();
    }
    case WKT_VALUE:
        return encode_value((const void *)m);
    case WKT_STRUCT:
        return encode_struct((const void *)m);
    case WKT_LIST:
        return encode_list((const void *)m);
    case WKT_MASK: {
        const Google__Protobuf__FieldMask *fm = (const void *)m;
        size_t len = 0;
        for (size_t i = 0; i < fm->n_paths; i++)
            len += strlen(fm->paths[i]) + 1;
        char *s = xmalloc(len + 1), *o = s;
        for (size_t i = 0; i < fm->n_paths; i++)
            o += sprintf(o, "%s%s", i ? "," : "", fm->paths[i]);
        *o = '\0';
        json_t *j = json_string(s);
        free(s);
        return j ? j : json_string("");
    }
    case WKT_EMPTY:
    case WKT_NONE:
        break;
    default:
        abort();
    }
    json_t *o = json_object();
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (mode == PBJSON_SET_ONLY && !pbjson_field_present(m, f))
            continue;
        json_object_set_new(o, f->name, pbjson_encode_field(m, f, mode));
    }
    return o;
}

json_t *pbjson_encode(const ProtobufCMessage *m, pbjson_mode_t mode)
{
    return encode_message(m, mode);
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
    } else if (json_is_real(j) && whole(json_real_value(j))) {
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
        size_t n = json_array_size(j), sz = elem_size(f->type);
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
        char *p = xmalloc(len + 1);
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
    switch (wkt_of(d)) {
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
