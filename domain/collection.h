/* Collecting receivables to the budget (seed 004, the Kez district regulation;
 * DESIGN §1.6): the statuses a receivable moves through, the transitions the
 * regulation allows, and each collection step's deadline. Pure: dates are days
 * since 1970-01-01, money is int64 minor units, working days come from the
 * administrator's jurisdiction calendar. Point numbers ("6.3") are the seed's. */
#ifndef PROBITY_COLLECTION_H
#define PROBITY_COLLECTION_H

#include <stdbool.h>
#include <stdint.h>

#include "calendar.h"

/* An event that has not happened, a deadline that cannot be known yet. */
#define COLL_NO_DATE INT32_MIN

/* In the regulation's order. The voluntary period is not a status: it starts
 * the day the claim is sent (4.5), so `claim_sent` covers it and the timeline
 * tells whether it is still running. `court_decision` is the head's decision
 * to go to court (6.2); the court's own is `judgment`. */
typedef enum {
    COLL_CURRENT,
    COLL_OVERDUE,
    COLL_CLAIM_SENT,
    COLL_MEMO,
    COLL_COURT_DECISION,
    COLL_LAWSUIT_FILED,
    COLL_JUDGMENT,
    COLL_ENFORCEMENT_BANK,
    COLL_ENFORCEMENT_BAILIFFS,
    COLL_DOUBTFUL,
    COLL_HOPELESS,
    COLL_PAID,
    COLL_WRITTEN_OFF,
    COLL_STATUS_COUNT
} collection_status_t;

/* snake_case, indexed by status, NULL-terminated: "current" … "written_off". */
extern const char *const COLLECTION_STATUS_NAMES[];
/* Returns false, leaving *out untouched, for a name not in the list. */
bool collection_status_parse(const char *s, collection_status_t *out);

/* What has happened to a receivable, each on one day. Where an event repeats,
 * the caller passes the latest: when the bank returns the enforcement
 * document for want of funds and the head sends it to the bailiffs (6.5),
 * the return is the latest receipt, the new instruction the latest decision,
 * and the timeline shows that round. */
typedef enum {
    COLL_EV_OVERDUE,              /* the first day the debt is overdue (4.2) */
    COLL_EV_CLAIM_SENT,           /* the claim sent to the debtor (4.2, 4.5) */
    COLL_EV_MEMO,                 /* the memo to the head (6.1) */
    COLL_EV_COURT_DECISION,       /* the head decides to go to court (6.2) */
    COLL_EV_LAWSUIT_FILED,        /* (6.3) */
    COLL_EV_ENFORCEMENT_DECISION, /* the head's instruction: bank (6.4) or bailiffs (6.5) */
    COLL_EV_DOCUMENT_RECEIVED,    /* an enforcement document reaches the administration (7.1) */
    COLL_EV_ENFORCEMENT_SENT,     /* an enforcement document sent to the bank or bailiffs */
    COLL_EV_PAID,                 /* the balance reached zero */
    COLL_EV_WRITTEN_OFF,          /* written off (3.4) */
    COLL_EV_COUNT,
    /* Derived, never passed in: the last day of the pre-court period — the
     * claim's voluntary period (4.5), or the 30 days of 4.4 when the contract
     * waives the claim and none was sent. */
    COLL_EV_PRECOURT_END = COLL_EV_COUNT,
} collection_event_t;

typedef enum {
    COLL_STEP_CLAIM,
    COLL_STEP_VOLUNTARY,
    COLL_STEP_NO_CLAIM_WAIT,
    COLL_STEP_MEMO,
    COLL_STEP_LAWSUIT,
    COLL_STEP_ENFORCEMENT_SEND,
    COLL_STEP_ENFORCEMENT_FORWARD,
    COLL_STEP_COUNT
} collection_step_id_t;

/* Which way to court a step belongs to: with a claim (the contract provides
 * for one, or one was sent anyway) or without (4.4, last paragraph). */
typedef enum { COLL_ROUTE_ANY, COLL_ROUTE_CLAIM, COLL_ROUTE_NO_CLAIM } collection_route_t;

/* One step and its deadline: `days` after the day of `from`, that day itself
 * not counted (ГК РФ art. 191; the convention of calendar_add_working_days),
 * so "within 30 days of X" ends on X + 30 and the step is on time when done
 * on or before that last day. */
typedef struct {
    const char *name;
    collection_event_t from;
    int days;
    bool working;       /* working days of the calendar; else calendar days */
    bool roll;          /* calendar days: a last day that is not worked moves to the next
                           working day (ГК РФ art. 193) */
    bool contract_days; /* the contract's voluntary_days, when set, replace `days` */
    bool ends_precourt; /* its deadline is COLL_EV_PRECOURT_END */
    collection_route_t route;
    collection_event_t done_by; /* the event that completes it */
    const char *rule;           /* the regulation's point, for people */
} collection_step_t;

/* The regulation's numbers, indexed by collection_step_id_t. A deployment
 * that changes them passes its own copy in collection_facts_t.steps. */
extern const collection_step_t COLLECTION_STEPS[COLL_STEP_COUNT];

/* One receivable's facts, for both the timeline and the transition check.
 * Start from collection_facts_init. Pointers are borrowed. */
typedef struct {
    const calendar_t *cal;          /* the administrator's jurisdiction */
    const collection_step_t *steps; /* COLL_STEP_COUNT rows; NULL: COLLECTION_STEPS */
    int32_t on[COLL_EV_COUNT];      /* the day of each event, COLL_NO_DATE if none */
    int voluntary_days;             /* the contract's voluntary period, 1..366; 0: 4.5's */
    bool claim_waived;              /* the contract provides for no claim (4.4) */
    /* For transitions only. */
    int32_t due_on;           /* the last day to pay on time */
    int64_t balance;          /* minor units still owed */
    const char *reason;       /* the ground of a doubtful, hopeless or write-off decision */
    bool bank_found_no_funds; /* the bank reported no funds, an arrest or a suspension (6.5) */
} collection_facts_t;

/* Every event and due_on COLL_NO_DATE, no waiver, zero balance, no reason. */
void collection_facts_init(collection_facts_t *f, const calendar_t *cal);

/* The deadline of `step` counted from the day `from` (the claim document's
 * voluntary-payment date is the COLL_STEP_VOLUNTARY one from the claim's day).
 * Returns false, leaving *out untouched, when the calendar does not cover the
 * days needed or voluntary_days is out of range. */
bool collection_step_deadline(const collection_facts_t *f, collection_step_id_t step, int32_t from,
                              int32_t *out);

typedef enum {
    COLL_NOT_YET,      /* the day it counts from has not come */
    COLL_DUE,          /* counting, not done, deadline not passed */
    COLL_LATE,         /* not done and the deadline has passed */
    COLL_DONE_ON_TIME, /* done on or before the deadline */
    COLL_DONE_LATE,
    COLL_NOT_NEEDED, /* the other route, or the debt was closed before it fell due */
    COLL_STATE_COUNT
} collection_state_t;

/* snake_case, indexed by state, NULL-terminated. */
extern const char *const COLLECTION_STATE_NAMES[];

typedef struct {
    collection_state_t state;
    int32_t from;     /* the day it counts from, COLL_NO_DATE if unknown or not needed */
    int32_t deadline; /* its last day, COLL_NO_DATE when `from` is */
    int32_t done;     /* the day it was done, COLL_NO_DATE if not */
} collection_step_view_t;

/* Every step of one receivable as of the day as_of. Events dated after as_of
 * have not happened yet, so a past day's view is what was known then. A step
 * derived from the pre-court period counts once that period has run (the day
 * after its last). Returns false, leaving out[] undefined, when the calendar
 * does not cover a day the deadlines need. */
bool collection_timeline(const collection_facts_t *f, int32_t as_of,
                         collection_step_view_t out[COLL_STEP_COUNT]);

typedef enum {
    COLL_ALLOWED,
    COLL_REFUSED, /* a 409: *rule names the rule the transition breaks */
    COLL_UNKNOWN, /* the calendar does not cover the days needed: not the caller's fault */
} collection_verdict_t;

/* May a receivable in `from` move to `to` on the day `today`? *rule is set
 * in every case: the rule that allows it, the rule it breaks, or why the
 * answer is unknown; all static strings. */
collection_verdict_t collection_check(const collection_facts_t *f, collection_status_t from,
                                      collection_status_t to, int32_t today, const char **rule);

#endif
