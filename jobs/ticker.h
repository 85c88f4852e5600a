/* A background thread with its own database session that does a step of
 * work every tick: the scheduler and the outbox sender are two of them. */
#ifndef PROBITY_TICKER_H
#define PROBITY_TICKER_H

#include <stdbool.h>

#include "../storage/db.h"

/* One step; true when there is more to do at once (the next step follows
 * without waiting for the tick). */
typedef bool (*ticker_fn)(void *arg, db_t *db);

typedef struct ticker ticker_t;

ticker_t *ticker_start(const char *conninfo, int tick_ms, ticker_fn fn, void *arg);
/* Lets the step in hand finish, then joins the thread. */
void ticker_stop(ticker_t *t);

#endif
