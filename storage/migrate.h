/* Schema migrations: storage/migrations/NNNN_name.sql, compiled in, applied
 * in order, each in its own transaction, under an advisory lock so that
 * instances starting together migrate once. */
#ifndef PROBITY_MIGRATE_H
#define PROBITY_MIGRATE_H

#include <stdbool.h>

#include "db.h"

/* Applies what is missing; *applied counts the migrations run now. */
bool migrate_run(db_t *db, int *applied, app_error_t *err);
/* The version the binary expects (the highest NNNN compiled in). */
int migrate_latest(void);
/* The version the database is at (0 when never migrated). */
bool migrate_current(db_t *db, int *version, app_error_t *err);

#endif
