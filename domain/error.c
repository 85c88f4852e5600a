/* The one table from error kind to HTTP status and problem type. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const err_info_t ERR_TABLE[ERR__COUNT] = {
    [ERR_NONE] = {ERR_NONE, 200, "none", "OK"},
    [ERR_MALFORMED] = {ERR_MALFORMED, 400, "malformed-request", "Malformed request"},
    [ERR_INVALID] = {ERR_INVALID, 422, "validation", "Validation failed"},
    [ERR_NOT_FOUND] = {ERR_NOT_FOUND, 404, "not-found", "Not found"},
    [ERR_UNAUTHENTICATED] = {ERR_UNAUTHENTICATED, 401, "unauthenticated", "Unauthenticated"},
    [ERR_FORBIDDEN] = {ERR_FORBIDDEN, 403, "forbidden", "Forbidden"},
    [ERR_METHOD] = {ERR_METHOD, 405, "method-not-allowed", "Method not allowed"},
    [ERR_CONFLICT] = {ERR_CONFLICT, 409, "conflict", "Conflict"},
    [ERR_PRECONDITION] = {ERR_PRECONDITION, 412, "precondition-failed", "Precondition failed"},
    [ERR_TOO_LARGE] = {ERR_TOO_LARGE, 413, "payload-too-large", "Payload too large"},
    [ERR_MEDIA_TYPE] = {ERR_MEDIA_TYPE, 415, "unsupported-media-type", "Unsupported media type"},
    [ERR_NOT_ACCEPTABLE] = {ERR_NOT_ACCEPTABLE, 406, "not-acceptable", "Not acceptable"},
    [ERR_LENGTH_REQUIRED] = {ERR_LENGTH_REQUIRED, 411, "length-required", "Length required"},
    [ERR_HEADERS_TOO_LARGE] = {ERR_HEADERS_TOO_LARGE, 431, "headers-too-large",
                               "Request header fields too large"},
    [ERR_TIMEOUT] = {ERR_TIMEOUT, 408, "request-timeout", "Request timeout"},
    [ERR_RATE_LIMITED] = {ERR_RATE_LIMITED, 429, "rate-limited", "Too many requests"},
    [ERR_UNAVAILABLE] = {ERR_UNAVAILABLE, 503, "unavailable", "Service unavailable"},
    [ERR_INTERNAL] = {ERR_INTERNAL, 500, "internal", "Internal server error"},
};

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
