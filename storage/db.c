/* libpq session wrapper. Statements are prepared lazily under a name derived
 * from a hash of their text, so hot queries are planned once per session and
 * callers never manage statement names. */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static unsigned long long hash_sql(const char *s)
{
    unsigned long long h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
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
    unsigned long long h = hash_sql(sql);
    char name[24];
    snprintf(name, sizeof name, "p%016llx", h);
    PGresult *res;
    if (stmt_known(db, h) || db->nstmt < DB_STMT_CACHE) {
        if (!stmt_known(db, h)) {
            res = PQprepare(db->conn, name, sql, nparams, NULL);
            if (PQresultStatus(res) != PGRES_COMMAND_OK) {
                db_map_error(db, res, err);
                PQclear(res);
                return NULL;
            }
            PQclear(res);
            db->stmt_hash[db->nstmt++] = h;
        }
        res = PQexecPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
    } else {
        res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    }
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        db_map_error(db, res, err);
        PQclear(res);
        return NULL;
    }
    return res;
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
