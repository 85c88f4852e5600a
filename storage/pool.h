/* A fixed pool of database workers. Each worker thread owns one db_t; the
 * event loop hands it jobs and gets them back, so the loop never blocks on
 * the database. */
#ifndef PROBITY_POOL_H
#define PROBITY_POOL_H

#include <event2/event.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "db.h"

typedef struct pool_job pool_job_t;

struct pool_job {
    /* Optional first step, run for every job of a batch before any run():
     * what it defers (e.g. the credential lookup) goes in one pipeline, and
     * run() finds the results. */
    void (*prepare)(db_t *db, pool_job_t *job);
    /* Runs on a worker with its session. It may leave its read for later
     * with db_defer; the worker flushes before handing the job back. */
    void (*run)(db_t *db, pool_job_t *job);
    /* Optional: runs on the worker once the batch's deferred reads are
     * flushed, so the job's answer is complete, and before done; for work
     * on the answer that needs neither the database nor the loop (the gRPC
     * bridge turns REST's JSON into the call's message here, off the loop
     * and on as many threads as the pool has). Not run for a cancelled job. */
    void (*finish)(pool_job_t *job);
    /* Runs afterwards on the event loop thread; owns the job from then on. */
    void (*done)(pool_job_t *job);
    pool_job_t *next;
    /* Set by pool_cancel; pool_submit clears it. */
    atomic_bool cancelled;
};

typedef struct pool pool_t;

typedef struct {
    int size, in_use, waiting;
} pool_stats_t;

pool_t *pool_create(struct event_base *base, const char *conninfo, int size, int max_waiting,
                    int statement_timeout_ms);
/* Queues job; false when max_waiting jobs are already queued (the caller
 * answers 503 rather than queueing without bound). */
bool pool_submit(pool_t *pool, pool_job_t *job);
pool_stats_t pool_stats(pool_t *pool);
/* From the loop thread: job, submitted and not yet done, is no longer
 * wanted (its caller went away). A job still queued will not have its
 * prepare or run called; a job whose prepare or run is executing gets the
 * statement its worker's session is running cancelled (PQcancel, sent by
 * the pool's canceller thread, so the loop never waits on the database); the
 * handler sees the statement fail and rolls its transaction back. Its done
 * is called as always. Statements a job left for db_flush are not cancelled
 * (they are short reads). Returns true when the job was still queued. */
bool pool_cancel(pool_t *pool, pool_job_t *job);
/* Stops the workers after the jobs already queued, and joins them. */
void pool_destroy(pool_t *pool);

#endif
