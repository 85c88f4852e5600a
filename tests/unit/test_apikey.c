/* Unit tests for api/auth/apikey.c (token shape, hashing) and
 * domain/authz.c (the registry's permission data as the checks read it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "api/auth/apikey.h"
#include "domain/authz.h"

static void test_generated_token_parses_to_its_hash(void **state)
{
    (void)state;
    for (int i = 0; i < 200; i++) {
        char prefix[APIKEY_PREFIX_LEN + 1], token[APIKEY_TOKEN_LEN + 1], p2[APIKEY_PREFIX_LEN + 1];
        unsigned char hash[32], h2[32], expect[32];
        assert_true(apikey_generate(prefix, token, hash));
        assert_int_equal(strlen(token), APIKEY_TOKEN_LEN);
        assert_memory_equal(token, "prb_", 4);
        assert_memory_equal(token + 4, prefix, APIKEY_PREFIX_LEN);
        assert_true(apikey_is_key(token, strlen(token)));
        assert_true(apikey_parse(token, strlen(token), p2, h2));
        assert_string_equal(prefix, p2);
        assert_memory_equal(hash, h2, 32);
        /* The hash is SHA-256 of the secret part alone, as stored. */
        unsigned int n = 0;
        const char *secret = token + 5 + APIKEY_PREFIX_LEN;
        assert_true(EVP_Digest(secret, strlen(secret), expect, &n, EVP_sha256(), NULL));
        assert_memory_equal(hash, expect, 32);
    }
}

static void test_tokens_differ(void **state)
{
    (void)state;
    char p1[APIKEY_PREFIX_LEN + 1], t1[APIKEY_TOKEN_LEN + 1];
    char p2[APIKEY_PREFIX_LEN + 1], t2[APIKEY_TOKEN_LEN + 1];
    unsigned char h1[32], h2[32];
    assert_true(apikey_generate(p1, t1, h1));
    assert_true(apikey_generate(p2, t2, h2));
    assert_string_not_equal(t1, t2);
    assert_memory_not_equal(h1, h2, 32);
}

static void test_malformed_tokens_refused(void **state)
{
    (void)state;
    char prefix[APIKEY_PREFIX_LEN + 1], token[APIKEY_TOKEN_LEN + 1];
    unsigned char hash[32];
    assert_true(apikey_generate(prefix, token, hash));
    char bad[APIKEY_TOKEN_LEN + 2];
    /* One byte short, one byte long. */
    assert_false(apikey_parse(token, APIKEY_TOKEN_LEN - 1, prefix, hash));
    memcpy(bad, token, APIKEY_TOKEN_LEN);
    bad[APIKEY_TOKEN_LEN] = 'A';
    assert_false(apikey_parse(bad, APIKEY_TOKEN_LEN + 1, prefix, hash));
    /* Each structural position broken in turn. */
    static const struct {
        size_t at;
        char c;
    } CASES[] = {
        {0, 'q'},                            /* not prb_ */
        {4, 'A'},                            /* uppercase in the prefix */
        {4 + APIKEY_PREFIX_LEN, '-'},        /* separator */
        {5 + APIKEY_PREFIX_LEN, '+'},        /* not base64url */
        {APIKEY_TOKEN_LEN - 1, '='},         /* padding */
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        memcpy(bad, token, APIKEY_TOKEN_LEN + 1);
        bad[CASES[i].at] = CASES[i].c;
        assert_false(apikey_parse(bad, APIKEY_TOKEN_LEN, prefix, hash));
    }
    assert_false(apikey_is_key("eyJhbGciOi.x.y", 14));
}

static void test_role_names(void **state)
{
    (void)state;
    role_t r;
    for (int i = 0; i < ROLE__COUNT; i++) {
        assert_true(role_parse(ROLE_NAMES[i], &r));
        assert_int_equal(r, i);
    }
    assert_null(ROLE_NAMES[ROLE__COUNT]);
    assert_false(role_parse("Admin", &r));
    assert_false(role_parse("", &r));
    assert_false(role_parse(NULL, &r));
}

static principal_t who(role_t role, bool global)
{
    principal_t p = {.role = role, .global = global};
    strcpy(p.org, "00000000-0000-4000-8000-000000000101");
    return p;
}

static void test_registry_permissions(void **state)
{
    (void)state;
    app_error_t err;
    const entity_t *emp = registry_find("employees"), *cal = registry_find("calendars");
    const entity_t *aud = registry_find("audit-events");
    principal_t officer = who(ROLE_OFFICER, false), viewer = who(ROLE_VIEWER, false);
    principal_t admin = who(ROLE_ADMIN, false), global = who(ROLE_ADMIN, true);
    err_clear(&err);
    assert_true(authz_entity(emp, &officer, true, &err));
    assert_false(authz_entity(emp, &viewer, true, &err));
    assert_int_equal(err.kind, ERR_FORBIDDEN);
    /* Shared reference data: only a global admin writes it. */
    err_clear(&err);
    assert_true(authz_entity(cal, &viewer, false, &err));
    assert_false(authz_entity(cal, &admin, true, &err));
    err_clear(&err);
    assert_true(authz_entity(cal, &global, true, &err));
    /* The audit trail is written by no role. */
    assert_false(authz_entity(aud, &global, true, &err));
    assert_true(authz_entity(aud, &(principal_t){.role = ROLE_AUDITOR}, false, &err));
    assert_null(authz_scope(&global));
    assert_string_equal(authz_scope(&admin), admin.org);
}

static void test_restricted_fields(void **state)
{
    (void)state;
    const entity_t *emp = registry_find("employees");
    assert_true(authz_full_view(emp, ROLE_ADMIN));
    assert_true(authz_full_view(emp, ROLE_AUDITOR));
    assert_false(authz_full_view(emp, ROLE_OFFICER));
    assert_false(authz_full_view(emp, ROLE_VIEWER));
    assert_true(authz_full_view(registry_find("organizations"), ROLE_VIEWER));
    char *out = authz_redact(emp, ROLE_VIEWER,
                             "{\"id\":\"x\",\"relatives\":[{\"employee_id\":\"y\"}],\"unit\":null}");
    assert_string_equal(out, "{\"id\":\"x\",\"unit\":null}");
    free(out);
    app_error_t err;
    err_clear(&err);
    principal_t officer = who(ROLE_OFFICER, false);
    json_t *doc = json_pack("{s:s, s:[]}", "full_name", "A", "relatives");
    assert_false(authz_doc_fields(emp, &officer, doc, &err));
    assert_int_equal(err.kind, ERR_FORBIDDEN);
    json_object_del(doc, "relatives");
    err_clear(&err);
    assert_true(authz_doc_fields(emp, &officer, doc, &err));
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_token_parses_to_its_hash),
        cmocka_unit_test(test_tokens_differ),
        cmocka_unit_test(test_malformed_tokens_refused),
        cmocka_unit_test(test_role_names),
        cmocka_unit_test(test_registry_permissions),
        cmocka_unit_test(test_restricted_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
