/* JSON-lines logger. */
#include "log.h"

#include <pthread.h>
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

static void timestamp(char out[32])
{
    /* The date part is formatted once a second per thread. */
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
    snprintf(out, 32, "%.20s.%03dZ", cached, (int)(ts.tv_nsec / 1000000));
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

void log_fields(const char *level, const char *fields, size_t len)
{
    char ts[32];
    timestamp(ts);
    pthread_mutex_lock(&log_mu);
    fprintf(stderr, "{%.*s,\"ts\":\"%s\",\"level\":\"%s\"}\n", (int)len, fields, ts, level);
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
