/* API key tokens: prb_<prefix>_<secret>. The prefix (12 characters of
 * [a-z0-9]) is stored in clear to find the key and to show in lists; the
 * secret (32 random bytes, base64url) is stored only as its SHA-256. */
#ifndef PROBITY_APIKEY_H
#define PROBITY_APIKEY_H

#include <stdbool.h>
#include <stddef.h>

#define APIKEY_PREFIX_LEN 12
#define APIKEY_SECRET_LEN 43
#define APIKEY_TOKEN_LEN (4 + APIKEY_PREFIX_LEN + 1 + APIKEY_SECRET_LEN)

/* A new token from the system's CSPRNG; false only when it fails. */
bool apikey_generate(char prefix[APIKEY_PREFIX_LEN + 1], char token[APIKEY_TOKEN_LEN + 1],
                     unsigned char hash[32]);
/* Splits a presented token; false when it does not have the shape of one. */
bool apikey_parse(const char *token, size_t len, char prefix[APIKEY_PREFIX_LEN + 1],
                  unsigned char hash[32]);
/* Whether token looks like an API key rather than a JWT. */
bool apikey_is_key(const char *token, size_t len);

#endif
