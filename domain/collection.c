/* The collection of receivables as two tables — the steps with their
 * deadlines, the status transitions with the rules that allow them — and the
 * functions that read them (seed 004, sections 3–7). */
#include "collection.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

/* clang-format off */
const char *const COLLECTION_STATUS_NAMES[] = {
    "current", "overdue", "claim_sent", "memo", "court_decision", "lawsuit_filed", "judgment",
    "enforcement_bank", "enforcement_bailiffs", "doubtful", "hopeless", "paid", "written_off",
    NULL};
/* clang-format on */

const char *const COLLECTION_STATE_NAMES[] = {"not_yet",   "due",        "late", "done_on_time",
                                              "done_late", "not_needed", NULL};

/* The longest voluntary period a contract may set: a year, so that a typo in
 * a contract cannot push a deadline out of every calendar. */
#define MAX_CONTRACT_DAYS 366

/* The steps, in the order they happen.
 *
 * "Within N days of X" counts from X, X itself not counted (ГК РФ art. 191,
 * and calendar_add_working_days' convention): the claim for a debt overdue
 * since 28 November is due by 28 December. Periods in calendar days roll: the
 * regulation says nothing of holidays, so the Civil Code's general rule
 * (ГК РФ art. 193) applies, and a period whose last day is not worked ends on
 * the next working day. It matters most for the voluntary period, a term
 * given to the debtor: one that ends on 1 January runs to 11 January, a
 * payment on 11 January is on time, and the memo (6.1) counts from then.
 * Working-day steps land on working days by construction.
 *
 * The 4.4 row is the claim's voluntary period when there is no claim: where
 * the contract provides for none, the debt goes to court once 30 days from it
 * becoming overdue have run. The memo (6.1) and the head's decision (6.2) are
 * still needed, so the memo counts from the end of whichever period applies.
 * Fields left out are false and COLL_ROUTE_ANY. */
#define CALENDAR_DAYS(n) .days = (n), .working = false, .roll = true
#define WORKING_DAYS(n) .days = (n), .working = true
const collection_step_t COLLECTION_STEPS[COLL_STEP_COUNT] = {
    [COLL_STEP_CLAIM] = {.name = "claim",
                         .from = COLL_EV_OVERDUE,
                         CALENDAR_DAYS(30),
                         .route = COLL_ROUTE_CLAIM,
                         .done_by = COLL_EV_CLAIM_SENT,
                         .rule = "4.2: a claim goes to the debtor within 30 calendar days of the "
                                 "debt becoming overdue"},
    [COLL_STEP_VOLUNTARY] = {.name = "voluntary_payment",
                             .from = COLL_EV_CLAIM_SENT,
                             CALENDAR_DAYS(30),
                             .contract_days = true,
                             .ends_precourt = true,
                             .route = COLL_ROUTE_CLAIM,
                             .done_by = COLL_EV_PAID,
                             .rule = "4.5: the debtor may pay voluntarily within 30 calendar days "
                                     "of the claim being sent, unless the contract sets another "
                                     "period"},
    [COLL_STEP_NO_CLAIM_WAIT] = {.name = "no_claim_wait",
                                 .from = COLL_EV_OVERDUE,
                                 CALENDAR_DAYS(30),
                                 .ends_precourt = true,
                                 .route = COLL_ROUTE_NO_CLAIM,
                                 .done_by = COLL_EV_PAID,
                                 .rule = "4.4: where the contract provides for no claim, the debt "
                                         "goes to court once 30 days from its becoming overdue "
                                         "have run"},
    [COLL_STEP_MEMO] = {.name = "memo",
                        .from = COLL_EV_PRECOURT_END,
                        WORKING_DAYS(5),
                        .done_by = COLL_EV_MEMO,
                        .rule = "6.1: the memo on forced collection goes to the head within 5 "
                                "working days of the end of the voluntary period"},
    [COLL_STEP_LAWSUIT] = {.name = "lawsuit",
                           .from = COLL_EV_COURT_DECISION,
                           WORKING_DAYS(10),
                           .done_by = COLL_EV_LAWSUIT_FILED,
                           .rule = "6.3: the lawsuit is filed within 10 working days of the "
                                   "head's decision (6.2)"},
    [COLL_STEP_ENFORCEMENT_SEND] = {.name = "enforcement_send",
                                    .from = COLL_EV_ENFORCEMENT_DECISION,
                                    WORKING_DAYS(5),
                                    .done_by = COLL_EV_ENFORCEMENT_SENT,
                                    .rule = "6.6: the enforcement document goes to the bank (6.4) "
                                            "or the bailiffs (6.5) within 5 working days of the "
                                            "head's instruction"},
    [COLL_STEP_ENFORCEMENT_FORWARD] = {.name = "enforcement_forward",
                                       .from = COLL_EV_DOCUMENT_RECEIVED,
                                       CALENDAR_DAYS(14),
                                       .done_by = COLL_EV_ENFORCEMENT_SENT,
                                       .rule = "7.1: an enforcement document received goes to "
                                               "the bailiffs, or to the bank where the debtor's "
                                               "accounts are known, within 14 calendar days of "
                                               "its receipt"},
};
#undef CALENDAR_DAYS
#undef WORKING_DAYS

bool collection_status_parse(const char *s, collection_status_t *out)
{
    for (int i = 0; s && i < COLL_STATUS_COUNT; i++)
        if (strcmp(s, COLLECTION_STATUS_NAMES[i]) == 0) {
            *out = (collection_status_t)i;
            return true;
        }
    return false;
}

void collection_facts_init(collection_facts_t *f, const calendar_t *cal)
{
    *f = (collection_facts_t){.cal = cal, .due_on = COLL_NO_DATE};
    for (int i = 0; i < COLL_EV_COUNT; i++)
        f->on[i] = COLL_NO_DATE;
}

static const collection_step_t *steps_of(const collection_facts_t *f)
{
    return f->steps ? f->steps : COLLECTION_STEPS;
}

bool collection_step_deadline(const collection_facts_t *f, collection_step_id_t step, int32_t from,
                              int32_t *out)
{
    if ((unsigned)step >= COLL_STEP_COUNT || from == COLL_NO_DATE)
        return false;
    const collection_step_t *s = &steps_of(f)[step];
    int n = s->days;
    if (s->contract_days && f->voluntary_days != 0) {
        if (f->voluntary_days < 1 || f->voluntary_days > MAX_CONTRACT_DAYS)
            return false;
        n = f->voluntary_days;
    }
    if (s->working)
        return calendar_add_working_days(f->cal, from, n, out);
    if (n < 0 || n > CALENDAR_MAX_ADD || from > INT32_MAX - n)
        return false;
    if (!s->roll) {
        *out = from + n;
        return true;
    }
    /* n = 0: the day itself when worked, else the next working day. */
    return calendar_add_working_days(f->cal, from + n, 0, out);
}

/* The events as of a day: one dated later has not happened yet. The slot
 * after the inputs holds the derived end of the pre-court period. */
static void events_as_of(const collection_facts_t *f, int32_t as_of, int32_t ev[COLL_EV_COUNT + 1])
{
    for (int i = 0; i < COLL_EV_COUNT; i++)
        ev[i] = f->on[i] != COLL_NO_DATE && f->on[i] <= as_of ? f->on[i] : COLL_NO_DATE;
    ev[COLL_EV_PRECOURT_END] = COLL_NO_DATE;
}

/* A claim once sent binds even where the contract waived it: it promised the
 * debtor a voluntary period (4.4 item 6), and 5.1 goes to court only after
 * that period. So the route without a claim is taken only while none was
 * sent. */
static collection_route_t route_of(const collection_facts_t *f, const int32_t *ev)
{
    return f->claim_waived && ev[COLL_EV_CLAIM_SENT] == COLL_NO_DATE ? COLL_ROUTE_NO_CLAIM
                                                                     : COLL_ROUTE_CLAIM;
}

static bool on_route(const collection_step_t *s, collection_route_t r)
{
    return s->route == COLL_ROUTE_ANY || s->route == r;
}

typedef enum { END_KNOWN, END_NONE, END_FAIL } end_t;

/* The last day of the pre-court period: the deadline of the step on this
 * route that ends it. END_NONE while that step's starting event is unknown
 * (no claim sent, no waiver). */
static end_t precourt_end(const collection_facts_t *f, const int32_t *ev, int32_t *out)
{
    const collection_step_t *steps = steps_of(f);
    collection_route_t r = route_of(f, ev);
    for (int i = 0; i < COLL_STEP_COUNT; i++) {
        const collection_step_t *s = &steps[i];
        if (!s->ends_precourt || !on_route(s, r) || (unsigned)s->from >= COLL_EV_COUNT)
            continue;
        if (ev[s->from] == COLL_NO_DATE)
            return END_NONE;
        return collection_step_deadline(f, (collection_step_id_t)i, ev[s->from], out) ? END_KNOWN
                                                                                      : END_FAIL;
    }
    return END_NONE;
}

static int32_t earliest(int32_t a, int32_t b)
{
    if (a == COLL_NO_DATE)
        return b;
    if (b == COLL_NO_DATE)
        return a;
    return a < b ? a : b;
}

/* One step as of a day; ev[] holds the events as of that day. */
static bool view_step(const collection_facts_t *f, collection_step_id_t i, const int32_t *ev,
                      int32_t as_of, collection_step_view_t *v)
{
    const collection_step_t *s = &steps_of(f)[i];
    *v = (collection_step_view_t){COLL_NOT_NEEDED, COLL_NO_DATE, COLL_NO_DATE, COLL_NO_DATE};
    if ((unsigned)s->from > COLL_EV_PRECOURT_END || (unsigned)s->done_by >= COLL_EV_COUNT)
        return false;
    if (!on_route(s, route_of(f, ev)))
        return true;
    v->from = ev[s->from];
    if (v->from == COLL_NO_DATE) {
        v->state = COLL_NOT_YET;
        return true;
    }
    if (!collection_step_deadline(f, i, v->from, &v->deadline))
        return false;
    /* Done only by an event on or after the day the step counts from: a
     * document sent to the bank before the instruction to go to the bailiffs
     * (6.5) does not carry out that instruction. */
    int32_t done = ev[s->done_by];
    int32_t closed = earliest(ev[COLL_EV_PAID], ev[COLL_EV_WRITTEN_OFF]);
    if (done != COLL_NO_DATE && done >= v->from) {
        v->done = done;
        v->state = done <= v->deadline ? COLL_DONE_ON_TIME : COLL_DONE_LATE;
    } else if (closed != COLL_NO_DATE && closed <= v->deadline) {
        v->state = COLL_NOT_NEEDED;
    } else if (s->from == COLL_EV_PRECOURT_END && as_of <= v->from) {
        /* The period runs to the end of its last day; what follows it
         * starts the day after. */
        v->state = COLL_NOT_YET;
    } else {
        /* A step missed before the debt was closed stays late: the record
         * of a missed deadline does not go away with the debt. */
        v->state = as_of <= v->deadline ? COLL_DUE : COLL_LATE;
    }
    return true;
}

bool collection_timeline(const collection_facts_t *f, int32_t as_of,
                         collection_step_view_t out[COLL_STEP_COUNT])
{
    int32_t ev[COLL_EV_COUNT + 1];
    events_as_of(f, as_of, ev);
    end_t e = precourt_end(f, ev, &ev[COLL_EV_PRECOURT_END]);
    if (e == END_FAIL)
        return false;
    for (int i = 0; i < COLL_STEP_COUNT; i++)
        if (!view_step(f, (collection_step_id_t)i, ev, as_of, &out[i]))
            return false;
    return true;
}

/* ---- Transitions ---- */

static const char NO_STEP[] = "4–7: the regulation has no step from this status to that one";
static const char NO_CALENDAR[] =
    "the jurisdiction calendar does not cover the days this rule needs to count";

typedef collection_verdict_t (*guard_fn)(const collection_facts_t *f, int32_t today);

static collection_verdict_t verdict(bool ok)
{
    return ok ? COLL_ALLOWED : COLL_REFUSED;
}

static collection_verdict_t due_passed(const collection_facts_t *f, int32_t today)
{
    return verdict(f->due_on != COLL_NO_DATE && today > f->due_on);
}

/* The pre-court period has run: today is after its last day. */
static collection_verdict_t precourt_ran(const collection_facts_t *f, int32_t today)
{
    int32_t ev[COLL_EV_COUNT + 1], end;
    events_as_of(f, today, ev);
    end_t e = precourt_end(f, ev, &end);
    if (e == END_FAIL)
        return COLL_UNKNOWN;
    return verdict(e == END_KNOWN && today > end);
}

static collection_verdict_t no_claim_precourt_ran(const collection_facts_t *f, int32_t today)
{
    return f->claim_waived ? precourt_ran(f, today) : COLL_REFUSED;
}

static collection_verdict_t bank_no_funds(const collection_facts_t *f, int32_t today)
{
    (void)today;
    return verdict(f->bank_found_no_funds);
}

/* Paid means nothing owed; a negative balance (overpayment) is refused where
 * payments are recorded, and is not "paid" either. */
static collection_verdict_t zero_balance(const collection_facts_t *f, int32_t today)
{
    (void)today;
    return verdict(f->balance == 0);
}

static collection_verdict_t has_reason(const collection_facts_t *f, int32_t today)
{
    (void)today;
    for (const char *p = f->reason; p && *p; p++)
        if (!isspace((unsigned char)*p))
            return COLL_ALLOWED;
    return COLL_REFUSED;
}

#define ST(s) (1u << (s))
/* The debt is overdue and being collected. */
#define COLLECTING                                                                                 \
    (ST(COLL_OVERDUE) | ST(COLL_CLAIM_SENT) | ST(COLL_MEMO) | ST(COLL_COURT_DECISION) |            \
     ST(COLL_LAWSUIT_FILED) | ST(COLL_JUDGMENT) | ST(COLL_ENFORCEMENT_BANK) |                      \
     ST(COLL_ENFORCEMENT_BAILIFFS))
/* Every status but the two that close a receivable. */
#define OPEN (ST(COLL_CURRENT) | COLLECTING | ST(COLL_DOUBTFUL) | ST(COLL_HOPELESS))

/* The transitions the regulation allows; anything else is refused with
 * NO_STEP. One row per (from, to): `from` is a set only where the same rule
 * holds from many statuses. Choices the seed leaves open:
 * - The way to court goes through the memo (6.1) and the head's decision
 *   (6.2), with or without a claim: section 6 sets the order, 4.4 only
 *   dispenses with the claim. Both the memo and the lawsuit check that the
 *   pre-court period has run, so a status set by an import cannot skip it.
 * - Paid is reachable from any open status (the debtor may pay at any
 *   stage; 5.6 withdraws a lawsuit then), and only with a zero balance.
 * - Written off only from hopeless: 3.4 writes off debt recognised hopeless
 *   (as does the Budget Code, art. 47.2); one decision doing both is two
 *   transitions. Doubtful, hopeless and written off each need a stated
 *   ground, since each is a decision that must be justified.
 * - Doubtful is an assessment, not an end: monitoring (1.1 a, 3.3) may find
 *   the debtor able to pay again, and collection resumes from overdue.
 * - The bank before the bailiffs only in that order: 6.5 sends to the
 *   bailiffs what the bank could not collect; 7.1 lets the first document go
 *   straight to the bailiffs. */
static const struct {
    uint32_t from; /* a set of statuses */
    collection_status_t to;
    guard_fn guard; /* NULL: allowed whenever `from` holds */
    const char *rule;
} TRANSITIONS[] = {
    {ST(COLL_CURRENT), COLL_OVERDUE, due_passed,
     "4.2: a receivable becomes overdue only after its payment date has passed"},
    {ST(COLL_OVERDUE), COLL_CLAIM_SENT, NULL,
     "4.2, 4.3: a claim goes to every overdue debtor, whatever the amount"},
    {ST(COLL_CLAIM_SENT), COLL_MEMO, precourt_ran,
     "6.1: the memo on forced collection follows the end of the claim's voluntary period (4.5)"},
    {ST(COLL_OVERDUE), COLL_MEMO, no_claim_precourt_ran,
     "4.4: without a claim, a debt goes to court only where the contract provides for no claim, "
     "and only after 30 days from its becoming overdue"},
    {ST(COLL_MEMO), COLL_COURT_DECISION, NULL,
     "6.2: the head decides on collection in court on the memo (6.1)"},
    {ST(COLL_COURT_DECISION), COLL_LAWSUIT_FILED, precourt_ran,
     "6.3: a lawsuit is filed only after the voluntary period of the claim (4.5) has run, unless "
     "the contract waives the claim (4.4: then after 30 days from the debt becoming overdue)"},
    {ST(COLL_LAWSUIT_FILED), COLL_JUDGMENT, NULL,
     "5.5: a court act in force that grants the claim is sent for enforcement"},
    {ST(COLL_JUDGMENT), COLL_ENFORCEMENT_BANK, NULL,
     "6.4: on the head's instruction the enforcement document goes to the debtor's bank, "
     "without enforcement proceedings"},
    {ST(COLL_JUDGMENT), COLL_ENFORCEMENT_BAILIFFS, NULL,
     "7.1: an enforcement document received goes to the bailiffs (to the bank only where the "
     "debtor's accounts are known)"},
    {ST(COLL_ENFORCEMENT_BANK), COLL_ENFORCEMENT_BAILIFFS, bank_no_funds,
     "6.5: the document goes to the bailiffs once the bank reports no funds on the debtor's "
     "accounts, an arrest on them or suspended operations"},
    {OPEN, COLL_PAID, zero_balance,
     "4.5, 5.6: a receivable is paid when nothing remains owed: its balance is zero"},
    {COLLECTING, COLL_DOUBTFUL, has_reason,
     "3.2: a debt is recognised doubtful at the inventory of settlements, on a stated ground"},
    {COLLECTING | ST(COLL_DOUBTFUL), COLL_HOPELESS, has_reason,
     "3.4: a debt is recognised hopeless by a decision that states its ground"},
    {ST(COLL_HOPELESS), COLL_WRITTEN_OFF, has_reason,
     "3.4: only a debt recognised hopeless is written off, by a decision that states its reason"},
    {ST(COLL_DOUBTFUL), COLL_OVERDUE, NULL,
     "1.1 a), 3.3: monitoring finds the debtor able to pay again, and collection resumes"},
};

collection_verdict_t collection_check(const collection_facts_t *f, collection_status_t from,
                                      collection_status_t to, int32_t today, const char **rule)
{
    if ((unsigned)from < COLL_STATUS_COUNT && (unsigned)to < COLL_STATUS_COUNT) {
        for (size_t i = 0; i < sizeof TRANSITIONS / sizeof TRANSITIONS[0]; i++) {
            if (TRANSITIONS[i].to != to || !(TRANSITIONS[i].from & ST(from)))
                continue;
            collection_verdict_t v =
                TRANSITIONS[i].guard ? TRANSITIONS[i].guard(f, today) : COLL_ALLOWED;
            *rule = v == COLL_UNKNOWN ? NO_CALENDAR : TRANSITIONS[i].rule;
            return v;
        }
    }
    *rule = NO_STEP;
    return COLL_REFUSED;
}
