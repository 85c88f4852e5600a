/* RFC 9457 problem details from an app_error_t. */
#ifndef PROBITY_PROBLEM_H
#define PROBITY_PROBLEM_H

#include <stddef.h>

#include "../../domain/error.h"

/* Returns malloc'd application/problem+json text; *len its length. */
char *problem_render(const app_error_t *e, const char *instance, const char *request_id,
                     size_t *len);

#endif
