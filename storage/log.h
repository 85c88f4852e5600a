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
/* fields: the members of one JSON object, already encoded, without braces
 * (the hot path formats them by hand); ts and level are added. */
void log_fields(const char *level, const char *fields, size_t len);
void log_flush(void);

#endif
