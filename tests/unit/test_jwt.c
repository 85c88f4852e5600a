/* Unit tests for api/auth/jwt.c: keys generated here, published as a JWKS in a
 * temporary file, tokens signed here. Every verification gets an exact-size
 * heap copy of the token, so ASan catches any read past len. */
#include "jwt_support.h"

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
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
