/* One database session: a libpq connection plus its prepared-statement
 * cache. Owned by exactly one thread at a time (a pool worker or the CLI);
 * every call blocks, which is why none is ever made on an event-loop thread. */
#ifndef PROBITY_DB_H
#define PROBITY_DB_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "../domain/error.h"

#define DB_STMT_CACHE 256

/* Called with the statement's result (borrowed: valid during the call), or
 * with res NULL and err set when it failed. */
typedef void (*db_finish_fn)(void *arg, const PGresult *res, app_error_t *err);

typedef struct db_deferred db_deferred_t;

typedef struct {
    PGconn *conn;
    const char *conninfo;          /* borrowed from the configuration */
    int statement_timeout_ms;
    unsigned long long stmt_hash[DB_STMT_CACHE]; /* prepared statements, by SQL hash */
    int nstmt;
    bool batching;                 /* db_defer queues instead of running */
    db_deferred_t *deferred, **deferred_tail;
    /* Optional: called on the session's thread with the new connection each
     * time db_ensure connects, and with NULL when db_close drops it (the pool
     * keeps a cancel handle for the connection: pool_cancel). */
    void (*on_conn)(void *arg, PGconn *conn);
    void *on_conn_arg;
} db_t;

/* Connects (or reconnects a broken session). Returns false and fills err
 * with ERR_UNAVAILABLE when the database cannot be reached. */
bool db_ensure(db_t *db, app_error_t *err);
void db_close(db_t *db);
/* Connects once and disconnects, for start-up: false with libpq's reason
 * on one line in msg. Logs nothing. */
bool db_probe(const char *conninfo, char *msg, size_t msglen);
/* A connection-string check that does not touch the network: false and a
 * message when libpq cannot parse it. */
bool db_conninfo_ok(const char *conninfo, char *msg, size_t msglen);

/* Runs a parameterised statement (all parameters as text, NULL for SQL
 * NULL), prepared once per session. Returns the result, or NULL with err set
 * from the SQLSTATE (see db_map_error). The caller PQclear()s the result. */
PGresult *db_exec(db_t *db, const char *sql, int nparams, const char *const *params,
                  app_error_t *err);
/* Runs SQL without parameters (BEGIN, COMMIT, migrations). */
bool db_exec_simple(db_t *db, const char *sql, app_error_t *err);

/* A single read-only statement whose result may wait: while the session is
 * batching (a pool worker gathering several requests), it is queued and sent
 * with the others in one libpq pipeline by db_flush, saving a round trip
 * and a pair of context switches per request; otherwise it runs at once.
 * sql and params are copied. fn runs exactly once either way. */
void db_defer(db_t *db, const char *sql, int nparams, const char *const *params, db_finish_fn fn,
              void *arg);
/* Runs every queued statement, in order, and calls their finish functions. */
void db_flush(db_t *db);

bool db_begin(db_t *db, app_error_t *err);
bool db_commit(db_t *db, app_error_t *err);
/* Best effort; a broken connection is left for db_ensure to replace. */
void db_rollback(db_t *db);

/* Maps a failed result to an error kind: unique violations and other
 * conflicts to ERR_CONFLICT, references and checks to ERR_INVALID on the
 * column the constraint names, lost connections and timeouts to
 * ERR_UNAVAILABLE, the rest to ERR_INTERNAL (logged). */
void db_map_error(db_t *db, const PGresult *res, app_error_t *err);

#endif
