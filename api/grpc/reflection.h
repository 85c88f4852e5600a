/* grpc.reflection.v1.ServerReflection and v1alpha (reflection.c), answered
 * from the descriptor set embedded at build time (api/proto/proto.cmake). */
#ifndef PROBITY_GRPC_REFLECTION_H
#define PROBITY_GRPC_REFLECTION_H

#include "grpc_server.h"

const grpc_method_t *grpc_reflection_methods(size_t *n);
/* The fully-qualified names of the services in the embedded set, sorted
 * (Probity's, health, reflection v1 and v1alpha); health answers for these. */
size_t grpc_reflection_services(const char *const **names);
bool grpc_reflection_service_known(const char *name);

#endif
