/* Bearer tokens to principals: API keys through the database, JWTs by
 * signature; then the caller's token bucket. */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "../../domain/textcheck.h"
#include "../../storage/key_store.h"
#include "../../storage/log.h"
#include "apikey.h"
#include "jwt.h"
#include "ratelimit.h"

static jwt_keys_t *JWT_KEYS;
static jwt_policy_t POLICY;
static ratelimit_t *LIMITER;
/* Per role, in requests per second and burst. A person's frontend seldom
 * needs more than a few per second; a ministry system batch-loads. */
static rl_rule_t LIMITS[ROLE__COUNT] = {
    [ROLE_ADMIN] = {100, 200},   [ROLE_AUDITOR] = {100, 200}, [ROLE_OFFICER] = {100, 200},
    [ROLE_VIEWER] = {100, 200},  [ROLE_INTEGRATION] = {500, 1000},
};
#define LIMITER_CALLERS 65536

static const char KEY_REFUSED[] = "The API key is invalid, expired or revoked.";

bool auth_init(const auth_config_t *cfg, char *msg, size_t msglen)
{
    if (cfg->rate_limits && !ratelimit_parse(cfg->rate_limits, ROLE_NAMES, ROLE__COUNT, LIMITS,
                                             msg, msglen))
        return false;
    if (cfg->jwks_file || cfg->hs256_secret) {
        JWT_KEYS = jwt_keys_load(cfg->jwks_file, cfg->hs256_secret, msg, msglen);
        if (!JWT_KEYS)
            return false;
    }
    POLICY = (jwt_policy_t){cfg->issuer, cfg->audience,
                            cfg->role_claim ? cfg->role_claim : "probity_role",
                            cfg->org_claim ? cfg->org_claim : "probity_org", cfg->leeway_s};
    LIMITER = ratelimit_create(LIMITER_CALLERS);
    if (!LIMITER)
        abort();
    return true;
}

void auth_shutdown(void)
{
    jwt_keys_free(JWT_KEYS);
    JWT_KEYS = NULL;
    ratelimit_free(LIMITER);
    LIMITER = NULL;
}

static void refuse(auth_state_t *a, err_kind_t kind, const char *why)
{
    a->state = AUTH_FAILED;
    a->fail_kind = kind;
    a->why = why;
}

static void key_found(void *arg, const PGresult *res, app_error_t *err)
{
    auth_state_t *a = arg;
    if (!res) {
        refuse(a, err->kind == ERR_UNAVAILABLE ? ERR_UNAVAILABLE : ERR_INTERNAL,
               "The credentials could not be checked; retry later.");
        return;
    }
    char hex[65];
    text_hex(a->hash, 32, hex);
    role_t role;
    /* One answer for an unknown prefix and a wrong secret, and the secret
     * compared in constant time: neither tells a prober anything. */
    if (PQntuples(res) != 1 || PQgetlength(res, 0, 1) != 64 ||
        CRYPTO_memcmp(hex, PQgetvalue(res, 0, 1), 64) != 0 ||
        !role_parse(PQgetvalue(res, 0, 2), &role)) {
        refuse(a, ERR_UNAUTHENTICATED, KEY_REFUSED);
        return;
    }
    a->who.role = role;
    text_copy(a->who.key_id, sizeof a->who.key_id, PQgetvalue(res, 0, 0));
    const char *org = PQgetvalue(res, 0, 3);
    a->who.global = org[0] == '\0';
    text_copy(a->who.org, sizeof a->who.org, org);
    a->touch = PQgetvalue(res, 0, 4)[0] == 't';
    a->state = AUTH_OK;
}

static void jwt_principal(auth_state_t *a, const char *tok, size_t len)
{
    jwt_claims_t c;
    if (!JWT_KEYS) {
        refuse(a, ERR_UNAUTHENTICATED, "The token is neither an API key nor an accepted JWT.");
        return;
    }
    char why[96];
    if (!jwt_verify(JWT_KEYS, &POLICY, tok, len, time(NULL), &c, why, sizeof why)) {
        snprintf(a->why_buf, sizeof a->why_buf, "The JWT was refused: %s.", why);
        refuse(a, ERR_UNAUTHENTICATED, a->why_buf);
        return;
    }
    if (!role_parse(c.role, &a->who.role)) {
        refuse(a, ERR_UNAUTHENTICATED, "The JWT's role claim names no Probity role.");
        return;
    }
    /* A JWT always names its subtree: only keys made on the command line
     * span the whole tree. */
    if (!text_uuid_normalize(c.org, a->who.org)) {
        refuse(a, ERR_UNAUTHENTICATED, "The JWT's organization claim is missing or not a UUID.");
        return;
    }
    a->who.global = false;
    snprintf(a->who.actor, sizeof a->who.actor, "jwt:%s", c.sub);
    a->state = AUTH_OK;
}

void auth_begin(db_t *db, auth_state_t *a, const char *authorization, size_t count)
{
    memset(a, 0, sizeof *a);
    if (count > 1) {
        a->token_given = true;
        refuse(a, ERR_UNAUTHENTICATED, "Send exactly one Authorization header.");
        return;
    }
    if (!authorization) {
        refuse(a, ERR_UNAUTHENTICATED, "This resource needs Authorization: Bearer <token>.");
        return;
    }
    if (strncasecmp(authorization, "Bearer", 6) != 0 ||
        (authorization[6] != ' ' && authorization[6] != '\0')) {
        refuse(a, ERR_UNAUTHENTICATED, "Only the Bearer authorization scheme is accepted.");
        return;
    }
    const char *tok = authorization + 6;
    while (*tok == ' ')
        tok++;
    size_t len = strlen(tok);
    while (len && tok[len - 1] == ' ')
        len--;
    if (len == 0) {
        refuse(a, ERR_UNAUTHENTICATED, "The Bearer token is empty.");
        return;
    }
    a->token_given = true;
    if (!apikey_is_key(tok, len)) {
        jwt_principal(a, tok, len);
        return;
    }
    char prefix[APIKEY_PREFIX_LEN + 1];
    if (!apikey_parse(tok, len, prefix, a->hash)) {
        refuse(a, ERR_UNAUTHENTICATED, KEY_REFUSED);
        return;
    }
    memcpy(a->who.actor, "key:", 4);
    text_copy(a->who.actor + 4, sizeof a->who.actor - 4, prefix);
    a->state = AUTH_PENDING;
    key_store_lookup_async(db, prefix, key_found, a);
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool auth_end(db_t *db, auth_state_t *a, const char *request_id, app_error_t *err,
              unsigned *retry_after)
{
    if (a->state != AUTH_OK) {
        json_t *line = json_object();
        json_object_set_new(line, "event", json_string("auth_failed"));
        json_object_set_new(line, "request_id", json_string(request_id));
        json_object_set_new(line, "reason", json_string(a->why ? a->why : "unknown"));
        if (a->who.actor[0]) /* the key's public prefix only */
            json_object_set_new(line, "actor", json_string(a->who.actor));
        log_json("warn", line);
        err_set(err, a->state == AUTH_FAILED ? a->fail_kind : ERR_INTERNAL, "%s",
                a->why ? a->why : "Authentication did not complete.");
        return false;
    }
    if (a->touch)
        key_store_touch(db, a->who.key_id);
    rl_rule_t rule = LIMITS[a->who.role];
    *retry_after = ratelimit_take(LIMITER, a->who.actor, rule, mono_ns());
    if (*retry_after) {
        err_set(err, ERR_RATE_LIMITED,
                "More than %u requests per second (burst %u) for this caller; retry in %u s.",
                rule.rate_per_s, rule.burst, *retry_after);
        return false;
    }
    return true;
}
