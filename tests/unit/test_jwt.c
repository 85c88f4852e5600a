/* Unit tests for api/auth/jwt.c: keys generated here, published as a JWKS in a
 * temporary file, tokens signed here. Every verification gets an exact-size
 * heap copy of the token, so ASan catches any read past len. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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
static size_t b64url(const unsigned char *in, size_t n, char *out)
{
    int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
    for (int i = 0; i < len; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    return (size_t)len;
}

static size_t sign_pkey(EVP_PKEY *pkey, const char *in, size_t n, unsigned char *sig, size_t cap)
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
static size_t der_to_raw(unsigned char *sig, size_t len)
{
    const unsigned char *p = sig;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
    assert_non_null(es);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32), 32);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32), 32);
    ECDSA_SIG_free(es);
    return 64;
}

static size_t sign(signer_t s, const char *in, size_t n, unsigned char *sig, size_t cap)
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
static void tok_start(char *tok, const char *header, const char *payload)
{
    size_t n = b64url((const unsigned char *)header, strlen(header), tok);
    tok[n++] = '.';
    b64url((const unsigned char *)payload, strlen(payload), tok + n);
}

static void tok_append_sig(char *tok, const unsigned char *sig, size_t n)
{
    size_t len = strlen(tok);
    tok[len++] = '.';
    b64url(sig, n, tok + len);
}

static char *make(char *tok, const char *header, const char *payload, signer_t s)
{
    unsigned char sig[1024];
    tok_start(tok, header, payload);
    tok_append_sig(tok, sig, sign(s, tok, strlen(tok), sig, sizeof sig));
    return tok;
}

/* GOOD_CLAIMS with member name set to v (stolen), or removed when v is NULL. */
static const char *claims_with(const char *name, json_t *v)
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

static bool verify_at(const jwt_keys_t *k, const jwt_policy_t *pol, const char *tok, size_t len,
                      time_t now, jwt_claims_t *out, char *why, size_t whylen)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, tok, len);
    bool ok = jwt_verify(k, pol, copy, len, now, out, why, whylen);
    free(copy);
    return ok;
}

static void accepted_by(const jwt_keys_t *k, const jwt_policy_t *pol, const char *tok,
                        jwt_claims_t *out)
{
    char why[64] = "";
    if (!verify_at(k, pol, tok, strlen(tok), NOW, out, why, sizeof why))
        fail_msg("refused (%s): %s", why, tok);
}

/* Refused for exactly reason, with out untouched and no OpenSSL error left
 * queued on this thread. */
static void refused_by(const jwt_keys_t *k, const jwt_policy_t *pol, const char *tok, size_t len,
                       const char *reason)
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

static void accepted(const char *tok)
{
    jwt_claims_t out;
    accepted_by(keys, &POL, tok, &out);
}

static void refused(const char *tok, const char *reason)
{
    refused_by(keys, &POL, tok, strlen(tok), reason);
}

static json_t *b64_json(const unsigned char *in, size_t n)
{
    char out[2048];
    b64url(in, n, out);
    return json_string(out);
}

static json_t *bn_json(EVP_PKEY *pkey, const char *param, int pad)
{
    BIGNUM *bn = NULL;
    unsigned char buf[1024];
    assert_int_equal(EVP_PKEY_get_bn_param(pkey, param, &bn), 1);
    int n = pad ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);
    BN_free(bn);
    return b64_json(buf, (size_t)n);
}

/* The public JWK of pkey; kid may be NULL. */
static json_t *jwk_of(EVP_PKEY *pkey, const char *kid)
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
static jwt_keys_t *load_text(const char *text, const char *secret, char *msg, size_t msglen)
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
static jwt_keys_t *load_set(json_t *set, const char *secret, char *msg, size_t msglen)
{
    json_t *doc = json_pack("{s:o}", "keys", set);
    char *text = json_dumps(doc, JSON_COMPACT);
    jwt_keys_t *k = load_text(text, secret, msg, msglen);
    free(text);
    json_decref(doc);
    return k;
}

static jwt_keys_t *load_ok(json_t *set, const char *secret)
{
    char msg[256] = "";
    jwt_keys_t *k = load_set(set, secret, msg, sizeof msg);
    if (!k)
        fail_msg("load refused: %s", msg);
    return k;
}

static void load_refused(json_t *set, const char *secret, const char *reason)
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

static json_t *main_set(void)
{
    return json_pack("[o, o]", jwk_of(rsa1, "r1"), jwk_of(ec1, "e1"));
}

static int group_setup(void **state)
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

static int group_teardown(void **state)
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

static void assert_good_claims(const jwt_claims_t *c)
{
    assert_string_equal(c->sub, "user-42");
    assert_string_equal(c->role, "editor");
    assert_string_equal(c->org, "org-7");
    assert_int_equal(c->exp, 1003600);
}

static void test_valid_tokens(void **state)
{
    (void)state;
    char t[TOK_MAX];
    jwt_claims_t c;
    accepted_by(keys, &POL, make(t, H_RS, GOOD_CLAIMS, RS(rsa1)), &c);
    assert_good_claims(&c);
    accepted_by(keys, &POL, make(t, H_ES, GOOD_CLAIMS, ES(ec1)), &c);
    assert_good_claims(&c);
    accepted_by(keys, &POL, make(t, H_HS, GOOD_CLAIMS, HS_SECRET), &c);
    assert_good_claims(&c);
    /* Without kid: the one key of the type. typ is optional and case-blind. */
    accepted(make(t, "{\"alg\":\"RS256\"}", GOOD_CLAIMS, RS(rsa1)));
    accepted(make(t, "{\"alg\":\"ES256\",\"typ\":\"jwt\"}", GOOD_CLAIMS, ES(ec1)));
    accepted(make(t, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}", GOOD_CLAIMS, ES(ec1)));
    /* HS256 ignores kid: the secret is its only key. */
    accepted(make(t, "{\"alg\":\"HS256\",\"kid\":\"r1\"}", GOOD_CLAIMS, HS_SECRET));
    /* Numbers may be reals; exp is reported truncated. */
    accepted_by(keys, &POL, make(t, H_HS, claims_with("exp", json_real(1003600.75)), HS_SECRET),
                &c);
    assert_int_equal(c.exp, 1003600);
}

static void test_alg_none_and_others(void **state)
{
    (void)state;
    static const char *const HEADERS[] = {
        "{\"alg\":\"none\"}",   "{\"alg\":\"None\"}",    "{\"alg\":\"NONE\"}",
        "{\"alg\":\"nOnE\"}",   "{\"typ\":\"JWT\"}",     "{\"alg\":null}",
        "{\"alg\":256}",        "{\"alg\":\"hs256\"}",   "{\"alg\":\"HS512\"}",
        "{\"alg\":\"RS384\"}",  "{\"alg\":\"PS256\"}",   "{\"alg\":\"ES256K\"}",
        "{\"alg\":\"RS256 \"}", "{\"alg\":[\"RS256\"]}",
    };
    char t[TOK_MAX];
    for (size_t i = 0; i < sizeof HEADERS / sizeof HEADERS[0]; i++) {
        refused(make(t, HEADERS[i], GOOD_CLAIMS, UNSIGNED), "algorithm not allowed");
        refused(make(t, HEADERS[i], GOOD_CLAIMS, HS_SECRET), "algorithm not allowed");
    }
}

/* HS256 tokens whose HMAC key is public material: the RSA key's PEM, its n,
 * the EC point. With no secret configured HS256 is off; with one, only it counts. */
static void test_hs256_confusion(void **state)
{
    (void)state;
    unsigned char n[512], point[65];
    char pem[2048], t[TOK_MAX];
    BIO *bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PUBKEY(bio, rsa1), 1);
    int pemlen = BIO_read(bio, pem, sizeof pem);
    assert_true(pemlen > 0);
    BIO_free(bio);
    BIGNUM *bn = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(rsa1, OSSL_PKEY_PARAM_RSA_N, &bn), 1);
    int nlen = BN_bn2bin(bn, n);
    BN_free(bn);
    size_t plen = 0;
    assert_int_equal(
        EVP_PKEY_get_octet_string_param(ec1, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &plen),
        1);
    const signer_t forged[] = {HS(pem, (size_t)pemlen), HS(n, (size_t)nlen), HS(point, plen)};
    const char *headers[] = {H_HS, "{\"alg\":\"HS256\",\"kid\":\"r1\"}",
                             "{\"alg\":\"HS256\",\"kid\":\"e1\"}"};
    for (size_t i = 0; i < 3; i++)
        for (size_t h = 0; h < 3; h++) {
            make(t, headers[h], GOOD_CLAIMS, forged[i]);
            refused_by(keys_jwks_only, &POL, t, strlen(t), "algorithm not allowed");
            refused_by(keys_other_secret, &POL, t, strlen(t), "signature invalid");
            refused(t, "signature invalid");
        }
}

static void test_type_confusion(void **state)
{
    (void)state;
    char t[TOK_MAX];
    refused(make(t, "{\"alg\":\"RS256\",\"kid\":\"e1\"}", GOOD_CLAIMS, RS(rsa1)),
            "algorithm does not match key");
    refused(make(t, "{\"alg\":\"ES256\",\"kid\":\"r1\"}", GOOD_CLAIMS, ES(ec1)),
            "algorithm does not match key");
    /* No key of the type at all. */
    jwt_keys_t *rsa_only = load_ok(json_pack("[o]", jwk_of(rsa1, NULL)), NULL);
    make(t, "{\"alg\":\"ES256\"}", GOOD_CLAIMS, ES(ec1));
    refused_by(rsa_only, &POL, t, strlen(t), "algorithm not allowed");
    jwt_keys_free(rsa_only);
}

static void test_wrong_key_and_kid(void **state)
{
    (void)state;
    char t[TOK_MAX];
    refused(make(t, H_RS, GOOD_CLAIMS, RS(rsa2)), "signature invalid");
    refused(make(t, H_ES, GOOD_CLAIMS, ES(ec2)), "signature invalid");
    refused(make(t, H_HS, GOOD_CLAIMS, HS(OTHER_SECRET, strlen(OTHER_SECRET))),
            "signature invalid");
    refused(make(t, "{\"alg\":\"RS256\",\"kid\":\"r2\"}", GOOD_CLAIMS, RS(rsa2)), "unknown key id");
    refused(make(t, "{\"alg\":\"RS256\",\"kid\":\"\"}", GOOD_CLAIMS, RS(rsa1)), "unknown key id");
    refused(make(t, "{\"alg\":\"RS256\",\"kid\":7}", GOOD_CLAIMS, RS(rsa1)), "malformed header");
}

static void test_kid_selection(void **state)
{
    (void)state;
    char t[TOK_MAX];
    jwt_keys_t *two = load_ok(json_pack("[o, o]", jwk_of(rsa1, "r1"), jwk_of(rsa2, "r2")), NULL);
    make(t, "{\"alg\":\"RS256\"}", GOOD_CLAIMS, RS(rsa2));
    refused_by(two, &POL, t, strlen(t), "key id required");
    jwt_claims_t c;
    accepted_by(two, &POL, make(t, "{\"alg\":\"RS256\",\"kid\":\"r2\"}", GOOD_CLAIMS, RS(rsa2)),
                &c);
    make(t, "{\"alg\":\"RS256\",\"kid\":\"r1\"}", GOOD_CLAIMS, RS(rsa2));
    refused_by(two, &POL, t, strlen(t), "signature invalid");
    jwt_keys_free(two);

    jwt_keys_t *one = load_ok(json_pack("[o]", jwk_of(ec1, NULL)), NULL);
    accepted_by(one, &POL, make(t, "{\"alg\":\"ES256\"}", GOOD_CLAIMS, ES(ec1)), &c);
    make(t, "{\"alg\":\"ES256\",\"kid\":\"e1\"}", GOOD_CLAIMS, ES(ec1));
    refused_by(one, &POL, t, strlen(t), "unknown key id");
    jwt_keys_free(one);
}

/* Replaces the payload segment of tok, keeping its header and signature. */
static void swap_payload(char *tok, const char *payload)
{
    char out[TOK_MAX];
    size_t h = (size_t)(strchr(tok, '.') - tok) + 1;
    memcpy(out, tok, h);
    size_t n = b64url((const unsigned char *)payload, strlen(payload), out + h);
    strcpy(out + h + n, strrchr(tok, '.'));
    strcpy(tok, out);
}

/* Changes one character of tok at i to another base64url character. */
static void flip(char *tok, size_t i)
{
    tok[i] = tok[i] == 'A' ? 'B' : 'A';
}

static void test_tampering(void **state)
{
    (void)state;
    const char *evil = claims_with("probity_role", json_string("admin"));
    char t[TOK_MAX];
    const signer_t signers[] = {RS(rsa1), ES(ec1), HS_SECRET};
    const char *headers[] = {H_RS, H_ES, H_HS};
    for (size_t i = 0; i < 3; i++) {
        make(t, headers[i], GOOD_CLAIMS, signers[i]);
        swap_payload(t, evil);
        refused(t, "signature invalid");
        make(t, headers[i], GOOD_CLAIMS, signers[i]);
        flip(t, strlen(t) - 10); /* inside the signature */
        refused(t, "signature invalid");
        make(t, headers[i], GOOD_CLAIMS, signers[i]);
        flip(t, strchr(t, '.') + 5 - t); /* inside the payload */
        refused(t, "signature invalid");
    }
}

static void test_time_claims(void **state)
{
    (void)state;
    char t[TOK_MAX];
    jwt_policy_t strict = POL;
    strict.leeway_s = 0;
    /* exp: now > exp + leeway */
    accepted(make(t, H_HS, claims_with("exp", json_integer(NOW - 60)), HS_SECRET));
    refused(make(t, H_HS, claims_with("exp", json_integer(NOW - 61)), HS_SECRET), "token expired");
    refused(make(t, H_HS, claims_with("exp", json_real(NOW - 60.5)), HS_SECRET), "token expired");
    make(t, H_HS, claims_with("exp", json_integer(NOW)), HS_SECRET);
    jwt_claims_t c;
    accepted_by(keys, &strict, t, &c);
    make(t, H_HS, claims_with("exp", json_integer(NOW - 1)), HS_SECRET);
    refused_by(keys, &strict, t, strlen(t), "token expired");
    /* nbf: now + leeway < nbf */
    accepted(make(t, H_HS, claims_with("nbf", json_integer(NOW + 60)), HS_SECRET));
    refused(make(t, H_HS, claims_with("nbf", json_integer(NOW + 61)), HS_SECRET),
            "token not yet valid");
    refused(make(t, H_HS, claims_with("nbf", json_real(NOW + 60.5)), HS_SECRET),
            "token not yet valid");
    /* iat in the future beyond leeway */
    accepted(make(t, H_HS, claims_with("iat", json_integer(NOW + 60)), HS_SECRET));
    refused(make(t, H_HS, claims_with("iat", json_integer(NOW + 61)), HS_SECRET),
            "token issued in the future");
    /* nbf and iat are optional; exp is not, and all must be numbers. */
    accepted(make(t, H_HS, claims_with("nbf", NULL), HS_SECRET));
    accepted(make(t, H_HS, claims_with("iat", NULL), HS_SECRET));
    refused(make(t, H_HS, claims_with("exp", NULL), HS_SECRET), "missing or invalid exp claim");
    refused(make(t, H_HS, claims_with("exp", json_string("1003600")), HS_SECRET),
            "missing or invalid exp claim");
    refused(make(t, H_HS, claims_with("exp", json_real(1e300)), HS_SECRET),
            "missing or invalid exp claim");
    refused(make(t, H_HS, claims_with("nbf", json_true()), HS_SECRET), "invalid nbf or iat claim");
    refused(make(t, H_HS, claims_with("iat", json_null()), HS_SECRET), "invalid nbf or iat claim");
}

static void test_issuer_audience(void **state)
{
    (void)state;
    char t[TOK_MAX];
    jwt_policy_t open = POL;
    open.issuer = NULL;
    open.audience = NULL;
    refused(make(t, H_HS, claims_with("iss", json_string("https://evil.example")), HS_SECRET),
            "issuer mismatch");
    refused(make(t, H_HS, claims_with("iss", NULL), HS_SECRET), "issuer mismatch");
    refused(make(t, H_HS, claims_with("iss", json_integer(1)), HS_SECRET), "issuer mismatch");
    refused(make(t, H_HS, claims_with("aud", json_string("other")), HS_SECRET),
            "audience mismatch");
    refused(make(t, H_HS, claims_with("aud", NULL), HS_SECRET), "audience mismatch");
    refused(make(t, H_HS, claims_with("aud", json_pack("[s, s]", "a", "b")), HS_SECRET),
            "audience mismatch");
    refused(make(t, H_HS, claims_with("aud", json_pack("[i, [s]]", 1, "probity")), HS_SECRET),
            "audience mismatch");
    refused(make(t, H_HS, claims_with("aud", json_pack("{s:s}", "x", "probity")), HS_SECRET),
            "audience mismatch");
    accepted(make(t, H_HS, claims_with("aud", json_pack("[s, s]", "a", "probity")), HS_SECRET));
    accepted(make(t, H_HS, claims_with("aud", json_pack("[i, s]", 3, "probity")), HS_SECRET));

    jwt_claims_t c;
    make(t, H_HS, claims_with("iss", NULL), HS_SECRET);
    accepted_by(keys, &open, t, &c);
    make(t, H_HS, claims_with("aud", json_string("other")), HS_SECRET);
    accepted_by(keys, &open, t, &c);
}

static void test_subject_role_org(void **state)
{
    (void)state;
    char t[TOK_MAX], big[200];
    jwt_claims_t c;
    memset(big, 'x', sizeof big);
    refused(make(t, H_HS, claims_with("sub", NULL), HS_SECRET), "missing or invalid sub claim");
    refused(make(t, H_HS, claims_with("sub", json_string("")), HS_SECRET),
            "missing or invalid sub claim");
    refused(make(t, H_HS, claims_with("sub", json_integer(42)), HS_SECRET),
            "missing or invalid sub claim");
    refused(make(t, H_HS, claims_with("sub", json_string("a\nb")), HS_SECRET),
            "missing or invalid sub claim");
    refused(make(t, H_HS, claims_with("sub", json_stringn(big, 129)), HS_SECRET),
            "missing or invalid sub claim");
    accepted_by(keys, &POL, make(t, H_HS, claims_with("sub", json_stringn(big, 128)), HS_SECRET),
                &c);
    assert_int_equal(strlen(c.sub), 128);

    refused(make(t, H_HS, claims_with("probity_role", NULL), HS_SECRET),
            "missing or invalid role claim");
    refused(make(t, H_HS, claims_with("probity_role", json_pack("[s]", "admin")), HS_SECRET),
            "missing or invalid role claim");
    refused(make(t, H_HS, claims_with("probity_role", json_stringn(big, 33)), HS_SECRET),
            "missing or invalid role claim");
    accepted_by(keys, &POL,
                make(t, H_HS, claims_with("probity_role", json_stringn(big, 32)), HS_SECRET), &c);
    assert_int_equal(strlen(c.role), 32);

    accepted_by(keys, &POL, make(t, H_HS, claims_with("probity_org", NULL), HS_SECRET), &c);
    assert_string_equal(c.org, "");
    refused(make(t, H_HS, claims_with("probity_org", json_integer(7)), HS_SECRET),
            "invalid organization claim");
    refused(make(t, H_HS, claims_with("probity_org", json_stringn(big, 65)), HS_SECRET),
            "invalid organization claim");
    accepted_by(keys, &POL,
                make(t, H_HS, claims_with("probity_org", json_stringn(big, 64)), HS_SECRET), &c);
    assert_int_equal(strlen(c.org), 64);
    jwt_policy_t no_org = POL;
    no_org.org_claim = NULL;
    accepted_by(keys, &no_org, make(t, H_HS, GOOD_CLAIMS, HS_SECRET), &c);
    assert_string_equal(c.org, "");
}

static void test_header_rules(void **state)
{
    (void)state;
    char t[TOK_MAX];
    refused(make(t, "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", GOOD_CLAIMS, HS_SECRET),
            "unsupported critical header");
    refused(make(t, "{\"alg\":\"RS256\",\"kid\":\"r1\",\"crit\":[]}", GOOD_CLAIMS, RS(rsa1)),
            "unsupported critical header");
    refused(make(t, "{\"alg\":\"HS256\",\"typ\":\"JOSE\"}", GOOD_CLAIMS, HS_SECRET),
            "unsupported token type");
    refused(make(t, "{\"alg\":\"HS256\",\"typ\":1}", GOOD_CLAIMS, HS_SECRET),
            "unsupported token type");
    refused(make(t, "{\"alg\":\"HS256\",\"alg\":\"HS256\"}", GOOD_CLAIMS, HS_SECRET),
            "malformed token");
    refused(make(t, "{\"alg\":\"none\",\"alg\":\"HS256\"}", GOOD_CLAIMS, HS_SECRET),
            "malformed token");
    refused(make(t, "[\"HS256\"]", GOOD_CLAIMS, HS_SECRET), "malformed token");
    refused(make(t, "{\"alg\":\"HS256\"} x", GOOD_CLAIMS, HS_SECRET), "malformed token");
    refused(make(t, "", GOOD_CLAIMS, HS_SECRET), "malformed token");
    /* A payload that is signed but not one JSON object. */
    refused(make(t, H_HS, "{\"sub\":\"a\",\"sub\":\"b\",\"exp\":1003600}", HS_SECRET),
            "malformed token");
    refused(make(t, H_HS, "[1]", HS_SECRET), "malformed token");
    refused(make(t, H_HS, "", HS_SECRET), "malformed token");
}

static void test_encoding(void **state)
{
    (void)state;
    char good[TOK_MAX / 2], t[TOK_MAX];
    /* 28 header bytes: 38 characters, so its last one has spare bits. */
    make(good, "{\"alg\":\"HS256\", \"typ\":\"JWT\"}", GOOD_CLAIMS, HS_SECRET);
    accepted(good);
    size_t hlen = (size_t)(strchr(good, '.') - good), len = strlen(good);
    /* Segments and characters. */
    static const char *const SHAPES[] = {"", ".", "..", "...", "a.b", "a.b.c.d"};
    for (size_t i = 0; i < sizeof SHAPES / sizeof SHAPES[0]; i++)
        refused(SHAPES[i], "malformed token");
    snprintf(t, sizeof t, "%s.", good);
    refused(t, "malformed token");
    snprintf(t, sizeof t, "%s.AAAA", good);
    refused(t, "malformed token");
    snprintf(t, sizeof t, ".%s", good);
    refused(t, "malformed token");
    snprintf(t, sizeof t, "%.*s", (int)(strrchr(good, '.') - good), good);
    refused(t, "malformed token");
    static const char BAD[] = {'=', '+', '/', ' ', '\n', '%', '\0', (char)0xc3};
    const size_t where[] = {0, hlen + 1, len / 2, len - 1};
    for (size_t i = 0; i < sizeof BAD; i++)
        for (size_t w = 0; w < sizeof where / sizeof where[0]; w++) {
            memcpy(t, good, len + 1);
            t[where[w]] = BAD[i];
            refused_by(keys, &POL, t, len, "malformed token");
        }
    /* Padding is not accepted on any segment, nor a dangling character. */
    assert_true(hlen % 4 != 0);
    snprintf(t, sizeof t, "%.*s%s%s", (int)hlen, good, hlen % 4 == 2 ? "==" : "=", good + hlen);
    refused(t, "malformed token");
    snprintf(t, sizeof t, "%sAA", good); /* 45 characters: 4n + 1 */
    refused(t, "malformed token");
    /* Spare bits must be zero: one accepted spelling per byte string. */
    memcpy(t, good, len + 1);
    t[hlen - 1] = B64URL[strchr(B64URL, t[hlen - 1]) - B64URL + 1];
    refused(t, "malformed token");
    memcpy(t, good, len + 1); /* the 32-byte HMAC: 43 characters */
    t[len - 1] = B64URL[strchr(B64URL, t[len - 1]) - B64URL + 1];
    refused(t, "malformed token");
    /* Valid but cut short by len, and valid followed by bytes beyond len. */
    refused_by(keys, &POL, good, len - 1, "malformed token");
    jwt_claims_t c;
    char why[64];
    snprintf(t, sizeof t, "%sGARBAGE", good);
    assert_true(verify_at(keys, &POL, t, len, NOW, &c, why, sizeof why));
    /* No token at all, as when the header is missing. */
    assert_false(jwt_verify(keys, &POL, NULL, 0, NOW, &c, why, sizeof why));
    assert_string_equal(why, "malformed token");
    /* why is cut to whylen, always terminated. */
    assert_false(verify_at(keys, &POL, "a.b", 3, NOW, &c, why, 5));
    assert_string_equal(why, "malf");
}

static void test_es256_signature_length(void **state)
{
    (void)state;
    char t[TOK_MAX];
    unsigned char sig[256];
    /* DER, as OpenSSL makes it: 70 to 72 bytes. */
    refused(make(t, H_ES, GOOD_CLAIMS, ((signer_t){SIGN_ES_DER, ec1, NULL, 0})),
            "signature invalid");
    tok_start(t, H_ES, GOOD_CLAIMS);
    size_t n = sign(ES(ec1), t, strlen(t), sig, sizeof sig);
    assert_int_equal(n, 64);
    sig[64] = 0;
    char base[TOK_MAX];
    strcpy(base, t);
    const size_t lens[] = {0, 32, 63, 65};
    for (size_t i = 0; i < 4; i++) {
        strcpy(t, base);
        tok_append_sig(t, sig, lens[i]);
        refused(t, "signature invalid");
    }
    memset(sig, 0, 64); /* r = s = 0 */
    strcpy(t, base);
    tok_append_sig(t, sig, 64);
    refused(t, "signature invalid");
    /* RSA signatures shorter than the modulus. */
    tok_start(t, H_RS, GOOD_CLAIMS);
    tok_append_sig(t, sig, 255);
    refused(t, "signature invalid");
}

static void test_token_length(void **state)
{
    (void)state;
    char t[TOK_MAX], pad[TOK_MAX];
    bool saw_max = false, saw_over = false;
    memset(pad, 'p', sizeof pad);
    /* Walk the token length across the cap by growing a padding claim. */
    for (size_t n = 5850; n < 5950; n++) {
        make(t, H_HS, claims_with("pad", json_stringn(pad, n)), HS_SECRET);
        size_t len = strlen(t);
        if (len <= JWT_MAX_TOKEN_LEN)
            accepted(t);
        else
            refused(t, "token too long");
        saw_max |= len == JWT_MAX_TOKEN_LEN;
        saw_over |= len > JWT_MAX_TOKEN_LEN;
    }
    assert_true(saw_max && saw_over);
    static char huge[100000];
    memset(huge, 'A', sizeof huge);
    refused_by(keys, &POL, huge, sizeof huge, "token too long");
    refused_by(keys, &POL, huge, JWT_MAX_TOKEN_LEN + 1, "token too long");
}

static void test_load_secret(void **state)
{
    (void)state;
    char msg[256] = "";
    assert_null(jwt_keys_load(NULL, "0123456789abcdef0123456789abcde", msg, sizeof msg));
    assert_non_null(strstr(msg, "at least 32 bytes"));
    assert_null(jwt_keys_load(NULL, "", msg, sizeof msg));
    assert_null(jwt_keys_load(NULL, NULL, msg, sizeof msg));
    assert_non_null(strstr(msg, "neither"));
    jwt_keys_t *k = jwt_keys_load(NULL, SECRET, msg, sizeof msg);
    assert_non_null(k);
    char t[TOK_MAX];
    make(t, "{\"alg\":\"RS256\"}", GOOD_CLAIMS, RS(rsa1));
    refused_by(k, &POL, t, strlen(t), "algorithm not allowed");
    make(t, H_RS, GOOD_CLAIMS, RS(rsa1));
    refused_by(k, &POL, t, strlen(t), "unknown key id");
    jwt_keys_free(k);
    /* A short secret refuses the whole load, JWKS included. */
    load_refused(main_set(), "short", "at least 32 bytes");
}

static json_t *with(json_t *jwk, const char *name, json_t *v)
{
    if (v)
        json_object_set_new(jwk, name, v);
    else
        json_object_del(jwk, name);
    return jwk;
}

static void test_load_jwks_refusals(void **state)
{
    (void)state;
    char msg[256];
    EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    assert_non_null(small);
    load_refused(json_pack("[o]", jwk_of(small, "s")), NULL, "shorter than 2048 bits");
    load_refused(json_pack("[o, o]", jwk_of(rsa1, "r1"), jwk_of(small, "s")), NULL,
                 "key 1: RSA key shorter than 2048 bits");
    EVP_PKEY_free(small);

    load_refused(json_pack("[]"), NULL, "non-empty array");
    load_refused(json_pack("[o]", with(jwk_of(rsa1, NULL), "use", json_string("enc"))), NULL,
                 "\"use\" must be \"sig\"");
    load_refused(json_pack("[o]", with(jwk_of(rsa1, NULL), "alg", json_string("ES256"))), NULL,
                 "\"alg\" disagrees");
    load_refused(json_pack("[o]", with(jwk_of(rsa1, NULL), "alg", json_string("HS256"))), NULL,
                 "\"alg\" disagrees");
    load_refused(json_pack("[o]", with(jwk_of(ec1, NULL), "alg", json_string("RS256"))), NULL,
                 "\"alg\" disagrees");
    load_refused(json_pack("[o]", with(jwk_of(ec1, NULL), "d", json_string("AAAA"))), NULL,
                 "private key material");
    load_refused(json_pack("[{s:s, s:s}]", "kty", "oct", "k", "c2VjcmV0c2VjcmV0"), NULL,
                 "unsupported \"kty\"");
    load_refused(json_pack("[o]", with(jwk_of(rsa1, NULL), "kty", NULL)), NULL,
                 "unsupported \"kty\"");
    load_refused(json_pack("[o]", with(jwk_of(ec1, NULL), "crv", json_string("P-384"))), NULL,
                 "unsupported \"crv\"");
    load_refused(json_pack("[o]", with(jwk_of(ec1, NULL), "x", json_string("AAAA"))), NULL,
                 "32-byte base64url");
    load_refused(json_pack("[o]", with(jwk_of(rsa1, NULL), "n", json_string("ab+c"))), NULL,
                 "base64url");
    load_refused(json_pack("[o]", with(jwk_of(rsa1, NULL), "e", json_string("AQAB="))), NULL,
                 "base64url");
    load_refused(json_pack("[o, o]", jwk_of(rsa1, "r1"), jwk_of(ec1, NULL)), NULL,
                 "key 1: \"kid\" is required");
    load_refused(json_pack("[o, o]", jwk_of(rsa1, "k"), jwk_of(ec1, "k")), NULL,
                 "\"kid\" repeated");
    load_refused(json_pack("[o]", with(jwk_of(rsa1, NULL), "kid", json_integer(1))), NULL,
                 "\"kid\" must be a string");
    load_refused(json_pack("[s]", "RSA"), NULL, "must be an object");
    /* A point off the curve: y of another key. */
    json_t *off = jwk_of(ec1, NULL);
    json_t *other = jwk_of(ec2, NULL);
    json_object_set(off, "y", json_object_get(other, "y"));
    json_decref(other);
    load_refused(json_pack("[o]", off), NULL, "not a valid P-256 public key");
    /* An even modulus. */
    unsigned char even[256];
    memset(even, 0xff, sizeof even);
    even[255] = 0xfe;
    load_refused(json_pack("[o]", with(jwk_of(rsa1, NULL), "n", b64_json(even, sizeof even))), NULL,
                 "not a valid RSA public key");

    assert_null(load_text("{\"keys\": [", NULL, msg, sizeof msg));
    assert_non_null(strstr(msg, "JWKS"));
    assert_null(load_text("{\"keys\": [], \"keys\": []}", NULL, msg, sizeof msg));
    assert_null(load_text("[]", NULL, msg, sizeof msg));
    assert_null(jwt_keys_load("/nonexistent/jwks.json", SECRET, msg, sizeof msg));
    assert_non_null(strstr(msg, "/nonexistent/jwks.json"));
    /* "use": "sig" and the right "alg" are fine. */
    jwt_keys_free(load_ok(json_pack("[o, o]",
                                    with(with(jwk_of(rsa1, "a"), "use", json_string("sig")), "alg",
                                         json_string("RS256")),
                                    with(jwk_of(ec1, "b"), "alg", json_string("ES256"))),
                          NULL));
}

typedef struct {
    const char *tokens[4];
    int failures;
} race_t;

static void *race_run(void *arg)
{
    race_t *r = arg;
    for (int i = 0; i < 200; i++) {
        jwt_claims_t c;
        char why[64];
        const char *tok = r->tokens[i % 4];
        bool ok = jwt_verify(keys, &POL, tok, strlen(tok), NOW, &c, why, sizeof why);
        if (ok != (i % 4 != 3) || (ok && strcmp(c.sub, "user-42") != 0))
            r->failures++;
    }
    return NULL;
}

/* Several threads verify with the same keys at once; each must get its own answers. */
static void test_concurrent(void **state)
{
    (void)state;
    static char t[4][TOK_MAX];
    make(t[0], H_RS, GOOD_CLAIMS, RS(rsa1));
    make(t[1], H_ES, GOOD_CLAIMS, ES(ec1));
    make(t[2], H_HS, GOOD_CLAIMS, HS_SECRET);
    make(t[3], H_RS, GOOD_CLAIMS, RS(rsa2));
    race_t races[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        /* Three good tokens in a per-thread order, then the forged one. */
        races[i] = (race_t){{t[i % 3], t[(i + 1) % 3], t[(i + 2) % 3], t[3]}, 0};
        assert_int_equal(pthread_create(&th[i], NULL, race_run, &races[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(races[i].failures, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_tokens),
        cmocka_unit_test(test_alg_none_and_others),
        cmocka_unit_test(test_hs256_confusion),
        cmocka_unit_test(test_type_confusion),
        cmocka_unit_test(test_wrong_key_and_kid),
        cmocka_unit_test(test_kid_selection),
        cmocka_unit_test(test_tampering),
        cmocka_unit_test(test_time_claims),
        cmocka_unit_test(test_issuer_audience),
        cmocka_unit_test(test_subject_role_org),
        cmocka_unit_test(test_header_rules),
        cmocka_unit_test(test_encoding),
        cmocka_unit_test(test_es256_signature_length),
        cmocka_unit_test(test_token_length),
        cmocka_unit_test(test_load_secret),
        cmocka_unit_test(test_load_jwks_refusals),
        cmocka_unit_test(test_concurrent),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
