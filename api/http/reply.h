/* Response building shared by the connection code (server.c) and the
 * handlers; the handler-facing helpers are declared in server.h. */
#ifndef PROBITY_HTTP_REPLY_H
#define PROBITY_HTTP_REPLY_H

#include "server.h"

/* The reason phrase for a status ("Unknown" for one not listed). */
const char *http_reason(int status);
/* The IMF-fixdate for now, formatted once a second per thread. */
void http_date(char out[40]);
/* Frees the response body unless it is static (and a producer never
 * started, with its state), and forgets it. */
void http_reply_reset(http_req_t *r);

#endif
