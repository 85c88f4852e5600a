/* JSON-lines logger. */
#include "log.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char log_buf[1 << 16];

void log_init(void)
{
    setvbuf(stderr, log_buf, _IOFBF, sizeof log_buf);
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" (24 bytes and a NUL); the part up to the
 * seconds is formatted once a second per thread. */
static void timestamp(char out[32])
{
    static __thread time_t cached_sec = -1;
    static __thread char cached[24];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != cached_sec) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
        cached_sec = ts.tv_sec;
    }
    size_t n = strlen(cached);
    int ms = (int)(ts.tv_nsec / 1000000);
    memcpy(out, cached, n);
    out[n] = '.';
    out[n + 1] = (char)('0' + ms / 100);
    out[n + 2] = (char)('0' + ms / 10 % 10);
    out[n + 3] = (char)('0' + ms % 10);
    out[n + 4] = 'Z';
    out[n + 5] = '\0';
}

void log_json(const char *level, json_t *fields)
{
    char ts[32];
    timestamp(ts);
    json_object_set_new(fields, "ts", json_string(ts));
    json_object_set_new(fields, "level", json_string(level));
    char *line = json_dumps(fields, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(fields);
    if (!line)
        return;
    pthread_mutex_lock(&log_mu);
    fputs(line, stderr);
    fputc('\n', stderr);
    if (strcmp(level, "info") != 0)
        fflush(stderr);
    pthread_mutex_unlock(&log_mu);
    free(line);
}

/* Room kept for what log_line_end adds: ,"ts":"<24>","level":"<5>"}\n
 * and the NUL. */
#define LINE_TAIL 64
/* A string value stops here, so the members after it still fit. */
#define LINE_STR_END (LOG_LINE_MAX - LINE_TAIL - 160)

/* Appends a whole member, or nothing when it would not fit: a line never
 * holds half a member. */
static void put_member(log_line_t *l, const char *key, const char *value, size_t vlen)
{
    size_t klen = strlen(key);
    if (l->len + klen + 4 + vlen > LOG_LINE_MAX - LINE_TAIL)
        return;
    char *o = l->buf + l->len;
    *o++ = ',';
    *o++ = '"';
    memcpy(o, key, klen);
    o += klen;
    *o++ = '"';
    *o++ = ':';
    memcpy(o, value, vlen);
    l->len += klen + 4 + vlen;
}

void log_line_begin(log_line_t *l, const char *event)
{
    size_t n = strnlen(event, 64);
    memcpy(l->buf, "{\"event\":\"", 10);
    memcpy(l->buf + 10, event, n);
    l->buf[10 + n] = '"';
    l->len = 11 + n;
}

void log_line_str(log_line_t *l, const char *key, const char *value)
{
    char v[LOG_LINE_MAX];
    size_t n = 0, klen = strlen(key);
    if (l->len + klen + 6 > LINE_STR_END)
        return;
    size_t room = LINE_STR_END - (l->len + klen + 6);
    v[n++] = '"';
    for (const unsigned char *p = (const unsigned char *)(value ? value : "-"); *p; p++) {
        unsigned char c = *p;
        bool esc = c == '"' || c == '\\';
        if (n + esc >= room)
            break;
        if (esc)
            v[n++] = '\\';
        v[n++] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
    }
    v[n++] = '"';
    put_member(l, key, v, n);
}

/* v's decimal digits at the end of out[24]; returns where they start. */
static char *digits(char out[24], unsigned long long v)
{
    char *p = out + 24;
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    return p;
}

void log_line_int(log_line_t *l, const char *key, long long value)
{
    char d[24];
    unsigned long long u = value < 0 ? 0ull - (unsigned long long)value : (unsigned long long)value;
    char *p = digits(d, u);
    if (value < 0)
        *--p = '-';
    put_member(l, key, p, (size_t)(d + 24 - p));
}

void log_line_null(log_line_t *l, const char *key)
{
    put_member(l, key, "null", 4);
}

void log_line_ms(log_line_t *l, const char *key, unsigned long long us)
{
    char d[32];
    d[28] = '.';
    d[29] = (char)('0' + us / 100 % 10);
    d[30] = (char)('0' + us / 10 % 10);
    d[31] = (char)('0' + us % 10);
    char *p = digits(d + 4, us / 1000);
    put_member(l, key, p, (size_t)(d + 32 - p));
}

/* The tail always fits: put_member() leaves LINE_TAIL bytes for it. */
static void finish(log_line_t *l, const char *level)
{
    char ts[32];
    timestamp(ts);
    size_t n = l->len;
    memcpy(l->buf + n, ",\"ts\":\"", 7);
    n += 7;
    memcpy(l->buf + n, ts, 24);
    n += 24;
    memcpy(l->buf + n, "\",\"level\":\"", 11);
    n += 11;
    size_t ln = strnlen(level, 5);
    memcpy(l->buf + n, level, ln);
    n += ln;
    memcpy(l->buf + n, "\"}\n", 3);
    l->len = n + 3;
    l->buf[l->len] = '\0';
}

const char *log_line_text(log_line_t *l, const char *level)
{
    finish(l, level);
    l->buf[l->len - 1] = '\0';
    return l->buf;
}

void log_line_end(log_line_t *l, const char *level)
{
    finish(l, level);
    pthread_mutex_lock(&log_mu);
    fwrite(l->buf, 1, l->len, stderr);
    if (strcmp(level, "info") != 0)
        fflush(stderr);
    pthread_mutex_unlock(&log_mu);
}

void log_event(const char *level, const char *event, const char *msg)
{
    json_t *o = json_object();
    json_object_set_new(o, "event", json_string(event));
    if (msg)
        json_object_set_new(o, "msg", json_string(msg));
    log_json(level, o);
}

void log_flush(void)
{
    pthread_mutex_lock(&log_mu);
    fflush(stderr);
    pthread_mutex_unlock(&log_mu);
}
