/* The registry as JSON (`probityd registry`): what the OpenAPI agreement
 * test and client generators read. */
#ifndef PROBITY_REGISTRY_DUMP_H
#define PROBITY_REGISTRY_DUMP_H

#include <jansson.h>

json_t *registry_dump(void);

#endif
