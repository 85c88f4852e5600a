/* Cursor = base64url(version byte 1, 16 id bytes). The version byte lets a
 * later sort order change the format without misreading old cursors. */
#include "cursor.h"

#include <stdint.h>
#include <string.h>

#include "textcheck.h"

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
#define CURSOR_VERSION 1

static int b64val(char c)
{
    const char *p = c ? strchr(B64, c) : NULL;
    return p ? (int)(p - B64) : -1;
}

static int hexval(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

void cursor_encode(const char *id, char out[CURSOR_LEN + 1])
{
    uint8_t raw[18] = {CURSOR_VERSION};
    int n = 1;
    for (const char *p = id; *p && n < 17; p++) {
        if (*p == '-')
            continue;
        raw[n++] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
        p++;
    }
    int o = 0;
    for (int i = 0; i < 17; i += 3) {
        uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
        out[o++] = B64[v >> 18 & 63];
        out[o++] = B64[v >> 12 & 63];
        if (i + 1 < 17)
            out[o++] = B64[v >> 6 & 63];
        if (i + 2 < 17)
            out[o++] = B64[v & 63];
    }
    out[o] = '\0';
}

bool cursor_decode(const char *cursor, char id_out[37])
{
    if (strlen(cursor) != CURSOR_LEN)
        return false;
    uint8_t raw[18] = {0};
    int n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (int i = 0; i < CURSOR_LEN; i++) {
        int v = b64val(cursor[i]);
        if (v < 0)
            return false;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            raw[n++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* 23 chars = 138 bits = 17 bytes + 2 bits that a canonical encoding leaves zero. */
    if (n != 17 || acc != 0 || raw[0] != CURSOR_VERSION)
        return false;
    static const char HEX[] = "0123456789abcdef";
    int o = 0;
    for (int i = 1; i < 17; i++) {
        if (i == 5 || i == 7 || i == 9 || i == 11)
            id_out[o++] = '-';
        id_out[o++] = HEX[raw[i] >> 4];
        id_out[o++] = HEX[raw[i] & 15];
    }
    id_out[o] = '\0';
    return true;
}
