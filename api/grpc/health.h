/* grpc.health.v1.Health (health.c): Check and Watch, for the whole server
 * ("") and each service by its full name. NOT_SERVING while the database
 * is unreachable. */
#ifndef PROBITY_GRPC_HEALTH_H
#define PROBITY_GRPC_HEALTH_H

#include "../../storage/pool.h"
#include "grpc_server.h"

const grpc_method_t *grpc_health_methods(pool_t *pool, size_t *n);
/* The server to push Watch updates through, once it exists. */
void grpc_health_attach(grpc_server_t *srv);

#endif
