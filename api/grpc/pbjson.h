/* Protobuf ⇄ JSON (Jansson), driven by protobuf-c's descriptors and generic
 * over any message: the bridge turns a call's request into the REST body it
 * stands for and REST's JSON answer into the method's message. JSON members
 * are named as the proto fields (snake_case, as REST names them); 64-bit
 * integers are JSON integers; google.protobuf.Timestamp is an RFC 3339 string
 * in UTC with milliseconds ("2026-11-22T09:00:00.000Z", as REST renders it);
 * Value, Struct and ListValue are any JSON; Empty is {}; FieldMask is its
 * paths joined by commas. */
#ifndef PROBITY_GRPC_PBJSON_H
#define PROBITY_GRPC_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    /* Every field: an unset optional scalar or message is null, a scalar
     * without presence its value (also "" and 0), a repeated field an array:
     * the object has the same members as REST's. */
    PBJSON_ALL,
    /* Only the fields that are set: optional and message fields when present,
     * scalars without presence when not their default ("", 0, false), repeated
     * fields when not empty. A request body: proto3 cannot tell an implicit
     * field left alone from one set to its default. */
    PBJSON_SET_ONLY,
} pbjson_mode_t;

/* The message as a JSON object (a new reference); a well-known type as its
 * JSON form (Timestamp a string, Value any JSON...). Never fails: out of
 * memory aborts. */
json_t *pbjson_encode(const ProtobufCMessage *m, pbjson_mode_t mode);
/* One field of m as JSON, as pbjson_encode(m, PBJSON_ALL) would show it
 * (nested messages in `nested` mode). */
json_t *pbjson_encode_field(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
                            pbjson_mode_t nested);
/* Whether a field is present: set (optional, oneof, message), not its
 * default (scalars without presence) or not empty (repeated). */
bool pbjson_field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);

/* A new message of type d from the JSON value j (an object, or a well-known
 * type's JSON form); free it with protobuf_c_message_free_unpacked(m, NULL).
 * JSON null or an absent member leaves a field unset (optional and message
 * fields) or at its default; an unknown member, a value of the wrong type or
 * out of range fails: NULL, with the path and the reason in msg
 * ("items[2].created_at: not an RFC 3339 timestamp"). */
ProtobufCMessage *pbjson_decode(const ProtobufCMessageDescriptor *d, const json_t *j, char *msg,
                                size_t msglen);

/* RFC 3339 in UTC: milliseconds when the instant has no finer part, else
 * nanoseconds. out holds 36 bytes. False when seconds or nanos are out of
 * Timestamp's range (years 1 to 9999). */
bool pbjson_format_timestamp(int64_t seconds, int32_t nanos, char out[36]);
/* Parses RFC 3339 (any offset, up to nine fraction digits). */
bool pbjson_parse_timestamp(const char *s, int64_t *seconds, int32_t *nanos);

#endif
