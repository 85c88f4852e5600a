/* API key tokens: generation and parsing. */
#include "apikey.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char PREFIX_CHARS[] = "abcdefghijklmnopqrstuvwxyz0123456789";

/* SHA-256 fetched from the provider once: EVP_sha256() makes OpenSSL 3
 * look the implementation up on every digest, which cost three times the
 * hashing of a token, on every request that presents a key. */
static EVP_MD *SHA256_MD;
static pthread_once_t SHA256_ONCE = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
    SHA256_MD = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static void sha256(const char *s, size_t n, unsigned char out[32])
{
    unsigned int len = 0;
    pthread_once(&SHA256_ONCE, sha256_fetch);
    if (!SHA256_MD || !EVP_Digest(s, n, out, &len, SHA256_MD, NULL) || len != 32)
        abort();
}

bool apikey_generate(char prefix[APIKEY_PREFIX_LEN + 1], char token[APIKEY_TOKEN_LEN + 1],
                     unsigned char hash[32])
{
    unsigned char raw[APIKEY_PREFIX_LEN + 32];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return false;
    /* A byte modulo 36 is slightly biased; the prefix is a lookup handle,
     * not a secret, so that costs nothing. The secret's 256 bits are not
     * folded. */
    for (int i = 0; i < APIKEY_PREFIX_LEN; i++)
        prefix[i] = PREFIX_CHARS[raw[i] % 36];
    prefix[APIKEY_PREFIX_LEN] = '\0';
    char secret[APIKEY_SECRET_LEN + 1];
    const unsigned char *s = raw + APIKEY_PREFIX_LEN;
    int o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (int i = 0; i < 32; i++) {
        acc = (acc << 8) | s[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            secret[o++] = B64URL[(acc >> bits) & 63];
        }
    }
    if (bits)
        secret[o++] = B64URL[(acc << (6 - bits)) & 63];
    secret[o] = '\0';
    memcpy(token, "prb_", 4);
    memcpy(token + 4, prefix, APIKEY_PREFIX_LEN);
    token[4 + APIKEY_PREFIX_LEN] = '_';
    memcpy(token + 5 + APIKEY_PREFIX_LEN, secret, APIKEY_SECRET_LEN + 1);
    sha256(secret, APIKEY_SECRET_LEN, hash);
    return true;
}

bool apikey_is_key(const char *token, size_t len)
{
    return len >= 4 && memcmp(token, "prb_", 4) == 0;
}

bool apikey_parse(const char *token, size_t len, char prefix[APIKEY_PREFIX_LEN + 1],
                  unsigned char hash[32])
{
    if (len != APIKEY_TOKEN_LEN || !apikey_is_key(token, len) ||
        token[4 + APIKEY_PREFIX_LEN] != '_')
        return false;
    for (int i = 0; i < APIKEY_PREFIX_LEN; i++)
        if (!memchr(PREFIX_CHARS, token[4 + i], 36))
            return false;
    const char *secret = token + 5 + APIKEY_PREFIX_LEN;
    for (int i = 0; i < APIKEY_SECRET_LEN; i++)
        if (!memchr(B64URL, secret[i], 64))
            return false;
    memcpy(prefix, token + 4, APIKEY_PREFIX_LEN);
    prefix[APIKEY_PREFIX_LEN] = '\0';
    sha256(secret, APIKEY_SECRET_LEN, hash);
    return true;
}
