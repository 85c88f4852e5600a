/* libFuzzer target: JWT verification, the first code that reads a bearer
 * token before anything is known about its sender. With an HS256 secret and
 * an ES256 key configured, no input may crash it or read past its length;
 * an accepted token must verify again to the same claims (verification is
 * a pure function of the bytes and the time), and a token of another length
 * is never accepted because of bytes past the end. Aborts otherwise. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/auth/jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char SECRET[] = "fuzz-secret-fuzz-secret-fuzz-secret!";
static const char JWKS[] =
    "{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-256\", \"kid\": \"fuzz-ec\", \"use\": \"sig\", "
    "\"alg\": \"ES256\", \"x\": \"EIagGKwqupaC_2zPQANt98lySAZu3ZRLhCQxt8w_kHA\", "
    "\"y\": \"0KMppUB3ZV5AZcAndJviTA3EV3Tf1lMCj-PGbHndTjs\"}]}";

static jwt_keys_t *keys(void)
{
    static jwt_keys_t *k;
    if (k)
        return k;
    char path[] = "/tmp/probity-fuzz-jwks-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, JWKS, sizeof JWKS - 1) != (ssize_t)(sizeof JWKS - 1))
        abort();
    close(fd);
    char msg[256];
    k = jwt_keys_load(path, SECRET, msg, sizeof msg);
    unlink(path);
    if (!k) {
        fprintf(stderr, "fuzz_jwt: %s\n", msg);
        abort();
    }
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const jwt_policy_t POLICY = {"https://idp.example", "probity", "probity_role",
                                        "probity_org", 60};
    /* An exact-size heap copy without a terminator: ASan sees any over-read. */
    char *tok = malloc(size ? size : 1);
    if (!tok)
        abort();
    memcpy(tok, data, size);
    jwt_claims_t a, b;
    char why[96];
    const time_t now = 1790000000; /* 2026-09-21: the seeds are valid then */
    bool ok = jwt_verify(keys(), &POLICY, tok, size, now, &a, why, sizeof why);
    if (!ok && (why[0] == '\0' || strlen(why) >= sizeof why))
        abort();
    if (ok) {
        if (!jwt_verify(keys(), &POLICY, tok, size, now, &b, why, sizeof why) ||
            memcmp(&a, &b, sizeof a) != 0) {
            fprintf(stderr, "fuzz_jwt: an accepted token did not verify the same way twice\n");
            abort();
        }
        if (size > 0 && jwt_verify(keys(), &POLICY, tok, size - 1, now, &b, why, sizeof why)) {
            fprintf(stderr, "fuzz_jwt: a token and its prefix were both accepted\n");
            abort();
        }
    }
    free(tok);
    return 0;
}
