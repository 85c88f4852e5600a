/* libpq session wrapper. Statements are prepared lazily under a name derived
 * from a hash of their text, so hot queries are planned once per session and
 * callers never manage statement names. */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* A statement's identity in the session's cache: every execution hashes
 * its text, so eight bytes a step (a byte a step was 2,700 instructions for
 * one 600-byte query). 64 bits of a multiply-xorshift mix: among the few
 * hundred statements of a session, a collision is as unlikely as FNV's. */
static unsigned long long hash_sql(const char *s)
{
    const unsigned long long K = 0x9e3779b97f4a7c15ULL;
    size_t n = strlen(s);
    unsigned long long h = 0x243f6a8885a308d3ULL ^ (n * K);
    for (; n >= 8; s += 8, n -= 8) {
        unsigned long long w;
        memcpy(&w, s, 8);
        h = (h ^ w) * K;
        h ^= h >> 29;
    }
    unsigned long long t = 0;
    memcpy(&t, s, n);
    h = (h ^ t) * K;
    h ^= h >> 32;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 31;
    return h ? h : 1;
}

bool db_conninfo_ok(const char *conninfo, char *msg, size_t msglen)
{
    char *errmsg = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &errmsg);
    if (!opts) {
        snprintf(msg, msglen, "%s", errmsg ? errmsg : "cannot parse the database URL");
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = '\0';
        PQfreemem(errmsg);
        return false;
    }
    PQconninfoFree(opts);
    return true;
}

bool db_probe(const char *conninfo, char *msg, size_t msglen)
{
    const char *const keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *const vals[] = {conninfo, "3", "probityd", NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    bool ok = c && PQstatus(c) == CONNECTION_OK;
    if (!ok) {
        snprintf(msg, msglen, "%s", c ? PQerrorMessage(c) : "out of memory");
        for (char *p = msg; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        size_t n = strlen(msg);
        while (n && msg[n - 1] == ' ')
            msg[--n] = '\0';
    }
    PQfinish(c);
    return ok;
}

void db_close(db_t *db)
{
    if (db->conn && db->on_conn)
        db->on_conn(db->on_conn_arg, NULL);
    if (db->conn)
        PQfinish(db->conn);
    db->conn = NULL;
    db->nstmt = 0;
}

bool db_ensure(db_t *db, app_error_t *err)
{
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK) {
        /* A backend the server terminated (restart, idle kill) has already
         * sent its goodbye; reading it now marks the session bad before we
         * spend a request on it. */
        if (PQconsumeInput(db->conn) && PQstatus(db->conn) == CONNECTION_OK &&
            PQtransactionStatus(db->conn) == PQTRANS_IDLE)
            return true;
    }
    db_close(db);
    char opts[160];
    snprintf(opts, sizeof opts, "-c DateStyle=ISO,YMD -c TimeZone=UTC -c statement_timeout=%d",
             db->statement_timeout_ms);
    const char *const keys[] = {"dbname", "connect_timeout", "application_name", "options",
                                "keepalives_idle", "keepalives_interval", "keepalives_count",
                                NULL};
    const char *const vals[] = {db->conninfo, "3", "probityd", opts, "30", "10", "3", NULL};
    db->conn = PQconnectdbParams(keys, vals, 1);
    if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s", db->conn ? PQerrorMessage(db->conn) : "out of memory");
        for (char *p = msg; *p; p++)
            if (*p == '\n')
                *p = ' ';
        log_event("warn", "database_unreachable", msg);
        db_close(db);
        err_set(err, ERR_UNAVAILABLE, "The database is unavailable; retry later.");
        return false;
    }
    if (db->on_conn)
        db->on_conn(db->on_conn_arg, db->conn);
    return true;
}

static const char *diag(const PGresult *res, int field)
{
    const char *v = res ? PQresultErrorField(res, field) : NULL;
    return v ? v : "";
}

/* "<table>_<column>_fkey" / "_key" / "_check": recover <column> given the
 * table, so a constraint failure can name the field at fault. */
static void constraint_column(const char *table, const char *constraint, char *out, size_t n)
{
    out[0] = '\0';
    size_t tl = strlen(table);
    if (strncmp(constraint, table, tl) != 0 || constraint[tl] != '_')
        return;
    const char *col = constraint + tl + 1;
    const char *suffix = strrchr(col, '_');
    if (!suffix)
        return;
    size_t cl = (size_t)(suffix - col);
    if (cl >= n)
        return;
    memcpy(out, col, cl);
    out[cl] = '\0';
}

void db_map_error(db_t *db, const PGresult *res, app_error_t *err)
{
    const char *state = diag(res, PG_DIAG_SQLSTATE);
    if (!res || !*state || PQstatus(db->conn) != CONNECTION_OK || strncmp(state, "08", 2) == 0 ||
        strncmp(state, "57P", 3) == 0 || strcmp(state, "53300") == 0) {
        err_set(err, ERR_UNAVAILABLE, "The database is unavailable; retry later.");
        return;
    }
    if (strcmp(state, "57014") == 0) {
        err_set(err, ERR_UNAVAILABLE, "The database did not answer in time; retry later.");
        return;
    }
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0) {
        err_set(err, ERR_CONFLICT, "A concurrent change conflicted with this one; retry.");
        return;
    }
    char column[64];
    constraint_column(diag(res, PG_DIAG_TABLE_NAME), diag(res, PG_DIAG_CONSTRAINT_NAME), column,
                      sizeof column);
    if (strcmp(state, "23505") == 0) {
        if (column[0])
            err_set(err, ERR_CONFLICT, "Another record already has this %s.", column);
        else
            err_set(err, ERR_CONFLICT, "Another record already has these values.");
        return;
    }
    if (strcmp(state, "23503") == 0) {
        /* Callers that delete turn this into "has dependants" themselves; on
         * writes it means the referenced record does not exist. */
        err_field(err, column[0] ? column : "", "reference", "Refers to a record that does not exist.");
        return;
    }
    if (strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0 ||
        strncmp(state, "22", 2) == 0) {
        err_field(err, column, "invalid", "Rejected by a database rule (%s).",
                  diag(res, PG_DIAG_CONSTRAINT_NAME)[0] ? diag(res, PG_DIAG_CONSTRAINT_NAME) : state);
        return;
    }
    char msg[240];
    snprintf(msg, sizeof msg, "%s %s", state, diag(res, PG_DIAG_MESSAGE_PRIMARY));
    log_event("error", "database_error", msg);
    err_set(err, ERR_INTERNAL, "An internal error occurred.");
}

static bool stmt_known(db_t *db, unsigned long long h);

/* Prepares sql on this session unless it already is; *name receives the
 * statement name. False when the cache is full (the caller runs unprepared). */
static bool stmt_prepare(db_t *db, const char *sql, int nparams, char name[24], app_error_t *err,
                         bool *failed)
{
    unsigned long long h = hash_sql(sql);
    static const char HEX[] = "0123456789abcdef";
    name[0] = 'p';
    for (int i = 0; i < 16; i++)
        name[1 + i] = HEX[(h >> (60 - 4 * i)) & 15];
    name[17] = '\0';
    *failed = false;
    if (stmt_known(db, h))
        return true;
    if (db->nstmt >= DB_STMT_CACHE)
        return false;
    PGresult *res = PQprepare(db->conn, name, sql, nparams, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        db_map_error(db, res, err);
        PQclear(res);
        *failed = true;
        return false;
    }
    PQclear(res);
    db->stmt_hash[db->nstmt++] = h;
    return true;
}

static bool stmt_known(db_t *db, unsigned long long h)
{
    for (int i = 0; i < db->nstmt; i++)
        if (db->stmt_hash[i] == h)
            return true;
    return false;
}

PGresult *db_exec(db_t *db, const char *sql, int nparams, const char *const *params,
                  app_error_t *err)
{
    char name[24];
    bool failed;
    PGresult *res;
    if (stmt_prepare(db, sql, nparams, name, err, &failed))
        res = PQexecPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
    else if (failed)
        return NULL;
    else
        res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        db_map_error(db, res, err);
        PQclear(res);
        return NULL;
    }
    return res;
}

#define DB_MAX_PARAMS 24

struct db_deferred {
    db_deferred_t *next;
    char *sql;
    int nparams;
    char *params[DB_MAX_PARAMS];
    db_finish_fn fn;
    void *arg;
    char name[24];
    bool prepared;
};

static void deferred_free(db_deferred_t *d)
{
    free(d->sql);
    for (int i = 0; i < d->nparams; i++)
        free(d->params[i]);
    free(d);
}

static void run_now(db_t *db, const char *sql, int nparams, const char *const *params,
                    db_finish_fn fn, void *arg)
{
    app_error_t err; /* workers have full-size stacks; this is 16 KiB */
    err_clear(&err);
    PGresult *res = db_ensure(db, &err) ? db_exec(db, sql, nparams, params, &err) : NULL;
    fn(arg, res, res ? NULL : &err);
    PQclear(res);
}

void db_defer(db_t *db, const char *sql, int nparams, const char *const *params, db_finish_fn fn,
              void *arg)
{
    if (!db->batching || nparams > DB_MAX_PARAMS) {
        run_now(db, sql, nparams, params, fn, arg);
        return;
    }
    db_deferred_t *d = calloc(1, sizeof *d);
    if (!d || !(d->sql = strdup(sql)))
        abort();
    d->nparams = nparams;
    for (int i = 0; i < nparams; i++)
        if (params[i] && !(d->params[i] = strdup(params[i])))
            abort();
    d->fn = fn;
    d->arg = arg;
    if (!db->deferred_tail)
        db->deferred_tail = &db->deferred;
    *db->deferred_tail = d;
    db->deferred_tail = &d->next;
}

/* Sends every statement, one sync at the end, then reads the results in
 * order. Any failure makes libpq abort the rest of the pipeline; those
 * statements are then run one by one, so one bad statement cannot fail its
 * neighbours. */
static void flush_pipeline(db_t *db, db_deferred_t *list, app_error_t *err)
{
    bool failed;
    for (db_deferred_t *d = list; d; d = d->next)
        d->prepared = stmt_prepare(db, d->sql, d->nparams, d->name, err, &failed);
    if (!PQenterPipelineMode(db->conn))
        goto fallback;
    for (db_deferred_t *d = list; d; d = d->next) {
        const char *const *p = (const char *const *)d->params;
        int ok = d->prepared
                     ? PQsendQueryPrepared(db->conn, d->name, d->nparams, p, NULL, NULL, 0)
                     : PQsendQueryParams(db->conn, d->sql, d->nparams, NULL, p, NULL, NULL, 0);
        if (!ok)
            goto abandon;
    }
    if (!PQpipelineSync(db->conn))
        goto abandon;
    db_deferred_t *d = list;
    while (d) {
        PGresult *res = PQgetResult(db->conn);
        if (!res)
            goto abandon;
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
            d->fn(d->arg, res, NULL);
            d->fn = NULL;
        } /* else: the failed one and all after it are retried below */
        PQclear(res);
        PQclear(PQgetResult(db->conn)); /* the NULL that ends each statement's results */
        d = d->next;
    }
    PGresult *sync = PQgetResult(db->conn);
    bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    PQclear(sync);
    if (!synced || !PQexitPipelineMode(db->conn))
        goto abandon;
fallback:
    for (db_deferred_t *x = list; x; x = x->next)
        if (x->fn) {
            run_now(db, x->sql, x->nparams, (const char *const *)x->params, x->fn, x->arg);
            x->fn = NULL;
        }
    return;
abandon:
    /* The session is in an unknown state: drop it; the retries reconnect. */
    db_close(db);
    goto fallback;
}

void db_flush(db_t *db)
{
    db_deferred_t *list = db->deferred;
    db->deferred = NULL;
    db->deferred_tail = NULL;
    if (!list)
        return;
    app_error_t err;
    err_clear(&err);
    if (list->next && db_ensure(db, &err)) {
        flush_pipeline(db, list, &err);
    } else {
        for (db_deferred_t *x = list; x; x = x->next) {
            run_now(db, x->sql, x->nparams, (const char *const *)x->params, x->fn, x->arg);
            x->fn = NULL;
        }
    }
    while (list) {
        db_deferred_t *next = list->next;
        deferred_free(list);
        list = next;
    }
}

bool db_exec_simple(db_t *db, const char *sql, app_error_t *err)
{
    PGresult *res = PQexec(db->conn, sql);
    ExecStatusType st = PQresultStatus(res);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        db_map_error(db, res, err);
    PQclear(res);
    return ok;
}

bool db_begin(db_t *db, app_error_t *err)
{
    return db_exec_simple(db, "BEGIN", err);
}

bool db_commit(db_t *db, app_error_t *err)
{
    return db_exec_simple(db, "COMMIT", err);
}

void db_rollback(db_t *db)
{
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK &&
        PQtransactionStatus(db->conn) != PQTRANS_IDLE)
        PQclear(PQexec(db->conn, "ROLLBACK"));
}
