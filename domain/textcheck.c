/* Lexical checks on untrusted text. Dates use Howard Hinnant's civil-day
 * algorithms so no libc time zone state is touched. */
#include "textcheck.h"

#include <ctype.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool text_is_uuid(const char *s)
{
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (hexval((unsigned char)s[i]) < 0) {
            return false;
        }
    }
    return s[36] == '\0';
}

bool text_uuid_normalize(const char *s, char out[37])
{
    if (!text_is_uuid(s))
        return false;
    for (int i = 0; i < 36; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[36] = '\0';
    return true;
}

int32_t date_from_ymd(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int32_t)doe - 719468;
}

void date_to_ymd(int32_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)yoe + era * 400 + (*m <= 2);
}

unsigned date_iso_weekday(int32_t days)
{
    /* 1970-01-01 was a Thursday (4). */
    int32_t w = (days % 7 + 7 + 3) % 7;
    return (unsigned)w + 1;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static unsigned days_in_month(int y, unsigned m)
{
    static const unsigned DIM[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return DIM[m - 1];
}

static bool parse_ymd(const char *s, int *y, int *m, int *d)
{
    if (!digits(s, 4, y) || s[4] != '-' || !digits(s + 5, 2, m) || s[7] != '-' ||
        !digits(s + 8, 2, d))
        return false;
    return *y >= 1 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= (int)days_in_month(*y, (unsigned)*m);
}

bool text_parse_date(const char *s, int32_t *days)
{
    int y, m, d;
    if (strlen(s) != 10 || !parse_ymd(s, &y, &m, &d))
        return false;
    *days = date_from_ymd(y, (unsigned)m, (unsigned)d);
    return true;
}

void text_format_date(int32_t days, char out[11])
{
    int y;
    unsigned m, d;
    date_to_ymd(days, &y, &m, &d);
    out[0] = (char)('0' + (y / 1000) % 10);
    out[1] = (char)('0' + (y / 100) % 10);
    out[2] = (char)('0' + (y / 10) % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

bool text_is_timestamp(const char *s)
{
    int y, mo, d, h, mi, se;
    if (strlen(s) < 20 || !parse_ymd(s, &y, &mo, &d))
        return false;
    if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s + 11, 2, &h) || s[13] != ':' ||
        !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
        return false;
    if (h > 23 || mi > 59 || se > 60)
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        int n = 0;
        while (*p >= '0' && *p <= '9' && n < 9) {
            p++;
            n++;
        }
        if (n == 0 || (*p >= '0' && *p <= '9'))
            return false;
    }
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
        return true;
    int oh, om;
    if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) && p[3] == ':' && digits(p + 4, 2, &om) &&
        p[6] == '\0')
        return oh <= 23 && om <= 59;
    return false;
}

bool text_is_email(const char *s)
{
    /* Deliberately modest: one '@', a non-empty local part without spaces or
     * controls, a dotted domain of letters, digits and hyphens. Deliverability
     * is the mail server's business. */
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@'))
        return false;
    for (const char *p = s; p < at; p++)
        if ((unsigned char)*p <= ' ' || *p == '"' || *p == '(' || *p == ')' || *p == ',' ||
            *p == ';' || *p == ':' || *p == '<' || *p == '>' || *p == '[' || *p == ']' ||
            *p == '\\' || (unsigned char)*p >= 0x7f)
            return false;
    const char *dom = at + 1;
    size_t n = strlen(dom);
    if (n < 3 || n > 253 || !strchr(dom, '.') || dom[0] == '.' || dom[0] == '-' ||
        dom[n - 1] == '.' || dom[n - 1] == '-')
        return false;
    for (const char *p = dom; *p; p++) {
        if (*p == '.') {
            if (p[1] == '.' || p[1] == '-' || p[-1] == '-')
                return false;
        } else if (!isalnum((unsigned char)*p) && *p != '-') {
            return false;
        }
    }
    return true;
}

bool text_is_code(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return false;
    return true;
}

bool text_is_upper(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < 'A' || *s > 'Z')
            return false;
    return true;
}

bool text_is_timezone(const char *s)
{
    /* Zone names are path components under the zone database: refuse anything
     * that could escape it before touching the file system. */
    size_t n = strlen(s);
    if (n == 0 || n > 64 || s[0] == '/' || s[0] == '.' || strstr(s, "..") || strstr(s, "//"))
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '/' && *p != '_' && *p != '-' && *p != '+')
            return false;
    if (strncmp(s, "posix/", 6) == 0 || strncmp(s, "right/", 6) == 0)
        return false;
    char path[128] = "/usr/share/zoneinfo/";
    strcat(path, s);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char magic[4];
    bool ok = read(fd, magic, 4) == 4 && memcmp(magic, "TZif", 4) == 0;
    close(fd);
    return ok;
}

size_t text_utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned min;
    unsigned cp;
    if ((c & 0xe0) == 0xc0) {
        len = 2;
        min = 0x80;
        cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3;
        min = 0x800;
        cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4;
        min = 0x10000;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

size_t text_utf8_len(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n;) {
        size_t l = text_utf8_seq((const unsigned char *)s + i, n - i);
        i += l ? l : 1;
        count++;
    }
    return count;
}

bool text_is_money(const char *s)
{
    size_t i = 0;
    while (s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == 0 || i > 15 || (i > 1 && s[0] == '0'))
        return false;
    if (s[i] == '\0')
        return true;
    if (s[i++] != '.')
        return false;
    size_t f = 0;
    while (s[i + f] >= '0' && s[i + f] <= '9')
        f++;
    return f >= 1 && f <= 2 && s[i + f] == '\0';
}

void text_hex(const unsigned char *b, size_t n, char *out)
{
    static const char HEX[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = HEX[b[i] >> 4];
        out[2 * i + 1] = HEX[b[i] & 15];
    }
    out[2 * n] = '\0';
}

void text_copy(char *out, size_t outlen, const char *s)
{
    size_t n = s ? strnlen(s, outlen - 1) : 0;
    memcpy(out, s ? s : "", n);
    out[n] = '\0';
}

bool text_is_request_id(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == ':' || ch == '-'))
            return false;
    }
    return true;
}
