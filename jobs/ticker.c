/* Background work on a tick. */
#include "ticker.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

struct ticker {
    const char *conninfo;
    int tick_ms;
    ticker_fn fn;
    void *arg;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_bool stopping; /* read between steps without the lock */
};

static void *ticker_main(void *p)
{
    ticker_t *t = p;
    db_t db = {.conninfo = t->conninfo, .statement_timeout_ms = 0};
    while (!t->stopping) {
        while (!t->stopping && t->fn(t->arg, &db))
            ;
        pthread_mutex_lock(&t->mu);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)t->tick_ms * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        if (!t->stopping)
            pthread_cond_timedwait(&t->cv, &t->mu, &until);
        pthread_mutex_unlock(&t->mu);
    }
    db_close(&db);
    return NULL;
}

ticker_t *ticker_start(const char *conninfo, int tick_ms, ticker_fn fn, void *arg)
{
    ticker_t *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    *t = (ticker_t){.conninfo = conninfo, .tick_ms = tick_ms, .fn = fn, .arg = arg};
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    if (pthread_create(&t->thread, NULL, ticker_main, t) != 0)
        abort();
    return t;
}

void ticker_stop(ticker_t *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    t->stopping = true;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
}
