/* Cross-origin resource sharing for browser frontends: which origins may
 * call the API, and the answers to their preflight requests. None are
 * allowed unless configured (PROBITY_CORS_ORIGINS). */
#ifndef PROBITY_CORS_H
#define PROBITY_CORS_H

#include <stdbool.h>
#include <stddef.h>

#include "server.h"

/* list: comma-separated origins ("https://app.example.mn") or "*"; NULL or
 * "" allows none. False with a reason when an entry is not an origin. */
bool cors_configure(const char *list, char *msg, size_t msglen);
void cors_free(void);
/* Adds the CORS headers to any response whose request came from an
 * allowed Origin. */
void cors_decorate(http_req_t *r);
/* Answers OPTIONS on a known path: a preflight from an allowed origin for a
 * method in allow gets 204 with the CORS grant, from any other origin 403;
 * a plain OPTIONS gets 204 with Allow. */
void cors_options(http_req_t *r, const char *allow);

#endif
