/* JWT verification: strict parsing of compact JWS, a key chosen by the token's
 * algorithm and kid among keys loaded once, then the claims checked against a
 * policy. Every refusal is one fixed phrase; no byte of a token is echoed. */
#include "jwt.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

/* Largest decoded segment: base64url turns 4 characters into 3 bytes. */
#define JWT_SEG_MAX (JWT_MAX_TOKEN_LEN / 4 * 3)
/* Largest RSA modulus accepted in a JWKS, in bytes (8192 bits). */
#define JWK_MAX_BYTES 1024
/* Time claims beyond this cannot be held in a long long; none is legitimate. */
#define JWT_TIME_LIMIT 9e18
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

typedef struct {
    char *kid; /* NULL when the JWKS entry has none */
    int alg;   /* index in ALGS: the one algorithm this key verifies */
    EVP_PKEY *pkey;
} jwt_key_t;

struct jwt_keys {
    jwt_key_t *keys;
    size_t nkeys;
    unsigned char *secret; /* NULL: HS256 tokens are refused */
    size_t secret_len;
};

typedef struct {
    const char *p; /* as sent */
    size_t n;
    const unsigned char *raw; /* decoded */
    size_t rawlen;
} jwt_seg_t;

typedef bool jwt_verify_fn(const jwt_keys_t *keys, const jwt_key_t *key, const char *msg, size_t n,
                           const unsigned char *sig, size_t siglen);
static jwt_verify_fn rs256_verify, es256_verify, hs256_verify;

/* The accepted algorithms. Names compare exactly (RFC 7515 §4.1.1), so "none"
 * in any spelling, and everything else, is simply not found. */
enum { ALG_RS256, ALG_ES256, ALG_HS256 };
static const struct {
    const char *name;
    jwt_verify_fn *verify;
} ALGS[] = {
    [ALG_RS256] = {"RS256", rs256_verify},
    [ALG_ES256] = {"ES256", es256_verify},
    [ALG_HS256] = {"HS256", hs256_verify},
};

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64url_val(char c)
{
    const char *p = memchr(B64URL, c, sizeof B64URL - 1); /* never matches the NUL */
    return p ? (int)(p - B64URL) : -1;
}

/* Strict base64url without padding (RFC 7515 §2): any other character, a
 * dangling character or non-zero spare bits is refused, so each byte string
 * has exactly one accepted spelling. False also when the result exceeds cap. */
static bool b64url_decode(const char *s, size_t n, unsigned char *out, size_t cap, size_t *outlen)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    if (n % 4 == 1 || n / 4 * 3 + n % 4 * 3 / 4 > cap)
        return false;
    for (size_t i = 0; i < n; i++) {
        int v = b64url_val(s[i]);
        if (v < 0)
            return false;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    *outlen = o;
    return acc == 0;
}

/* True when member name of o is absent or is the string want. */
static bool member_absent_or(json_t *o, const char *name, const char *want)
{
    json_t *v = json_object_get(o, name);
    return !v || (json_is_string(v) && strcmp(json_string_value(v), want) == 0);
}

/* Decodes the base64url string member name of jwk into buf. */
static bool jwk_bytes(json_t *jwk, const char *name, unsigned char *buf, size_t cap, size_t *len)
{
    json_t *v = json_object_get(jwk, name);
    return json_is_string(v) &&
           b64url_decode(json_string_value(v), json_string_length(v), buf, cap, len);
}

/* Builds a public key of type from bld, refusing one that fails OpenSSL's own
 * checks (an EC point off the curve, an even RSA modulus, ...). */
static EVP_PKEY *jwk_pkey(const char *type, OSSL_PARAM_BLD *bld)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *pkey = NULL;
    if (!params || !ctx)
        abort();
    if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    if (pkey) {
        EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
        if (!check)
            abort();
        if (EVP_PKEY_public_check(check) != 1) {
            EVP_PKEY_free(pkey);
            pkey = NULL;
        }
        EVP_PKEY_CTX_free(check);
    }
    ERR_clear_error();
    return pkey;
}

static const char *jwk_import_rsa(json_t *jwk, EVP_PKEY **out)
{
    unsigned char n[JWK_MAX_BYTES], e[JWK_MAX_BYTES];
    size_t nlen, elen;
    if (!jwk_bytes(jwk, "n", n, sizeof n, &nlen) || !jwk_bytes(jwk, "e", e, sizeof e, &elen))
        return "\"n\" and \"e\" must be base64url strings (at most 8192 bits)";
    BIGNUM *bn_n = BN_bin2bn(n, (int)nlen, NULL), *bn_e = BN_bin2bn(e, (int)elen, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (!bn_n || !bn_e || !bld || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e))
        abort();
    const char *why = NULL;
    if (BN_num_bits(bn_n) < 2048)
        why = "RSA key shorter than 2048 bits";
    else if (!(*out = jwk_pkey("RSA", bld)))
        why = "not a valid RSA public key";
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    return why;
}

static const char *jwk_import_ec(json_t *jwk, EVP_PKEY **out)
{
    unsigned char pub[65] = {0x04}; /* SEC1 uncompressed point: 04 || x || y */
    size_t xlen, ylen;
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    if (!crv || strcmp(crv, "P-256") != 0)
        return "unsupported \"crv\" (P-256 only)";
    /* RFC 7518 §6.2.1.2: coordinates are full length, never shortened. */
    if (!jwk_bytes(jwk, "x", pub + 1, 32, &xlen) || !jwk_bytes(jwk, "y", pub + 33, 32, &ylen) ||
        xlen != 32 || ylen != 32)
        return "\"x\" and \"y\" must be 32-byte base64url strings";
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (!bld ||
        !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub))
        abort();
    *out = jwk_pkey("EC", bld);
    OSSL_PARAM_BLD_free(bld);
    return *out ? NULL : "not a valid P-256 public key";
}

/* Key types a JWKS may hold, each bound to the one algorithm it verifies.
 * "oct" is absent on purpose: HMAC keys come only from the configured secret. */
static const struct {
    const char *kty;
    int alg;
    const char *(*import)(json_t *jwk, EVP_PKEY **out);
} KTYS[] = {
    {"RSA", ALG_RS256, jwk_import_rsa},
    {"EC", ALG_ES256, jwk_import_ec},
};

static int kty_find(const char *kty)
{
    for (int i = 0; kty && i < (int)NELEM(KTYS); i++)
        if (strcmp(kty, KTYS[i].kty) == 0)
            return i;
    return -1;
}

/* Fills k from one JWKS entry; NULL on success, else why it is refused. */
static const char *jwk_load(jwt_key_t *k, json_t *jwk, bool kid_required)
{
    int t = kty_find(json_string_value(json_object_get(jwk, "kty")));
    if (t < 0)
        return "unsupported \"kty\" (RSA and EC only)";
    json_t *kid = json_object_get(jwk, "kid");
    if (kid && !json_is_string(kid))
        return "\"kid\" must be a string";
    if (!kid && kid_required)
        return "\"kid\" is required when the set has several keys";
    if (!member_absent_or(jwk, "use", "sig"))
        return "\"use\" must be \"sig\"";
    if (!member_absent_or(jwk, "alg", ALGS[KTYS[t].alg].name))
        return "\"alg\" disagrees with the key type";
    if (json_object_get(jwk, "d"))
        return "holds private key material";
    const char *why = KTYS[t].import(jwk, &k->pkey);
    if (why)
        return why;
    k->alg = KTYS[t].alg;
    if (kid && !(k->kid = strdup(json_string_value(kid))))
        abort();
    return NULL;
}

static bool jwks_kid_taken(const jwt_keys_t *keys, const char *kid)
{
    for (size_t i = 0; kid && i < keys->nkeys; i++)
        if (keys->keys[i].kid && strcmp(keys->keys[i].kid, kid) == 0)
            return true;
    return false;
}

static bool jwks_load(jwt_keys_t *keys, const char *path, char *msg, size_t msglen)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        if (jerr.line > 0)
            snprintf(msg, msglen, "JWKS %s:%d: %s", path, jerr.line, jerr.text);
        else
            snprintf(msg, msglen, "JWKS: %s", jerr.text);
        return false;
    }
    json_t *arr = json_object_get(doc, "keys"); /* borrowed from doc */
    size_t n = json_array_size(arr);
    const char *why = NULL;
    if (n == 0) {
        snprintf(msg, msglen, "JWKS %s: \"keys\" must be a non-empty array", path);
        json_decref(doc);
        return false;
    }
    if (!(keys->keys = calloc(n, sizeof *keys->keys)))
        abort();
    for (size_t i = 0; i < n && !why; i++) {
        jwt_key_t k = {0};
        json_t *jwk = json_array_get(arr, i);
        why = json_is_object(jwk) ? jwk_load(&k, jwk, n > 1) : "a key must be an object";
        if (!why && jwks_kid_taken(keys, k.kid))
            why = "\"kid\" repeated";
        if (why) {
            EVP_PKEY_free(k.pkey);
            free(k.kid);
            snprintf(msg, msglen, "JWKS %s: key %zu: %s", path, i, why);
        } else {
            keys->keys[keys->nkeys++] = k;
        }
    }
    json_decref(doc);
    return !why;
}

jwt_keys_t *jwt_keys_load(const char *jwks_path, const char *hs256_secret, char *msg, size_t msglen)
{
    if (!jwks_path && !hs256_secret) {
        snprintf(msg, msglen, "JWT: neither a JWKS file nor an HS256 secret is configured");
        return NULL;
    }
    jwt_keys_t *keys = calloc(1, sizeof *keys);
    if (!keys)
        abort();
    if (hs256_secret) {
        keys->secret_len = strlen(hs256_secret);
        if (keys->secret_len < JWT_MIN_SECRET_LEN) {
            snprintf(msg, msglen, "JWT: the HS256 secret must be at least %d bytes",
                     JWT_MIN_SECRET_LEN);
            goto fail;
        }
        if (!(keys->secret = malloc(keys->secret_len)))
            abort();
        memcpy(keys->secret, hs256_secret, keys->secret_len);
    }
    if (jwks_path && !jwks_load(keys, jwks_path, msg, msglen))
        goto fail;
    return keys;
fail:
    jwt_keys_free(keys);
    return NULL;
}

void jwt_keys_free(jwt_keys_t *keys)
{
    if (!keys)
        return;
    for (size_t i = 0; i < keys->nkeys; i++) {
        free(keys->keys[i].kid);
        EVP_PKEY_free(keys->keys[i].pkey);
    }
    free(keys->keys);
    OPENSSL_clear_free(keys->secret, keys->secret_len);
    free(keys);
}

/* One signature check with its own context, so threads never share state. */
static bool pkey_verify(EVP_PKEY *pkey, bool rsa, const char *msg, size_t n,
                        const unsigned char *sig, size_t siglen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    if (!ctx)
        abort();
    int rc = EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL, pkey);
    if (rc == 1 && rsa)
        rc = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING);
    if (rc == 1)
        rc = EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)msg, n);
    EVP_MD_CTX_free(ctx);
    /* A bad signature queues errors on this thread; leave none for the next user. */
    ERR_clear_error();
    return rc == 1;
}

static bool rs256_verify(const jwt_keys_t *keys, const jwt_key_t *key, const char *msg, size_t n,
                         const unsigned char *sig, size_t siglen)
{
    (void)keys;
    return pkey_verify(key->pkey, true, msg, n, sig, siglen);
}

/* JWS carries ECDSA as raw r || s, 32 bytes each (RFC 7518 §3.4); OpenSSL
 * wants DER. Any other length, DER included, is refused. */
static bool es256_verify(const jwt_keys_t *keys, const jwt_key_t *key, const char *msg, size_t n,
                         const unsigned char *sig, size_t siglen)
{
    (void)keys;
    if (siglen != 64)
        return false;
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
    if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) /* es owns r and s from here */
        abort();
    unsigned char *der = NULL;
    int derlen = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    if (derlen <= 0)
        abort();
    bool ok = pkey_verify(key->pkey, false, msg, n, der, (size_t)derlen);
    OPENSSL_free(der);
    return ok;
}

static bool hs256_verify(const jwt_keys_t *keys, const jwt_key_t *key, const char *msg, size_t n,
                         const unsigned char *sig, size_t siglen)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    (void)key;
    if (!HMAC(EVP_sha256(), keys->secret, (int)keys->secret_len, (const unsigned char *)msg, n, mac,
              &maclen))
        abort();
    return siglen == maclen && CRYPTO_memcmp(mac, sig, maclen) == 0;
}

/* Splits token at its two dots and decodes each segment into buf (JWT_SEG_MAX
 * bytes hold all three); false on any other shape or on bad encoding, so that
 * garbage costs no signature check. */
static bool jwt_split(const char *token, size_t len, jwt_seg_t seg[3], unsigned char *buf)
{
    size_t start = 0, k = 0, used = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && token[i] != '.')
            continue;
        if (k == 3)
            return false;
        seg[k] = (jwt_seg_t){token + start, i - start, buf + used, 0};
        if (!b64url_decode(seg[k].p, seg[k].n, buf + used, JWT_SEG_MAX - used, &seg[k].rawlen))
            return false;
        used += seg[k++].rawlen;
        start = i + 1;
    }
    return k == 3;
}

/* The JSON object a segment encodes, or NULL. The caller owns the reference. */
static json_t *seg_json(const jwt_seg_t *seg)
{
    json_t *o = json_loadb((const char *)seg->raw, seg->rawlen, JSON_REJECT_DUPLICATES, NULL);
    if (o && !json_is_object(o)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* With a kid, exactly that key, which must serve alg; without, the one key
 * that serves alg, so a token never makes us try keys in turn. */
static const char *key_pick(const jwt_keys_t *keys, int alg, const char *kid, const jwt_key_t **out)
{
    const jwt_key_t *found = NULL;
    size_t matches = 0;
    for (size_t i = 0; i < keys->nkeys; i++) {
        const jwt_key_t *k = &keys->keys[i];
        if (kid ? (k->kid && strcmp(k->kid, kid) == 0) : k->alg == alg) {
            found = k;
            matches++;
        }
    }
    if (!found)
        return kid ? "unknown key id" : "algorithm not allowed";
    if (matches > 1)
        return "key id required";
    if (found->alg != alg)
        return "algorithm does not match key";
    *out = found;
    return NULL;
}

static int alg_find(const char *name)
{
    for (int i = 0; name && i < (int)NELEM(ALGS); i++)
        if (strcmp(name, ALGS[i].name) == 0)
            return i;
    return -1;
}

/* Checks the header and picks the key; HS256 ignores any kid, since its only
 * key is the secret and a JWKS key must never become an HMAC secret. */
static const char *header_check(const jwt_keys_t *keys, json_t *h, int *alg, const jwt_key_t **key)
{
    if ((*alg = alg_find(json_string_value(json_object_get(h, "alg")))) < 0)
        return "algorithm not allowed";
    /* We understand no extension, so any critical one must fail (RFC 7515 §4.1.11). */
    if (json_object_get(h, "crit"))
        return "unsupported critical header";
    json_t *typ = json_object_get(h, "typ");
    const char *t = json_string_value(typ);
    if (typ && !(t && (!strcasecmp(t, "JWT") || !strcasecmp(t, "at+jwt"))))
        return "unsupported token type";
    if (*alg == ALG_HS256)
        return keys->secret ? NULL : "algorithm not allowed";
    json_t *kid = json_object_get(h, "kid");
    if (kid && !json_is_string(kid))
        return "malformed header";
    return key_pick(keys, *alg, json_string_value(kid), key);
}

/* Reads the optional numeric claim name into *out (dflt when absent); false
 * when present but not a number a long long can hold. */
static bool claim_time(json_t *c, const char *name, double dflt, double *out)
{
    json_t *v = json_object_get(c, name);
    *out = v ? json_number_value(v) : dflt;
    return !v || (json_is_number(v) && *out > -JWT_TIME_LIMIT && *out < JWT_TIME_LIMIT);
}

/* Copies string claim name into dst: 1..cap-1 bytes, no control characters. */
static bool claim_copy(json_t *c, const char *name, char *dst, size_t cap)
{
    json_t *v = json_object_get(c, name);
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (!s || n == 0 || n >= cap)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    memcpy(dst, s, n + 1);
    return true;
}

static bool aud_has(json_t *aud, const char *want)
{
    if (json_is_string(aud))
        return strcmp(json_string_value(aud), want) == 0;
    for (size_t i = 0; i < json_array_size(aud); i++) {
        const char *s = json_string_value(json_array_get(aud, i));
        if (s && strcmp(s, want) == 0)
            return true;
    }
    return false;
}

static const char *claims_check(const jwt_policy_t *pol, json_t *c, time_t now, jwt_claims_t *out)
{
    double t = (double)now, leeway = pol->leeway_s, exp, nbf, iat;
    if (!json_object_get(c, "exp") || !claim_time(c, "exp", 0, &exp))
        return "missing or invalid exp claim";
    if (!claim_time(c, "nbf", -HUGE_VAL, &nbf) || !claim_time(c, "iat", -HUGE_VAL, &iat))
        return "invalid nbf or iat claim";
    if (t > exp + leeway)
        return "token expired";
    if (t + leeway < nbf)
        return "token not yet valid";
    if (iat > t + leeway)
        return "token issued in the future";
    const char *iss = json_string_value(json_object_get(c, "iss"));
    if (pol->issuer && !(iss && strcmp(iss, pol->issuer) == 0))
        return "issuer mismatch";
    if (pol->audience && !aud_has(json_object_get(c, "aud"), pol->audience))
        return "audience mismatch";
    if (!claim_copy(c, "sub", out->sub, sizeof out->sub))
        return "missing or invalid sub claim";
    if (!claim_copy(c, pol->role_claim, out->role, sizeof out->role))
        return "missing or invalid role claim";
    out->org[0] = '\0';
    if (pol->org_claim && json_object_get(c, pol->org_claim) &&
        !claim_copy(c, pol->org_claim, out->org, sizeof out->org))
        return "invalid organization claim";
    out->exp = (long long)exp;
    return NULL;
}

/* The whole check; NULL when the token is good, else the reason. The payload
 * is not even parsed until the signature over it has been verified. */
static const char *jwt_check(const jwt_keys_t *keys, const jwt_policy_t *pol, const char *token,
                             size_t len, time_t now, jwt_claims_t *out)
{
    jwt_seg_t seg[3];
    unsigned char buf[JWT_SEG_MAX];
    const jwt_key_t *key = NULL;
    int alg;
    if (len > JWT_MAX_TOKEN_LEN)
        return "token too long";
    if (!token || !jwt_split(token, len, seg, buf))
        return "malformed token";
    json_t *header = seg_json(&seg[0]);
    if (!header)
        return "malformed token";
    const char *why = header_check(keys, header, &alg, &key);
    json_decref(header);
    if (why)
        return why;
    /* The signing input is the header and payload exactly as sent. */
    size_t signed_len = (size_t)(seg[1].p + seg[1].n - token);
    if (!ALGS[alg].verify(keys, key, token, signed_len, seg[2].raw, seg[2].rawlen))
        return "signature invalid";
    json_t *claims = seg_json(&seg[1]);
    if (!claims)
        return "malformed token";
    why = claims_check(pol, claims, now, out);
    json_decref(claims);
    return why;
}

bool jwt_verify(const jwt_keys_t *keys, const jwt_policy_t *pol, const char *token, size_t len,
                time_t now, jwt_claims_t *out, char *why, size_t whylen)
{
    jwt_claims_t claims;
    const char *err = jwt_check(keys, pol, token, len, now, &claims);
    if (err) {
        snprintf(why, whylen, "%s", err);
        return false;
    }
    *out = claims;
    return true;
}
