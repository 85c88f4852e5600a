/* The overdue sweep (seed 004, 4.2): a receivable is overdue from the day
 * after its payment date, whether or not anyone records a step. The
 * scheduler runs it at every planning pass (jobs/scheduler.c plan_all). */
#ifndef PROBITY_COLLECTION_SWEEP_H
#define PROBITY_COLLECTION_SWEEP_H

#include <stdbool.h>

#include "db.h"

/* Moves every current receivable with something still owed whose due date
 * lies before the administrator's local day at `now` (RFC 3339, the
 * scheduler's clock) to overdue as of due date + 1, and audits each move
 * (actor "scheduler") in the same statement. *moved gets how many moved.
 * Idempotent, and safe beside other instances and writers: a row another
 * transaction holds is left for the next pass. False with err set when the
 * database fails; then nothing moved. */
bool collection_sweep_overdue(db_t *db, const char *now, long *moved, app_error_t *err);

#endif
