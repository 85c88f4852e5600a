/* REST's JSON text straight to protobuf wire bytes, driven by protobuf-c's
 * descriptors: the fast way for a REST answer to become a call's message,
 * with no Jansson tree and no unpacked message in between (parsing the tree
 * and converting it was a quarter of a gRPC call's CPU, bench/README.md).
 *
 * It gives exactly the bytes protobuf_c_message_pack gives for the message
 * pbjson_decode makes of the same text, or declines. It declines whatever it
 * does not take on (a member that is no field, a duplicate, a whole number
 * written as 1.0, bytes, enums, floats, field masks, invalid JSON, deep
 * nesting...), and the caller then takes the general way, pbjson_decode,
 * which answers the same or says what is wrong. tests/unit/test_pbwire.c
 * holds the two ways to the same bytes. */
#ifndef PROBITY_GRPC_PBWIRE_H
#define PROBITY_GRPC_PBWIRE_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The JSON text json[0..len) as a message of type d, packed, into *out
 * (malloc'd, *outlen bytes); false when declined (nothing allocated). A
 * top-level member named rename_from is taken as the field rename_to
 * (REST's next_cursor is a list's next_page_token); both may be NULL. */
bool pbwire_from_json(const ProtobufCMessageDescriptor *d, const char *json, size_t len,
                      const char *rename_from, const char *rename_to, uint8_t **out,
                      size_t *outlen);

#endif
