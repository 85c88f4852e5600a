/* Error kinds shared by every layer and transport. Domain and storage code
 * report a kind plus details; api/http (and later api/grpc) map the kind to
 * their own status through the one table in error.c. */
#ifndef PROBITY_ERROR_H
#define PROBITY_ERROR_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    ERR_NONE = 0,
    ERR_MALFORMED,       /* unparseable request: bad JSON syntax, bad header */
    ERR_INVALID,         /* well-formed but breaks a field rule */
    ERR_NOT_FOUND,
    ERR_UNAUTHENTICATED, /* no credentials, or ones that are invalid, expired or revoked */
    ERR_FORBIDDEN,       /* known caller, not allowed (outside its rights or origin) */
    ERR_METHOD,          /* method not allowed on this route */
    ERR_CONFLICT,        /* state conflict: unique key, dependants, transition */
    ERR_PRECONDITION,    /* If-Match names a stale version */
    ERR_TOO_LARGE,
    ERR_MEDIA_TYPE,
    ERR_NOT_ACCEPTABLE,  /* no representation the Accept header allows */
    ERR_LENGTH_REQUIRED,
    ERR_HEADERS_TOO_LARGE,
    ERR_TIMEOUT,         /* the client was too slow to send its request */
    ERR_RATE_LIMITED,    /* the caller's token bucket is empty */
    ERR_UNAVAILABLE,     /* database unreachable or overloaded */
    ERR_INTERNAL,
    ERR__COUNT
} err_kind_t;

typedef struct {
    err_kind_t kind;
    int http_status;
    int grpc_code;      /* the gRPC status code (grpc_code_t in api/grpc) */
    const char *slug;   /* problem type: urn:probity:problem:<slug> */
    const char *title;
} err_info_t;

const err_info_t *err_info(err_kind_t kind);
/* The kind whose problem type is urn:probity:problem:<slug>, or NULL. */
const err_info_t *err_info_by_slug(const char *slug);

#define ERR_MAX_FIELDS 32

typedef struct {
    char field[96];      /* JSON path of the offending member, e.g. relatives[1].relation */
    char code[24];       /* machine-readable: required, type, too_long, enum, ... */
    char message[320];
} field_error_t;

/* One error value travels from where it is found to the transport. detail is
 * human text for the problem's `detail`; fields is filled for ERR_INVALID. */
typedef struct {
    err_kind_t kind;
    char detail[256];
    size_t nfields;
    field_error_t fields[ERR_MAX_FIELDS];
} app_error_t;

void err_set(app_error_t *e, err_kind_t kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds a field error and makes e an ERR_INVALID; silently drops entries past
 * ERR_MAX_FIELDS (the detail then says how many were dropped). */
void err_field(app_error_t *e, const char *field, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void err_clear(app_error_t *e);

#endif
