/* The process clock: real time plus a fixed offset set at start-up. */
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../domain/textcheck.h"

static int64_t OFFSET_US; /* written once at start-up, before any thread reads it */

static int64_t real_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bool two(const char *s, int *out)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return false;
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return true;
}

bool clock_parse(const char *s, int64_t *us)
{
    char date[11];
    int32_t day;
    int h, m, sec;
    if (!s || strlen(s) < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return false;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!text_parse_date(date, &day) || !two(s + 11, &h) || !two(s + 14, &m) ||
        !two(s + 17, &sec) || h > 23 || m > 59 || sec > 59)
        return false;
    const char *p = s + 19;
    int64_t frac = 0, scale = 1000000;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        for (; *p >= '0' && *p <= '9'; p++)
            if (scale > 1) {
                scale /= 10;
                frac += (*p - '0') * scale;
            }
    }
    int off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!two(p + 1, &oh) || p[3] != ':' || !two(p + 4, &om) || oh > 23 || om > 59)
            return false;
        off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return false;
    }
    if (*p)
        return false;
    int64_t secs = (int64_t)day * 86400 + h * 3600 + m * 60 + sec - (int64_t)off * 60;
    *us = secs * 1000000 + frac;
    return true;
}

bool clock_configure(const char *start, const char *anchor, const char *env, char *msg,
                     size_t msglen)
{
    OFFSET_US = 0;
    if (!start)
        return true;
    if (!env || strcmp(env, "production") == 0) {
        snprintf(msg, msglen,
                 "PROBITY_CLOCK is for tests and development: refused while PROBITY_ENV is "
                 "production");
        return false;
    }
    int64_t at;
    if (!clock_parse(start, &at)) {
        snprintf(msg, msglen, "PROBITY_CLOCK: '%s' is not an RFC 3339 instant", start);
        return false;
    }
    int64_t base = real_now_us();
    if (anchor) {
        char *end;
        long long secs = strtoll(anchor, &end, 10);
        if (*anchor == '\0' || *end || secs < 0) {
            snprintf(msg, msglen, "PROBITY_CLOCK_ANCHOR: '%s' is not Unix seconds", anchor);
            return false;
        }
        base = (int64_t)secs * 1000000;
    }
    OFFSET_US = at - base;
    return true;
}

int64_t clock_now_us(void)
{
    return real_now_us() + OFFSET_US;
}

void clock_format(int64_t us, char out[32])
{
    time_t secs = (time_t)(us / 1000000);
    int ms = (int)(us % 1000000 / 1000);
    if (us < 0 && us % 1000000) { /* floor towards the past */
        secs--;
        ms = (int)((us % 1000000 + 1000000) / 1000);
    }
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%.19s.%03dZ", base, ms % 1000);
}
