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

#include "period.h"

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
