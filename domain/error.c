/* The one table from error kind to HTTP status, gRPC status code and
 * problem type. gRPC codes as numbers (grpc/doc/statuscodes.md): the
 * domain does not include the transport. A conflict is ABORTED here; the
 * bridge says ALREADY_EXISTS for one met by a Create (a unique key taken). */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const err_info_t ERR_TABLE[ERR__COUNT] = {
    [ERR_NONE] = {ERR_NONE, 200, 0 /* OK */, "none", "OK"},
    [ERR_MALFORMED] = {ERR_MALFORMED, 400, 3 /* INVALID_ARGUMENT */, "malformed-request", "Malformed request"},
    [ERR_INVALID] = {ERR_INVALID, 422, 3 /* INVALID_ARGUMENT */, "validation", "Validation failed"},
    [ERR_NOT_FOUND] = {ERR_NOT_FOUND, 404, 5 /* NOT_FOUND */, "not-found", "Not found"},
    [ERR_UNAUTHENTICATED] = {ERR_UNAUTHENTICATED, 401, 16 /* UNAUTHENTICATED */, "unauthenticated", "Unauthenticated"},
    [ERR_FORBIDDEN] = {ERR_FORBIDDEN, 403, 7 /* PERMISSION_DENIED */, "forbidden", "Forbidden"},
    [ERR_METHOD] = {ERR_METHOD, 405, 12 /* UNIMPLEMENTED */, "method-not-allowed", "Method not allowed"},
    [ERR_CONFLICT] = {ERR_CONFLICT, 409, 10 /* ABORTED */, "conflict", "Conflict"},
    [ERR_PRECONDITION] = {ERR_PRECONDITION, 412, 9 /* FAILED_PRECONDITION */, "precondition-failed", "Precondition failed"},
    [ERR_TOO_LARGE] = {ERR_TOO_LARGE, 413, 8 /* RESOURCE_EXHAUSTED */, "payload-too-large", "Payload too large"},
    [ERR_MEDIA_TYPE] = {ERR_MEDIA_TYPE, 415, 3 /* INVALID_ARGUMENT */, "unsupported-media-type", "Unsupported media type"},
    [ERR_NOT_ACCEPTABLE] = {ERR_NOT_ACCEPTABLE, 406, 3 /* INVALID_ARGUMENT */, "not-acceptable", "Not acceptable"},
    [ERR_LENGTH_REQUIRED] = {ERR_LENGTH_REQUIRED, 411, 3 /* INVALID_ARGUMENT */, "length-required", "Length required"},
    [ERR_HEADERS_TOO_LARGE] = {ERR_HEADERS_TOO_LARGE, 431, 8 /* RESOURCE_EXHAUSTED */, "headers-too-large",
                               "Request header fields too large"},
    [ERR_TIMEOUT] = {ERR_TIMEOUT, 408, 4 /* DEADLINE_EXCEEDED */, "request-timeout", "Request timeout"},
    [ERR_RATE_LIMITED] = {ERR_RATE_LIMITED, 429, 8 /* RESOURCE_EXHAUSTED */, "rate-limited", "Too many requests"},
    [ERR_UNAVAILABLE] = {ERR_UNAVAILABLE, 503, 14 /* UNAVAILABLE */, "unavailable", "Service unavailable"},
    [ERR_INTERNAL] = {ERR_INTERNAL, 500, 13 /* INTERNAL */, "internal", "Internal server error"},
};

const err_info_t *err_info_by_slug(const char *slug)
{
    for (int k = 0; k < ERR__COUNT; k++)
        if (strcmp(ERR_TABLE[k].slug, slug) == 0)
            return &ERR_TABLE[k];
    return NULL;
}

const err_info_t *err_info(err_kind_t kind)
{
    if ((int)kind < 0 || kind >= ERR__COUNT)
        kind = ERR_INTERNAL;
    return &ERR_TABLE[kind];
}

void err_clear(app_error_t *e)
{
    e->kind = ERR_NONE;
    e->detail[0] = '\0';
    e->nfields = 0;
}

void err_set(app_error_t *e, err_kind_t kind, const char *fmt, ...)
{
    va_list ap;
    e->kind = kind;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    va_end(ap);
}

void err_field(app_error_t *e, const char *field, const char *code, const char *fmt, ...)
{
    va_list ap;
    if (e->kind != ERR_INVALID) {
        e->kind = ERR_INVALID;
        snprintf(e->detail, sizeof e->detail, "The request has invalid fields; see errors.");
    }
    if (e->nfields >= ERR_MAX_FIELDS) {
        snprintf(e->detail, sizeof e->detail,
                 "The request has more than %d invalid fields; the first %d are listed.",
                 ERR_MAX_FIELDS, ERR_MAX_FIELDS);
        return;
    }
    field_error_t *f = &e->fields[e->nfields++];
    snprintf(f->field, sizeof f->field, "%s", field);
    snprintf(f->code, sizeof f->code, "%s", code);
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
}
