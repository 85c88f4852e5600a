/* JSON merge patch (RFC 7396). */
#ifndef PROBITY_MERGEPATCH_H
#define PROBITY_MERGEPATCH_H

#include <jansson.h>

/* Returns a new reference to target patched by patch. Both arguments are
 * borrowed and left unchanged. */
json_t *merge_patch(json_t *target, json_t *patch);

#endif
