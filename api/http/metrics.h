/* Request counters and latency histograms per route and status, kept by the
 * event-loop thread alone (no atomics needed), rendered in Prometheus text
 * format. */
#ifndef PROBITY_METRICS_H
#define PROBITY_METRICS_H

#include <stddef.h>

#include "../../storage/pool.h"

void metrics_init(size_t nroutes);
void metrics_free(void);
/* route < 0: requests that matched no route. */
void metrics_observe(int route, int status, double seconds);
/* malloc'd text/plain exposition. */
char *metrics_render(pool_t *pool, size_t *len);

#endif
