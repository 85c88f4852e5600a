/* Fixtures shared by test_jwt.c and test_jwt_keys.c: keys generated once
 * per group, tokens signed here, the verifier's answers checked. */
#ifndef PROBITY_JWT_SUPPORT_H
#define PROBITY_JWT_SUPPORT_H

/* cmocka needs these first, in this order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* clang-format off */
#include <cmocka.h>
/* clang-format on */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "api/auth/jwt.h"

#define NOW 1000000
#define TOK_MAX 16384

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static const char SECRET[] = "0123456789abcdef0123456789abcdef";
static const char OTHER_SECRET[] = "fedcba9876543210fedcba9876543210";

#define H_RS "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"r1\"}"
#define H_ES "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"e1\"}"
#define H_HS "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define GOOD_CLAIMS                                                                                \
    "{\"iss\":\"https://idp.example\",\"aud\":\"probity\",\"sub\":\"user-42\","                    \
    "\"probity_role\":\"editor\",\"probity_org\":\"org-7\",\"iat\":999990,\"nbf\":999990,"         \
    "\"exp\":1003600}"

static const jwt_policy_t POL = {"https://idp.example", "probity", "probity_role", "probity_org",
                                 60};

/* Two keys of each type: the first published, the second the forger's. */
static EVP_PKEY *rsa1, *rsa2, *ec1, *ec2;
/* r1 + e1 + SECRET; the same JWKS alone; the same JWKS with OTHER_SECRET. */
static jwt_keys_t *keys, *keys_jwks_only, *keys_other_secret;

typedef enum { SIGN_RS, SIGN_ES, SIGN_ES_DER, SIGN_HS, SIGN_NOTHING } sign_kind_t;
typedef struct {
    sign_kind_t kind;
    EVP_PKEY *pkey;
    const void *secret;
    size_t secret_len;
} signer_t;

#define RS(k) ((signer_t){SIGN_RS, (k), NULL, 0})
#define ES(k) ((signer_t){SIGN_ES, (k), NULL, 0})
#define HS(s, n) ((signer_t){SIGN_HS, NULL, (s), (n)})
#define HS_SECRET HS(SECRET, strlen(SECRET))
#define UNSIGNED ((signer_t){SIGN_NOTHING, NULL, NULL, 0})

/* Unpadded base64url of in, NUL-terminated; returns its length. */
static inline size_t b64url(const unsigned char *in, size_t n, char *out)
{
    int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
    for (int i = 0; i < len; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    return (size_t)len;
}

static inline size_t sign_pkey(EVP_PKEY *pkey, const char *in, size_t n, unsigned char *sig,
                               size_t cap)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t len = cap;
    assert_non_null(ctx);
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey), 1);
    assert_int_equal(EVP_DigestSign(ctx, sig, &len, (const unsigned char *)in, n), 1);
    EVP_MD_CTX_free(ctx);
    return len;
}

/* OpenSSL's DER ECDSA signature turned into JWS's raw r || s. */
static inline size_t der_to_raw(unsigned char *sig, size_t len)
{
    const unsigned char *p = sig;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
    assert_non_null(es);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32), 32);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32), 32);
    ECDSA_SIG_free(es);
    return 64;
}

static inline size_t sign(signer_t s, const char *in, size_t n, unsigned char *sig, size_t cap)
{
    unsigned int maclen = 0;
    switch (s.kind) {
    case SIGN_RS:
    case SIGN_ES_DER:
        return sign_pkey(s.pkey, in, n, sig, cap);
    case SIGN_ES:
        return der_to_raw(sig, sign_pkey(s.pkey, in, n, sig, cap));
    case SIGN_HS:
        assert_non_null(HMAC(EVP_sha256(), s.secret, (int)s.secret_len, (const unsigned char *)in,
                             n, sig, &maclen));
        return maclen;
    case SIGN_NOTHING:
        return 0;
    }
    fail_msg("unknown signer %d", (int)s.kind);
    return 0;
}

/* tok = b64url(header) "." b64url(payload): the signing input. */
static inline void tok_start(char *tok, const char *header, const char *payload)
{
    size_t n = b64url((const unsigned char *)header, strlen(header), tok);
    tok[n++] = '.';
    b64url((const unsigned char *)payload, strlen(payload), tok + n);
}

static inline void tok_append_sig(char *tok, const unsigned char *sig, size_t n)
{
    size_t len = strlen(tok);
    tok[len++] = '.';
    b64url(sig, n, tok + len);
}

static inline char *make(char *tok, const char *header, const char *payload, signer_t s)
{
    unsigned char sig[1024];
    tok_start(tok, header, payload);
    tok_append_sig(tok, sig, sign(s, tok, strlen(tok), sig, sizeof sig));
    return tok;
}

/* GOOD_CLAIMS with member name set to v (stolen), or removed when v is NULL. */
static inline const char *claims_with(const char *name, json_t *v)
{
    static char buf[TOK_MAX];
    json_t *c = json_loads(GOOD_CLAIMS, 0, NULL);
    assert_non_null(c);
    if (v)
        json_object_set_new(c, name, v);
    else
        json_object_del(c, name);
    char *s = json_dumps(c, JSON_COMPACT);
    snprintf(buf, sizeof buf, "%s", s);
    free(s);
    json_decref(c);
    return buf;
}

static inline bool verify_at(const jwt_keys_t *k, const jwt_policy_t *pol, const char *tok,
                             size_t len, time_t now, jwt_claims_t *out, char *why, size_t whylen)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, tok, len);
    bool ok = jwt_verify(k, pol, copy, len, now, out, why, whylen);
    free(copy);
    return ok;
}

static inline void accepted_by(const jwt_keys_t *k, const jwt_policy_t *pol, const char *tok,
                               jwt_claims_t *out)
{
    char why[64] = "";
    if (!verify_at(k, pol, tok, strlen(tok), NOW, out, why, sizeof why))
        fail_msg("refused (%s): %s", why, tok);
}

/* Refused for exactly reason, with out untouched and no OpenSSL error left
 * queued on this thread. */
static inline void refused_by(const jwt_keys_t *k, const jwt_policy_t *pol, const char *tok,
                              size_t len, const char *reason)
{
    jwt_claims_t out, before;
    char why[64] = "";
    memset(&out, 0x5a, sizeof out);
    before = out;
    if (verify_at(k, pol, tok, len, NOW, &out, why, sizeof why))
        fail_msg("accepted, expected \"%s\": %.200s", reason, tok);
    if (strcmp(why, reason) != 0)
        fail_msg("refused with \"%s\", expected \"%s\": %.200s", why, reason, tok);
    assert_memory_equal(&out, &before, sizeof out);
    assert_int_equal(ERR_peek_error(), 0);
}

static inline void accepted(const char *tok)
{
    jwt_claims_t out;
    accepted_by(keys, &POL, tok, &out);
}

static inline void refused(const char *tok, const char *reason)
{
    refused_by(keys, &POL, tok, strlen(tok), reason);
}

static inline json_t *b64_json(const unsigned char *in, size_t n)
{
    char out[2048];
    b64url(in, n, out);
    return json_string(out);
}

static inline json_t *bn_json(EVP_PKEY *pkey, const char *param, int pad)
{
    BIGNUM *bn = NULL;
    unsigned char buf[1024];
    assert_int_equal(EVP_PKEY_get_bn_param(pkey, param, &bn), 1);
    int n = pad ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);
    BN_free(bn);
    return b64_json(buf, (size_t)n);
}

/* The public JWK of pkey; kid may be NULL. */
static inline json_t *jwk_of(EVP_PKEY *pkey, const char *kid)
{
    json_t *j;
    if (EVP_PKEY_is_a(pkey, "RSA"))
        j = json_pack("{s:s, s:o, s:o}", "kty", "RSA", "n", bn_json(pkey, OSSL_PKEY_PARAM_RSA_N, 0),
                      "e", bn_json(pkey, OSSL_PKEY_PARAM_RSA_E, 0));
    else
        j = json_pack("{s:s, s:s, s:o, s:o}", "kty", "EC", "crv", "P-256", "x",
                      bn_json(pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32), "y",
                      bn_json(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32));
    assert_non_null(j);
    if (kid)
        json_object_set_new(j, "kid", json_string(kid));
    return j;
}

/* Writes text to a fresh temporary file and loads it; msg gets the reason. */
static inline jwt_keys_t *load_text(const char *text, const char *secret, char *msg, size_t msglen)
{
    char path[] = "/tmp/test_jwt_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    jwt_keys_t *k = jwt_keys_load(path, secret, msg, msglen);
    unlink(path);
    return k;
}

/* Loads {"keys": set}; set is stolen. */
static inline jwt_keys_t *load_set(json_t *set, const char *secret, char *msg, size_t msglen)
{
    json_t *doc = json_pack("{s:o}", "keys", set);
    char *text = json_dumps(doc, JSON_COMPACT);
    jwt_keys_t *k = load_text(text, secret, msg, msglen);
    free(text);
    json_decref(doc);
    return k;
}

static inline jwt_keys_t *load_ok(json_t *set, const char *secret)
{
    char msg[256] = "";
    jwt_keys_t *k = load_set(set, secret, msg, sizeof msg);
    if (!k)
        fail_msg("load refused: %s", msg);
    return k;
}

static inline void load_refused(json_t *set, const char *secret, const char *reason)
{
    char msg[256] = "";
    jwt_keys_t *k = load_set(set, secret, msg, sizeof msg);
    if (k) {
        jwt_keys_free(k);
        fail_msg("load accepted, expected \"%s\"", reason);
    }
    if (!strstr(msg, reason))
        fail_msg("load refused with \"%s\", expected \"%s\"", msg, reason);
}

static inline json_t *main_set(void)
{
    return json_pack("[o, o]", jwk_of(rsa1, "r1"), jwk_of(ec1, "e1"));
}

static inline int group_setup(void **state)
{
    (void)state;
    rsa1 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    rsa2 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    ec1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    ec2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!rsa1 || !rsa2 || !ec1 || !ec2)
        return -1;
    keys = load_ok(main_set(), SECRET);
    keys_jwks_only = load_ok(main_set(), NULL);
    keys_other_secret = load_ok(main_set(), OTHER_SECRET);
    return 0;
}

static inline int group_teardown(void **state)
{
    (void)state;
    jwt_keys_free(keys);
    jwt_keys_free(keys_jwks_only);
    jwt_keys_free(keys_other_secret);
    EVP_PKEY_free(rsa1);
    EVP_PKEY_free(rsa2);
    EVP_PKEY_free(ec1);
    EVP_PKEY_free(ec2);
    return 0;
}

static inline void assert_good_claims(const jwt_claims_t *c)
{
    assert_string_equal(c->sub, "user-42");
    assert_string_equal(c->role, "editor");
    assert_string_equal(c->org, "org-7");
    assert_int_equal(c->exp, 1003600);
}

#endif
