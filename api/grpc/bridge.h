/* The methods that answer by the REST routes (bridge.c): every entity
 * service's Get, List, Create, Update and Delete, and each action of
 * actions.proto, as the REST request it stands for (api/http/internal.c). */
#ifndef PROBITY_GRPC_BRIDGE_H
#define PROBITY_GRPC_BRIDGE_H

#include "../../storage/pool.h"
#include "grpc_server.h"

/* Builds the table once, from the generated service descriptors; the
 * calls' REST requests run on pool. */
const grpc_method_t *grpc_bridge_methods(pool_t *pool, size_t *n);
void grpc_bridge_free(void);
/* The largest answer a call may have (PROBITY_GRPC_MAX_MESSAGE; default
 * 4 MiB): a streamed REST body (a report) is gathered up to this and the
 * call ends RESOURCE_EXHAUSTED beyond it. */
void grpc_bridge_set_max_message(size_t max);

#endif
