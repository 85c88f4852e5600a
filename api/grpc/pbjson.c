/* Protobuf ⇄ JSON by descriptor (pbjson.h): what encoding and decoding
 * share (the well-known types' names, Timestamp's text, presence), and
 * encoding; decoding is pbjson_decode.c. Messages are built with malloc
 * and freed by protobuf_c_message_free_unpacked(m, NULL), which frees what
 * the system allocator gave: strings, arrays, sub-messages. Out of memory
 * aborts, as everywhere in probityd. */
#include "pbjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/field_mask.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "pbjson_internal.h"

#define CMEMBER(m, off) ((const void *)((const char *)(m) + (off)))

void *pbjson_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

/* ----------------------------------------------------------- well-known */

pbjson_wkt_t pbjson_wkt_of(const ProtobufCMessageDescriptor *d)
{
    static const struct {
        const char *name;
        pbjson_wkt_t kind;
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
    char *out = pbjson_xmalloc((n + 2) / 3 * 4 + 1);
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

/* ----------------------------------------------------------- presence */

static bool explicit_presence(const ProtobufCFieldDescriptor *f)
{
    return (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || f->label == PROTOBUF_C_LABEL_OPTIONAL ||
           (f->label != PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_MESSAGE);
}

size_t pbjson_elem_size(ProtobufCType t)
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
        size_t n = pbjson_elem_size(t);
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
        size_t sz = pbjson_elem_size(f->type);
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
bool pbjson_whole(double d)
{
    return d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (double)(int64_t)d;
}

/* A number that is a whole one within 2^53 is shown as an integer: REST's
 * integers come back as they went. */
static json_t *encode_number(double d)
{
    if (pbjson_whole(d))
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
    switch (pbjson_wkt_of(m->descriptor)) {
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
        char *s = pbjson_xmalloc(len + 1), *o = s;
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
