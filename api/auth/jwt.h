/* Verification of JSON Web Tokens (compact JWS, RFC 7515/7519) for API
 * authentication: RS256 and ES256 against a JWKS file, HS256 against a shared
 * secret. Nothing here fetches keys or trusts keys carried in a token. */
#ifndef PROBITY_JWT_H
#define PROBITY_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define JWT_MAX_TOKEN_LEN 8192
#define JWT_MIN_SECRET_LEN 32

typedef struct jwt_keys jwt_keys_t;

/* Loads the verification keys: a JWKS file (RFC 7517; RSA keys with n/e, at
 * least 2048 bits; EC P-256 keys with crv/x/y; "kid" required and unique when
 * the set has more than one key; "alg" and "use" honoured when present: a key
 * whose "use" is not "sig" or whose "alg" is not RS256 (RSA) / ES256 (EC) is
 * refused, as is one carrying private material) and/or an HS256 secret, its
 * bytes used as given, at least JWT_MIN_SECRET_LEN of them. Either may be NULL,
 * not both. Any refused key refuses the whole load: NULL with a one-line reason
 * in msg. The result is read-only and may be shared by threads.
 * Out of memory aborts, as everywhere in probityd. */
jwt_keys_t *jwt_keys_load(const char *jwks_path, const char *hs256_secret, char *msg,
                          size_t msglen);
void jwt_keys_free(jwt_keys_t *keys);

typedef struct {
    const char *issuer;     /* when non-NULL, "iss" must equal it */
    const char *audience;   /* when non-NULL, "aud" (string, or array of strings) must contain it */
    const char *role_claim; /* claim holding the role, e.g. "probity_role"; never NULL */
    const char *org_claim;  /* claim holding the organization id, e.g. "probity_org"; NULL: none */
    int leeway_s;           /* clock skew allowed on exp/nbf/iat */
} jwt_policy_t;

typedef struct {
    char sub[129]; /* "sub" claim, required, 1..128 bytes */
    char role[33]; /* value of role_claim, required string 1..32 bytes */
    char org[65];  /* value of org_claim, a string of 1..64 bytes; "" when absent */
    long long exp;
} jwt_claims_t;

/* Verifies token (len bytes, not necessarily NUL-terminated) at time now.
 * True with out filled; false with out untouched and a short reason in why that
 * is safe to log and to show the client (never the token or any part of it),
 * e.g. "token expired", "signature invalid", "algorithm not allowed".
 * Key choice: HS256 uses only the secret (a "kid" is ignored); RS256/ES256 use
 * the JWKS key named by "kid", else the single key of the matching type, and
 * are refused without "kid" when there are several. Safe to call concurrently. */
bool jwt_verify(const jwt_keys_t *keys, const jwt_policy_t *pol, const char *token, size_t len,
                time_t now, jwt_claims_t *out, char *why, size_t whylen);

#endif
