/* The general way pbwire (api/grpc/pbwire.c) stands in for, as the oracle
 * of tests/unit/test_pbwire.c and tests/fuzz/fuzz_pbwire.c: Jansson, a list
 * answer's next_cursor as its next_page_token (as bridge_answer.c does),
 * pbjson_decode, protobuf_c_message_pack. The packed bytes (malloc'd, *n of
 * them), or NULL when the general way refuses the text. */
#ifndef PROBITY_TESTS_PBWIRE_GENERAL_H
#define PROBITY_TESTS_PBWIRE_GENERAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "api/grpc/pbjson.h"

static inline uint8_t *pbwire_general(const ProtobufCMessageDescriptor *d, const char *text,
                                      size_t len, bool list, size_t *n)
{
    json_t *j = json_loadb(text, len, 0, NULL);
    if (!j)
        return NULL;
    if (list) {
        json_t *cur = json_object_get(j, "next_cursor");
        if (json_is_string(cur))
            json_object_set(j, "next_page_token", cur);
        json_object_del(j, "next_cursor");
    }
    char msg[300];
    ProtobufCMessage *m = pbjson_decode(d, j, msg, sizeof msg);
    json_decref(j);
    if (!m)
        return NULL;
    *n = protobuf_c_message_get_packed_size(m);
    uint8_t *out = malloc(*n ? *n : 1);
    if (!out)
        abort();
    protobuf_c_message_pack(m, out);
    protobuf_c_message_free_unpacked(m, NULL);
    return out;
}

#endif
