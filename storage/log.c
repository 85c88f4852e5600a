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
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000);
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
