/* Query strings: decoding (percent-encoding, '+', UTF-8) and the list
 * parameters every entity accepts (limit, cursor, updated_since, the
 * registry's filters). Unknown or repeated parameters are errors, so a typo
 * in a filter never silently returns everything. */
#ifndef PROBITY_QUERY_H
#define PROBITY_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "registry.h"

#define QUERY_MAX_PARAMS 32

typedef struct {
    char *name;
    char *value;
} qparam_t;

typedef struct {
    qparam_t items[QUERY_MAX_PARAMS];
    size_t n;
    char *buf; /* owns every name and value */
} qparams_t;

/* qs may be NULL (no query). On failure *out is empty and needs no free. */
bool query_parse(const char *qs, qparams_t *out, app_error_t *err);
void query_free(qparams_t *q);
const char *query_get(const qparams_t *q, const char *name);
/* Adds an unknown_parameter error for each parameter not in allowed (NULL-terminated). */
bool query_only(const qparams_t *q, const char *const *allowed, app_error_t *err);

typedef enum { FILTER_EQ, FILTER_GE, FILTER_LE } filter_op_t;

typedef struct {
    const field_t *field;
    filter_op_t op;
    const char *value; /* borrowed from the qparams_t */
} list_filter_t;

#define LIST_MAX_FILTERS 16

typedef struct {
    int limit;
    bool has_after;
    char after[37];
    const char *updated_since;
    size_t nfilters;
    list_filter_t filters[LIST_MAX_FILTERS];
} list_query_t;

bool list_query_build(const entity_t *e, const qparams_t *q, list_query_t *out, app_error_t *err);
/* Only the paging of q (limit and cursor), read as every list reads them:
 * for reads whose other parameters are no entity's filters. */
bool list_page_build(const entity_t *e, const qparams_t *q, list_query_t *out, app_error_t *err);

#endif
