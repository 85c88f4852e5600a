/* What the two halves of protobuf ⇄ JSON share: pbjson.c (the common part
 * and encoding) and pbjson_decode.c (decoding). Private to them; callers
 * see pbjson.h. */
#ifndef PROBITY_GRPC_PBJSON_INTERNAL_H
#define PROBITY_GRPC_PBJSON_INTERNAL_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

/* The well-known types that have their own JSON form. */
typedef enum {
    WKT_NONE,
    WKT_TIMESTAMP,
    WKT_VALUE,
    WKT_STRUCT,
    WKT_LIST,
    WKT_EMPTY,
    WKT_MASK
} pbjson_wkt_t;

/* Which well-known type d is; WKT_NONE for any other message. */
pbjson_wkt_t pbjson_wkt_of(const ProtobufCMessageDescriptor *d);
/* malloc that aborts when out of memory (0 bytes allocates 1). */
void *pbjson_xmalloc(size_t n);
/* The size of one element of a repeated field of type t in its array. */
size_t pbjson_elem_size(ProtobufCType t);
/* A whole number within 2^53 (so exactly a double), tested without libm. */
bool pbjson_whole(double d);

#endif
