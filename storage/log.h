/* Structured logs: one JSON object per line on stderr. Safe from any thread;
 * request lines are buffered and flushed by the server's timer, warnings and
 * errors are flushed at once. */
#ifndef PROBITY_LOG_H
#define PROBITY_LOG_H

#include <jansson.h>

void log_init(void);
/* level: "info", "warn", "error"; msg may be NULL. */
void log_event(const char *level, const char *event, const char *msg);
/* Steals fields: adds ts and level, writes it as one line. */
void log_json(const char *level, json_t *fields);

/* An access line, built by appends on the stack: one per request on the hot
 * path, where printf's format parsing cost more than the rest of the line.
 *   log_line_t l;
 *   log_line_begin(&l, "request");
 *   log_line_str(&l, "path", path); log_line_int(&l, "status", 200);
 *   log_line_end(&l, "info");
 * gives {"event":"request","path":"...","status":200,"ts":"...","level":"info"}.
 * Keys are the caller's literals, written as given. A value is cut short
 * rather than the line dropped when the line would pass its size; bytes that
 * are not printable ASCII are written as '?' (a log line stays valid JSON
 * whatever a client sent). */
#define LOG_LINE_MAX 1024
typedef struct {
    char buf[LOG_LINE_MAX];
    size_t len;
} log_line_t;

void log_line_begin(log_line_t *l, const char *event);
void log_line_str(log_line_t *l, const char *key, const char *value);
void log_line_int(log_line_t *l, const char *key, long long value);
void log_line_null(log_line_t *l, const char *key);
/* A duration in milliseconds with three decimals, from microseconds. */
void log_line_ms(log_line_t *l, const char *key, unsigned long long us);
/* Adds ts and level and writes the line. */
void log_line_end(log_line_t *l, const char *level);
/* The line as log_line_end would write it, without writing it (for tests):
 * NUL-terminated, without the newline. */
const char *log_line_text(log_line_t *l, const char *level);
void log_flush(void);

#endif
