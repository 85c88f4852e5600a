/* Validation of request documents against the entity registry. Runs before
 * any storage code, and lists every bad field, not just the first. */
#ifndef PROBITY_VALIDATE_H
#define PROBITY_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>

#include "error.h"
#include "registry.h"

/* A create body: only writable fields (not F_PATCH_ONLY ones: a rule sets
 * those); required ones present; absent ones get their registry default (or
 * null) filled into doc. */
bool validate_create(const entity_t *e, json_t *doc, app_error_t *err);

/* A merge patch body: only writable, known fields, and each value present
 * valid for its field (the merged whole is checked by validate_merged). */
bool validate_patch_keys(const entity_t *e, json_t *patch, app_error_t *err);

/* The document after a merge patch: every writable field checked as on
 * create; read-only fields are ignored (they come from the stored row). */
bool validate_merged(const entity_t *e, json_t *doc, app_error_t *err);

/* One value against one field description; path names it in errors. */
bool validate_value(const field_t *f, json_t *v, const char *path, app_error_t *err);

#endif
