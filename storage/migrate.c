/* Migration runner. */
#include "migrate.h"

#include <stdio.h>
#include <stdlib.h>

#include "embedded.h"
#include "log.h"

/* Arbitrary but fixed: every probityd takes the same lock. */
#define MIGRATE_LOCK_KEY "7262837461"

static int file_version(const embedded_file_t *f)
{
    return atoi(f->name);
}

int migrate_latest(void)
{
    int v = 0;
    for (unsigned long i = 0; i < MIGRATION_FILES_count; i++)
        if (file_version(&MIGRATION_FILES[i]) > v)
            v = file_version(&MIGRATION_FILES[i]);
    return v;
}

bool migrate_current(db_t *db, int *version, app_error_t *err)
{
    PGresult *res = db_exec(db,
                            "SELECT CASE WHEN to_regclass('public.schema_migrations') IS NULL "
                            "THEN 0 ELSE (SELECT coalesce(max(version), 0) FROM schema_migrations) END",
                            0, NULL, err);
    if (!res)
        return false;
    *version = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return true;
}

static bool apply_one(db_t *db, const embedded_file_t *f, bool *did, app_error_t *err)
{
    char version[16];
    snprintf(version, sizeof version, "%d", file_version(f));
    const char *params[] = {version, f->name};
    if (!db_begin(db, err))
        return false;
    PGresult *res = db_exec(db, "SELECT 1 FROM schema_migrations WHERE version = $1::int", 1,
                            params, err);
    if (!res)
        goto fail;
    bool done = PQntuples(res) > 0;
    PQclear(res);
    if (done) {
        db_rollback(db);
        return true;
    }
    *did = true;
    if (!db_exec_simple(db, f->data, err))
        goto fail;
    res = db_exec(db, "INSERT INTO schema_migrations (version, name) VALUES ($1::int, $2)", 2,
                  params, err);
    if (!res)
        goto fail;
    PQclear(res);
    if (!db_commit(db, err))
        goto fail;
    log_event("info", "migration_applied", f->name);
    return true;
fail:
    db_rollback(db);
    return false;
}

bool migrate_run(db_t *db, int *applied, app_error_t *err)
{
    *applied = 0;
    if (!db_exec_simple(db, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", err))
        return false;
    bool ok = db_exec_simple(db,
                             "CREATE TABLE IF NOT EXISTS schema_migrations ("
                             " version integer PRIMARY KEY,"
                             " name text NOT NULL,"
                             " applied_at timestamptz NOT NULL DEFAULT now())",
                             err);
    for (unsigned long i = 0; ok && i < MIGRATION_FILES_count; i++) {
        bool did = false;
        ok = apply_one(db, &MIGRATION_FILES[i], &did, err);
        *applied += did;
    }
    app_error_t ignore;
    err_clear(&ignore);
    db_exec_simple(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", &ignore);
    return ok;
}
