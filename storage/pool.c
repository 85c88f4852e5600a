/* Worker pool: a mutex-protected FIFO in, a mutex-protected list out, and one
 * libevent event the workers activate to wake the loop (libevent is set up
 * for threads by the caller, so event_active is safe from a worker). A
 * canceller thread sends the cancel requests of pool_cancel: PQcancel opens a
 * connection to the server and waits for it, which the loop must not do. */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* What a worker is executing, for pool_cancel. mu guards cur, sent and
 * cancel; the canceller holds it while it sends, so the worker cannot move
 * on to another job's statements before a cancel meant for this one left. */
typedef struct {
    pthread_mutex_t mu;
    pool_job_t *cur;  /* the job whose prepare or run is executing, or NULL */
    bool sent;        /* a cancel request went for cur */
    PGcancel *cancel; /* for the session's connection; NULL while it has none */
} worker_t;

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
    worker_t *workers;
    pthread_t canceller;
    pthread_cond_t cancel_cv; /* with mu: cancel_pending or stopping */
    bool cancel_pending;
};

typedef struct {
    pool_t *pool;
    int index;
} worker_arg_t;

#define POOL_BATCH_MAX 16

/* db_t's on_conn: keeps the worker's cancel handle for its connection. It
 * runs on the worker's own thread, the only one that touches its PGconn. */
static void worker_on_conn(void *arg, PGconn *conn)
{
    worker_t *w = arg;
    PGcancel *c = conn ? PQgetCancel(conn) : NULL;
    pthread_mutex_lock(&w->mu);
    PGcancel *old = w->cancel;
    w->cancel = c;
    pthread_mutex_unlock(&w->mu);
    if (old)
        PQfreeCancel(old);
}

/* Marks j as executing on w; false when it was cancelled (the step is
 * skipped). */
static bool step_begin(worker_t *w, pool_job_t *j)
{
    pthread_mutex_lock(&w->mu);
    bool go = !atomic_load(&j->cancelled);
    if (go) {
        w->cur = j;
        w->sent = false;
    }
    pthread_mutex_unlock(&w->mu);
    return go;
}

static void step_end(worker_t *w)
{
    pthread_mutex_lock(&w->mu);
    w->cur = NULL;
    pthread_mutex_unlock(&w->mu);
}

/* Sends one cancel request for each worker executing a cancelled job.
 * PQcancel returns once the server has signalled the backend, and w->mu
 * keeps the worker from starting another job's step meanwhile; a backend
 * that is idle when the signal lands ignores it. So a request is lost at
 * worst when it falls between two of the job's statements (the handler then
 * finishes, and its answer is dropped), and another job's statement could
 * only be hit if the signal were handled later than the worker's next
 * command arrives, which the lock makes a window of microseconds. */
static void *canceller_main(void *p)
{
    pool_t *pool = p;
    for (;;) {
        pthread_mutex_lock(&pool->mu);
        while (!pool->cancel_pending && !pool->stopping)
            pthread_cond_wait(&pool->cancel_cv, &pool->mu);
        bool stop = pool->stopping;
        pool->cancel_pending = false;
        pthread_mutex_unlock(&pool->mu);
        if (stop)
            break;
        for (int i = 0; i < pool->size; i++) {
            worker_t *w = &pool->workers[i];
            pthread_mutex_lock(&w->mu);
            if (w->cur && !w->sent && w->cancel && atomic_load(&w->cur->cancelled)) {
                char errbuf[256];
                PQcancel(w->cancel, errbuf, sizeof errbuf); /* best effort */
                w->sent = true;
            }
            pthread_mutex_unlock(&w->mu);
        }
    }
    return NULL;
}

bool pool_cancel(pool_t *pool, pool_job_t *job)
{
    atomic_store(&job->cancelled, true);
    bool queued = false;
    pthread_mutex_lock(&pool->mu);
    for (pool_job_t *j = pool->head; j && !queued; j = j->next)
        queued = j == job;
    if (!queued) {
        pool->cancel_pending = true;
        pthread_cond_signal(&pool->cancel_cv);
    }
    pthread_mutex_unlock(&pool->mu);
    return queued;
}

static void *worker_main(void *p)
{
    worker_arg_t *wa = p;
    pool_t *pool = wa->pool;
    db_t *db = &pool->dbs[wa->index];
    worker_t *w = &pool->workers[wa->index];
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
            if (j->prepare && step_begin(w, j)) {
                j->prepare(db, j);
                step_end(w);
                prepared = true;
            }
        if (prepared)
            db_flush(db); /* batching stays on for the run()s */
        for (pool_job_t *j = batch; j; j = j->next)
            if (step_begin(w, j)) {
                j->run(db, j);
                step_end(w);
            }
        db->batching = false;
        db_flush(db);
        for (pool_job_t *j = batch; j; j = j->next)
            if (j->finish && !atomic_load(&j->cancelled))
                j->finish(j);

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
    pool->workers = calloc((size_t)size, sizeof *pool->workers);
    if (!pool->done_ev || !pool->threads || !pool->dbs || !pool->workers)
        abort();
    pthread_cond_init(&pool->cancel_cv, NULL);
    for (int i = 0; i < size; i++) {
        pthread_mutex_init(&pool->workers[i].mu, NULL);
        pool->dbs[i].conninfo = conninfo;
        pool->dbs[i].statement_timeout_ms = statement_timeout_ms;
        pool->dbs[i].on_conn = worker_on_conn;
        pool->dbs[i].on_conn_arg = &pool->workers[i];
        worker_arg_t *wa = malloc(sizeof *wa);
        if (!wa)
            abort();
        *wa = (worker_arg_t){pool, i};
        if (pthread_create(&pool->threads[i], NULL, worker_main, wa) != 0)
            abort();
    }
    if (pthread_create(&pool->canceller, NULL, canceller_main, pool) != 0)
        abort();
    return pool;
}

bool pool_submit(pool_t *pool, pool_job_t *job)
{
    job->next = NULL;
    atomic_store(&job->cancelled, false);
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
    pthread_cond_broadcast(&pool->cancel_cv);
    pthread_mutex_unlock(&pool->mu);
    for (int i = 0; i < pool->size; i++)
        pthread_join(pool->threads[i], NULL);
    pthread_join(pool->canceller, NULL);
    for (int i = 0; i < pool->size; i++) {
        if (pool->workers[i].cancel) /* db_close cleared it; a worker that never ran is NULL */
            PQfreeCancel(pool->workers[i].cancel);
        pthread_mutex_destroy(&pool->workers[i].mu);
    }
    /* Jobs finished after the loop stopped still own resources. */
    on_done(-1, 0, pool);
    event_free(pool->done_ev);
    pthread_mutex_destroy(&pool->mu);
    pthread_cond_destroy(&pool->cv);
    pthread_cond_destroy(&pool->cancel_cv);
    free(pool->workers);
    free(pool->threads);
    free(pool->dbs);
    free(pool);
}
