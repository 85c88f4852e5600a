/* Worker pool: a mutex-protected FIFO in, a mutex-protected list out, and one
 * libevent event the workers activate to wake the loop (libevent is set up
 * for threads by the caller, so event_active is safe from a worker). */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pool_job_t *head, *tail; /* waiting */
    pool_job_t *done;        /* finished, newest first */
    int waiting, in_use, size, max_waiting;
    bool stopping;
    struct event *done_ev;
    pthread_t *threads;
    db_t *dbs;
};

typedef struct {
    pool_t *pool;
    int index;
} worker_arg_t;

#define POOL_BATCH_MAX 16

static void *worker_main(void *p)
{
    worker_arg_t *wa = p;
    pool_t *pool = wa->pool;
    db_t *db = &pool->dbs[wa->index];
    free(wa);
    for (;;) {
        pthread_mutex_lock(&pool->mu);
        while (!pool->head && !pool->stopping)
            pthread_cond_wait(&pool->cv, &pool->mu);
        if (!pool->head) {
            pthread_mutex_unlock(&pool->mu);
            break;
        }
        /* Take a fair share of the queue: under load several requests ride
         * one pipeline (db_defer/db_flush); when idle, one at a time. */
        int take = pool->waiting / pool->size;
        if (take < 1)
            take = 1;
        if (take > POOL_BATCH_MAX)
            take = POOL_BATCH_MAX;
        pool_job_t *batch = pool->head, *last = batch;
        for (int i = 1; i < take && last->next; i++)
            last = last->next;
        pool->head = last->next;
        if (!pool->head)
            pool->tail = NULL;
        last->next = NULL;
        for (pool_job_t *j = batch; j; j = j->next) {
            pool->waiting--;
            pool->in_use++;
        }
        pthread_mutex_unlock(&pool->mu);

        db->batching = true;
        bool prepared = false;
        for (pool_job_t *j = batch; j; j = j->next)
            if (j->prepare) {
                j->prepare(db, j);
                prepared = true;
            }
        if (prepared)
            db_flush(db); /* batching stays on for the run()s */
        for (pool_job_t *j = batch; j; j = j->next)
            j->run(db, j);
        db->batching = false;
        db_flush(db);

        pthread_mutex_lock(&pool->mu);
        while (batch) {
            pool_job_t *next = batch->next;
            pool->in_use--;
            batch->next = pool->done;
            pool->done = batch;
            batch = next;
        }
        pthread_mutex_unlock(&pool->mu);
        event_active(pool->done_ev, EV_READ, 0);
    }
    db_close(db);
    return NULL;
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    pool_t *pool = arg;
    pthread_mutex_lock(&pool->mu);
    pool_job_t *list = pool->done;
    pool->done = NULL;
    pthread_mutex_unlock(&pool->mu);
    /* Reverse to finish jobs in completion order. */
    pool_job_t *rev = NULL;
    while (list) {
        pool_job_t *next = list->next;
        list->next = rev;
        rev = list;
        list = next;
    }
    while (rev) {
        pool_job_t *next = rev->next;
        rev->done(rev);
        rev = next;
    }
}

pool_t *pool_create(struct event_base *base, const char *conninfo, int size, int max_waiting,
                    int statement_timeout_ms)
{
    pool_t *pool = calloc(1, sizeof *pool);
    if (!pool)
        return NULL;
    pthread_mutex_init(&pool->mu, NULL);
    pthread_cond_init(&pool->cv, NULL);
    pool->size = size;
    pool->max_waiting = max_waiting;
    pool->done_ev = event_new(base, -1, 0, on_done, pool);
    pool->threads = calloc((size_t)size, sizeof *pool->threads);
    pool->dbs = calloc((size_t)size, sizeof *pool->dbs);
    if (!pool->done_ev || !pool->threads || !pool->dbs)
        abort();
    for (int i = 0; i < size; i++) {
        pool->dbs[i].conninfo = conninfo;
        pool->dbs[i].statement_timeout_ms = statement_timeout_ms;
        worker_arg_t *wa = malloc(sizeof *wa);
        if (!wa)
            abort();
        *wa = (worker_arg_t){pool, i};
        if (pthread_create(&pool->threads[i], NULL, worker_main, wa) != 0)
            abort();
    }
    return pool;
}

bool pool_submit(pool_t *pool, pool_job_t *job)
{
    job->next = NULL;
    pthread_mutex_lock(&pool->mu);
    if (pool->waiting >= pool->max_waiting || pool->stopping) {
        pthread_mutex_unlock(&pool->mu);
        return false;
    }
    if (pool->tail)
        pool->tail->next = job;
    else
        pool->head = job;
    pool->tail = job;
    pool->waiting++;
    pthread_cond_signal(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
    return true;
}

pool_stats_t pool_stats(pool_t *pool)
{
    pthread_mutex_lock(&pool->mu);
    pool_stats_t s = {pool->size, pool->in_use, pool->waiting};
    pthread_mutex_unlock(&pool->mu);
    return s;
}

void pool_destroy(pool_t *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->mu);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
    for (int i = 0; i < pool->size; i++)
        pthread_join(pool->threads[i], NULL);
    /* Jobs finished after the loop stopped still own resources. */
    on_done(-1, 0, pool);
    event_free(pool->done_ev);
    pthread_mutex_destroy(&pool->mu);
    pthread_cond_destroy(&pool->cv);
    free(pool->threads);
    free(pool->dbs);
    free(pool);
}
