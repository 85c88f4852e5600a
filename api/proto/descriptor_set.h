/* The FileDescriptorSet of every proto Probity serves (its own, google.rpc, the well-known
 * types, gRPC health and reflection), as `protoc --include_imports --descriptor_set_out` wrote
 * it at build time (api/proto/proto.cmake): the bytes server reflection answers from. */
#ifndef PROBITY_DESCRIPTOR_SET_H
#define PROBITY_DESCRIPTOR_SET_H

#include <stddef.h>

/* PROBITY_DESCRIPTOR_SET_LEN bytes (a NUL follows them, not counted). */
extern const unsigned char PROBITY_DESCRIPTOR_SET[];
extern const size_t PROBITY_DESCRIPTOR_SET_LEN;

#endif
