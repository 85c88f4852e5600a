/* Authentication for both transports: a bearer token (an API key or a JWT)
 * becomes a principal, or an error kind with a reason that is safe to log
 * and show (never the token). API keys are looked up in the database, so
 * this runs on a pool worker in two steps: auth_begin queues the lookup
 * while the worker gathers its batch (one pipeline for all of them), and
 * auth_end reads the outcome and applies the caller's rate limit. */
#ifndef PROBITY_AUTH_H
#define PROBITY_AUTH_H

#include <stdbool.h>

#include "../../domain/authz.h"
#include "../../storage/db.h"

typedef struct {
    const char *jwks_file;      /* RS256/ES256 verification keys */
    const char *hs256_secret;   /* HS256 shared secret */
    const char *issuer, *audience;
    const char *role_claim, *org_claim;
    int leeway_s;
    const char *rate_limits;    /* "role=rate:burst,…"; see auth.c for the defaults */
} auth_config_t;

/* Loads the JWT keys and the rate limits; false with a one-line reason. */
bool auth_init(const auth_config_t *cfg, char *msg, size_t msglen);
void auth_shutdown(void);

typedef struct {
    enum { AUTH_UNSET, AUTH_PENDING, AUTH_OK, AUTH_FAILED } state;
    err_kind_t fail_kind;      /* ERR_UNAUTHENTICATED, or ERR_UNAVAILABLE for a lost database */
    bool token_given;          /* for WWW-Authenticate's error="invalid_token" */
    const char *why;
    char why_buf[128];
    unsigned char hash[32];    /* the presented key's secret hash */
    bool touch;
    principal_t who;
} auth_state_t;

/* authorization: the Authorization header value, or NULL; count: how many
 * Authorization headers came (more than one is refused: a proxy and we
 * could each honour a different one). */
void auth_begin(db_t *db, auth_state_t *a, const char *authorization, size_t count);
/* True with a->who set. False with err set: ERR_UNAUTHENTICATED (401),
 * ERR_RATE_LIMITED (429, *retry_after seconds) or ERR_UNAVAILABLE. */
bool auth_end(db_t *db, auth_state_t *a, const char *request_id, app_error_t *err,
              unsigned *retry_after);

#endif
