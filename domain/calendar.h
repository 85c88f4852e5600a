/* Working-day arithmetic over a jurisdiction's calendar: weekends, public
 * holidays and transfers. Every "N working days" deadline goes through
 * calendar_add_working_days. Days are counted from 1970-01-01. */
#ifndef PROBITY_CALENDAR_H
#define PROBITY_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t weekend_mask;     /* bit (iso_weekday - 1) set for weekend days */
    const int32_t *holidays;  /* sorted: weekdays that are not worked */
    size_t nholidays;
    const int32_t *workdays;  /* sorted: weekend days that are worked */
    size_t nworkdays;
    int32_t lo, hi;           /* the span the day lists are known to cover */
} calendar_t;

#define CALENDAR_MAX_ADD 1000

bool calendar_is_working(const calendar_t *cal, int32_t day);

/* The day n working days after `from` (from itself not counted); n = 0 gives
 * `from` when it is a working day, else the next working day; negative n
 * counts back symmetrically. Returns false, leaving *out untouched, when
 * |n| > CALENDAR_MAX_ADD or the walk leaves [lo, hi]. */
bool calendar_add_working_days(const calendar_t *cal, int32_t from, int n, int32_t *out);

/* Calendar days a walk of n working days may need to look at on either side:
 * the span storage must load. */
int32_t calendar_span_for(int n);

#endif
