/* Unit tests for api/auth/jwt.c, part two: loading keys (the HS256 secret,
 * JWKS refusals) and verifying from several threads at once. */
#include "jwt_support.h"

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
        cmocka_unit_test(test_load_secret),
        cmocka_unit_test(test_load_jwks_refusals),
        cmocka_unit_test(test_concurrent),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
