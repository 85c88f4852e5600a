/* The process clock. Real time in production; in tests PROBITY_CLOCK sets
 * the instant the process starts at, from which time runs on at the normal
 * rate, so a December 25 or a month end can be run on any day. Everything
 * the scheduler decides takes its "now" from here, never from the
 * database's now(). */
#ifndef PROBITY_CLOCK_H
#define PROBITY_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* start: an RFC 3339 instant or NULL (real time). anchor (Unix seconds, or
 * NULL for "now") is the real instant start stands for, so that several
 * processes started at different times share one clock. A set clock is
 * refused in production (env "production"). False with a one-line reason. */
bool clock_configure(const char *start, const char *anchor, const char *env, char *msg,
                     size_t msglen);
/* Microseconds since 1970-01-01T00:00:00Z. */
int64_t clock_now_us(void);
/* now as RFC 3339 UTC with milliseconds, for SQL parameters and JSON. */
void clock_format(int64_t us, char out[32]);
/* Parses an RFC 3339 instant (Z or ±HH:MM, optional fraction). */
bool clock_parse(const char *s, int64_t *us);

#endif
