/* The Glass Account law's calendar (seed 000, DESIGN §1.2): reporting
 * periods, the day a period's disclosures fall due, and the status of one
 * required item. Dates are days since 1970-01-01; instants are Unix
 * seconds. Turning a local due day into an instant needs the time zone
 * database, so the caller (SQL, AT TIME ZONE) does that and passes the
 * instant in. */
#ifndef PROBITY_DISCLOSURE_H
#define PROBITY_DISCLOSURE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int year;
    int month;   /* 1..12 for a monthly period, 0 for a quarter */
    int quarter; /* 1..4 for a quarterly period, 0 for a month */
} period_t;

/* "2026-10" (a month) or "2026-Q3" (a quarter), years 2000..2999. */
bool period_parse(const char *s, period_t *p);
/* The canonical text, as parsed. */
void period_format(const period_t *p, char out[8]);
/* The first and last day the period covers. */
int32_t period_first_day(const period_t *p);
int32_t period_last_day(const period_t *p);

/* The local day a period's disclosures are due: day due_day (1..28) of the
 * month after the period ("by the 15th, for the previous month"; a quarter's
 * by the 15th of the month after it). */
int32_t period_due_day(const period_t *p, int due_day);
/* The month that day falls in (SQL takes it with each requirement's own
 * due day: make_date(year, month, due_day) = period_due_day). */
void period_due_month(const period_t *p, int *year, int *month);

typedef enum {
    DISCLOSURE_ON_TIME,
    DISCLOSURE_LATE,
    DISCLOSURE_MISSING,
    DISCLOSURE_NOT_DUE,
} disclosure_status_t;

extern const char *const DISCLOSURE_STATUS_NAMES[];

/* due_end: the first instant after the due day ends in the organization's
 * zone, so that a publication at 23:59:59 local on the due day is on time.
 * published: whether the item was published, and when. */
disclosure_status_t disclosure_status(bool published, int64_t published_at, int64_t due_end,
                                      int64_t now);

#endif
