/* Per-caller token-bucket rate limiting, shared by the worker threads of one
 * process: a request takes one token from its caller's bucket, and a refused
 * request learns how long to wait (Retry-After). */
#ifndef PROBITY_RATELIMIT_H
#define PROBITY_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Callers are API key ids or JWT subjects. A longer key is limited under its
 * first RL_KEY_MAX bytes: it may share a bucket, which is only ever stricter. */
#define RL_KEY_MAX 128
/* Largest rate or burst ratelimit_parse accepts. */
#define RL_NUM_MAX 1000000u

typedef struct {
    uint32_t rate_per_s; /* 0 = unlimited */
    uint32_t burst;      /* bucket size; 0 with a non-zero rate is taken as 1 */
} rl_rule_t;

typedef struct ratelimit ratelimit_t;

/* capacity: most callers tracked at once; beyond it the least recently seen
 * bucket is reused (a reused bucket starts full, which can only be more
 * lenient, never lock out a caller). NULL when capacity is 0 or above
 * UINT32_MAX / 2; out of memory aborts, as everywhere in Probity. */
ratelimit_t *ratelimit_create(size_t capacity);
/* NULL is a no-op. */
void ratelimit_free(ratelimit_t *rl);

/* Takes one token from key's bucket under rule at monotonic time now_ns
 * (injected so tests need no sleeping). Returns 0 when allowed; otherwise the
 * whole seconds (>= 1, rounded up) until a token will be available, for
 * Retry-After. An unlimited rule returns 0 without tracking the key. A time
 * earlier than the latest seen for the key counts as that latest time, so it
 * adds no tokens. The rule may differ between calls for one key (a
 * reconfigured role); tokens above a smaller burst are dropped. Thread-safe. */
unsigned ratelimit_take(ratelimit_t *rl, const char *key, rl_rule_t rule, uint64_t now_ns);

/* Parses "name=rate:burst,name=rate:burst" (e.g. "admin=50:100,viewer=10:20";
 * "name=0" means unlimited; whitespace around items allowed) into rules[i]
 * for names[i] (n names). Names not in the spec keep the value already in
 * rules[i]; a NULL or blank spec changes nothing. False with a one-line reason
 * in msg, and rules untouched, for an unknown name, a duplicate, a malformed
 * item, burst 0 with a non-zero rate, or numbers out of 1..RL_NUM_MAX. */
bool ratelimit_parse(const char *spec, const char *const *names, size_t n, rl_rule_t *rules,
                     char *msg, size_t msglen);

#endif
