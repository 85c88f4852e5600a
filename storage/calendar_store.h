/* Loads a jurisdiction's calendar for working-day arithmetic. */
#ifndef PROBITY_CALENDAR_STORE_H
#define PROBITY_CALENDAR_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "../domain/calendar.h"
#include "db.h"

/* The date n working days from `from` in the jurisdiction's calendar.
 * ERR_NOT_FOUND when there is no calendar for it. */
bool calendar_store_add_working_days(db_t *db, const char *jurisdiction, int32_t from, int n,
                                     int32_t *out, app_error_t *err);

/* The jurisdiction's calendar over the days [lo, hi]: *cal points into
 * *days, which the caller frees (also on failure; NULL then). ERR_NOT_FOUND
 * when there is no calendar for it. */
bool calendar_store_load(db_t *db, const char *jurisdiction, int32_t lo, int32_t hi,
                         calendar_t *cal, int32_t **days, app_error_t *err);

#endif
