/* Decoding of untrusted JSON request bodies into Jansson values, with the
 * errors a client can act on: 400 for syntax (with line and column), 422 for
 * duplicate keys; invalid UTF-8 inside strings is kept visible (as U+FFFF) so
 * validation can name the field that carries it. */
#ifndef PROBITY_JSONIN_H
#define PROBITY_JSONIN_H

#include <jansson.h>
#include <stdbool.h>

#include "error.h"

#define JSONIN_MAX_DEPTH 32

/* Returns a new reference to the top-level object (caller owns it), or NULL
 * with err set. */
json_t *jsonin_parse_object(const char *body, size_t len, app_error_t *err);

/* True when s (a decoded JSON string of n bytes) carried invalid UTF-8 or a
 * noncharacter U+FFFF in the request. */
bool jsonin_has_bad_utf8(const char *s, size_t n);

#endif
