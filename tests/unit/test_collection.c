/* Unit tests for domain/collection.c with the numbers of seed 004 (the Kez
 * district regulation, sections 4–7) over the Russian calendar around New
 * Year 2027. Every expected date is counted by hand; the count is beside it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "domain/calendar.h"
#include "domain/collection.h"
#include "domain/textcheck.h"

static int32_t day(const char *s)
{
    int32_t d = 0;
    if (!text_parse_date(s, &d))
        fail_msg("bad date in test: %s", s);
    return d;
}

#define assert_day(got, want) check_day((got), (want), __FILE__, __LINE__)
static void check_day(int32_t got, const char *want, const char *file, int line)
{
    int32_t w = want ? day(want) : COLL_NO_DATE;
    if (got == w)
        return;
    char g[11] = "(none)";
    if (got != COLL_NO_DATE)
        text_format_date(got, g);
    fail_msg("%s:%d: got %s, want %s", file, line, g, want ? want : "(none)");
}

#define assert_rule(rule, prefix) check_rule((rule), (prefix), __FILE__, __LINE__)
static void check_rule(const char *rule, const char *prefix, const char *file, int line)
{
    if (!rule || strncmp(rule, prefix, strlen(prefix)) != 0)
        fail_msg("%s:%d: rule \"%s\", want one starting \"%s\"", file, line, rule ? rule : "(null)",
                 prefix);
}

/* Russia, November 2026 to February 2027, from the facts the project already
 * holds (deploy/demo/gen_calendars.py, tests/unit/calendar_2026_cases.h):
 * Трудовой кодекс ст. 112 — 4 Nov, 1–8 Jan (7 Jan Christmas) and 23 Feb are
 * days off; Постановление № 1466 moves Sun 4 Jan 2026 to Thu 31 Dec 2026.
 * 23 Feb 2027 (a Tuesday) is added here from art. 112; the demo calendar
 * stops at 8 Jan 2027. The 2027 transfer decree (for Sat 2 and Sun 3 Jan
 * 2027) is not yet known, so, as in calendar_2026_cases.h, no 2027 transfer
 * is listed: the cases take 11–15 Jan 2027 as working days and stay clear of
 * Mon 22 Feb 2027, where a bridge day could land. November is included
 * because debts fall overdue there. */
static const char *const RU_HOLIDAYS[] = {
    "2026-11-04", "2026-12-31", "2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04",
    "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08", "2027-02-23",
};
#define NHOLIDAYS (sizeof RU_HOLIDAYS / sizeof RU_HOLIDAYS[0])
static int32_t ru_holidays[NHOLIDAYS];
static calendar_t RU;

static int setup_ru(void **state)
{
    (void)state;
    for (size_t i = 0; i < NHOLIDAYS; i++)
        ru_holidays[i] = day(RU_HOLIDAYS[i]);
    RU = (calendar_t){.weekend_mask = (1u << 5) | (1u << 6), /* Saturday, Sunday */
                      .holidays = ru_holidays,
                      .nholidays = NHOLIDAYS,
                      .lo = day("2026-11-01"),
                      .hi = day("2027-02-28")};
    return 0;
}

static collection_facts_t facts(void)
{
    collection_facts_t f;
    collection_facts_init(&f, &RU);
    return f;
}

static int32_t deadline(const collection_facts_t *f, collection_step_id_t step, const char *from)
{
    int32_t d = COLL_NO_DATE;
    assert_true(collection_step_deadline(f, step, day(from), &d));
    return d;
}

#define assert_view(v, st, from_, deadline_, done_)                                                \
    do {                                                                                           \
        assert_string_equal(COLLECTION_STATE_NAMES[(v).state], COLLECTION_STATE_NAMES[st]);        \
        assert_day((v).from, from_);                                                               \
        assert_day((v).deadline, deadline_);                                                       \
        assert_day((v).done, done_);                                                               \
    } while (0)

static void test_tables(void **state)
{
    (void)state;
    for (int i = 0; i < COLL_STATUS_COUNT; i++) {
        collection_status_t s;
        assert_true(collection_status_parse(COLLECTION_STATUS_NAMES[i], &s));
        assert_int_equal(s, i);
    }
    assert_null(COLLECTION_STATUS_NAMES[COLL_STATUS_COUNT]);
    assert_null(COLLECTION_STATE_NAMES[COLL_STATE_COUNT]);
    collection_status_t s = COLL_PAID;
    assert_false(collection_status_parse("voluntary_period", &s)); /* a period, not a status */
    assert_false(collection_status_parse("Paid", &s));
    assert_false(collection_status_parse(NULL, &s));
    assert_int_equal(s, COLL_PAID);

    /* The steps, by name and point; their numbers are checked by their
     * deadlines below. */
    static const char *const NAME[COLL_STEP_COUNT][2] = {{"claim", "4.2:"},
                                                         {"voluntary_payment", "4.5:"},
                                                         {"no_claim_wait", "4.4:"},
                                                         {"memo", "6.1:"},
                                                         {"lawsuit", "6.3:"},
                                                         {"enforcement_send", "6.6:"},
                                                         {"enforcement_forward", "7.1:"}};
    for (size_t i = 0; i < COLL_STEP_COUNT; i++) {
        assert_string_equal(COLLECTION_STEPS[i].name, NAME[i][0]);
        assert_rule(COLLECTION_STEPS[i].rule, NAME[i][1]);
    }
    assert_true(COLLECTION_STEPS[COLL_STEP_VOLUNTARY].contract_days);
}

/* Each step's deadline with the regulation's numbers. */
static void test_each_deadline(void **state)
{
    (void)state;
    collection_facts_t f = facts();
    /* 4.2: overdue from Sat 28 Nov 2026, + 30 calendar days = Mon 28 Dec. */
    assert_day(deadline(&f, COLL_STEP_CLAIM, "2026-11-28"), "2026-12-28");
    /* 4.5: claim sent Mon 28 Dec 2026: 3 days of December + 27 of January
     * = Wed 27 Jan 2027, a working day. */
    assert_day(deadline(&f, COLL_STEP_VOLUNTARY, "2026-12-28"), "2027-01-27");
    /* 4.4: no claim; 30 days from Sat 28 Nov 2026 run on Mon 28 Dec. */
    assert_day(deadline(&f, COLL_STEP_NO_CLAIM_WAIT, "2026-11-28"), "2026-12-28");
    /* 6.1: from Wed 27 Jan 2027: Thu 28, Fri 29, Mon 1, Tue 2, Wed 3 Feb. */
    assert_day(deadline(&f, COLL_STEP_MEMO, "2027-01-27"), "2027-02-03");
    /* 6.3: decision Fri 5 Feb 2027: 8-12 Feb (5), 15-19 Feb (10) = Fri 19 Feb. */
    assert_day(deadline(&f, COLL_STEP_LAWSUIT, "2027-02-05"), "2027-02-19");
    /* 6.6: instruction Fri 25 Dec 2026: Mon 28, Tue 29, Wed 30 Dec (3); 31 Dec
     * off (moved from 4 Jan 2026); 1-8 Jan holidays, 9-10 weekend; Mon 11 (4),
     * Tue 12 Jan (5). */
    assert_day(deadline(&f, COLL_STEP_ENFORCEMENT_SEND, "2026-12-25"), "2027-01-12");
    /* 7.1: received Thu 24 Dec 2026, + 14 = Thu 7 Jan 2027, Christmas; the
     * last day rolls past the holidays and the weekend to Mon 11 Jan. */
    assert_day(deadline(&f, COLL_STEP_ENFORCEMENT_FORWARD, "2026-12-24"), "2027-01-11");
    /* Working-day steps on a day off start counting from it all the same. */
    assert_day(deadline(&f, COLL_STEP_MEMO, "2027-01-02"), "2027-01-15");
}

/* The New Year holidays: a memo due across 1–8 January. */
static void test_new_year(void **state)
{
    (void)state;
    collection_facts_t f = facts();
    /* Claim sent Mon 30 Nov 2026: the voluntary period ends Wed 30 Dec. The
     * memo: 31 Dec off, 1-8 Jan holidays, 9-10 weekend, then Mon 11, 12, 13,
     * 14, Fri 15 Jan 2027. */
    assert_day(deadline(&f, COLL_STEP_VOLUNTARY, "2026-11-30"), "2026-12-30");
    assert_day(deadline(&f, COLL_STEP_MEMO, "2026-12-30"), "2027-01-15");
    /* Claim sent Wed 2 Dec 2026: the 30th day is Fri 1 Jan 2027, a holiday,
     * so the period runs to Mon 11 Jan (ГК РФ art. 193), and the memo is due
     * 12, 13, 14, 15, Mon 18 Jan. Likewise a claim for a debt overdue from
     * 2 Dec. */
    assert_day(deadline(&f, COLL_STEP_VOLUNTARY, "2026-12-02"), "2027-01-11");
    assert_day(deadline(&f, COLL_STEP_MEMO, "2027-01-11"), "2027-01-18");
    assert_day(deadline(&f, COLL_STEP_CLAIM, "2026-12-02"), "2027-01-11");

    /* The timeline of the first: on the period's last day the memo has not
     * started; after it, the memo is due until 15 Jan. */
    f.on[COLL_EV_OVERDUE] = day("2026-11-10");
    f.on[COLL_EV_CLAIM_SENT] = day("2026-11-30");
    collection_step_view_t v[COLL_STEP_COUNT];
    assert_true(collection_timeline(&f, day("2026-12-30"), v));
    assert_view(v[COLL_STEP_VOLUNTARY], COLL_DUE, "2026-11-30", "2026-12-30", NULL);
    assert_view(v[COLL_STEP_MEMO], COLL_NOT_YET, "2026-12-30", "2027-01-15", NULL);
    assert_true(collection_timeline(&f, day("2027-01-05"), v));
    assert_view(v[COLL_STEP_CLAIM], COLL_DONE_ON_TIME, "2026-11-10", "2026-12-10", "2026-11-30");
    assert_view(v[COLL_STEP_VOLUNTARY], COLL_LATE, "2026-11-30", "2026-12-30", NULL);
    assert_view(v[COLL_STEP_MEMO], COLL_DUE, "2026-12-30", "2027-01-15", NULL);
    assert_true(collection_timeline(&f, day("2027-01-16"), v));
    assert_view(v[COLL_STEP_MEMO], COLL_LATE, "2026-12-30", "2027-01-15", NULL);
}

/* 4.5: "unless the contract says otherwise". */
static void test_contract_days(void **state)
{
    (void)state;
    collection_facts_t f = facts();
    /* 15 days from Mon 28 Dec 2026 = Tue 12 Jan 2027; memo 13, 14, 15, 18,
     * Tue 19 Jan. */
    f.voluntary_days = 15;
    assert_day(deadline(&f, COLL_STEP_VOLUNTARY, "2026-12-28"), "2027-01-12");
    assert_day(deadline(&f, COLL_STEP_MEMO, "2027-01-12"), "2027-01-19");
    /* 10 days = Thu 7 Jan, Christmas: rolls to Mon 11 Jan. */
    f.voluntary_days = 10;
    assert_day(deadline(&f, COLL_STEP_VOLUNTARY, "2026-12-28"), "2027-01-11");
    /* The contract changes only the voluntary period. */
    assert_day(deadline(&f, COLL_STEP_CLAIM, "2026-11-28"), "2026-12-28");
    int32_t d;
    f.voluntary_days = -1;
    assert_false(collection_step_deadline(&f, COLL_STEP_VOLUNTARY, day("2026-12-28"), &d));
    f.voluntary_days = 367;
    assert_false(collection_step_deadline(&f, COLL_STEP_VOLUNTARY, day("2026-12-28"), &d));

    /* A deployment's own numbers: a memo within 3 working days. */
    collection_step_t mine[COLL_STEP_COUNT];
    memcpy(mine, COLLECTION_STEPS, sizeof mine);
    mine[COLL_STEP_MEMO].days = 3;
    f = facts();
    f.steps = mine;
    assert_day(deadline(&f, COLL_STEP_MEMO, "2027-01-27"), "2027-02-01"); /* 28, 29, Mon 1 */
}

/* The brief's case: overdue from 28 Nov 2026, claim on 28 Dec, voluntary
 * period to 27 Jan 2027, memo 1 Feb, head's decision 5 Feb, lawsuit 19 Feb. */
static collection_facts_t brief_case(void)
{
    collection_facts_t f = facts();
    f.on[COLL_EV_OVERDUE] = day("2026-11-28");
    f.on[COLL_EV_CLAIM_SENT] = day("2026-12-28");
    f.on[COLL_EV_MEMO] = day("2027-02-01");
    f.on[COLL_EV_COURT_DECISION] = day("2027-02-05");
    f.on[COLL_EV_LAWSUIT_FILED] = day("2027-02-19");
    return f;
}

static void test_timeline(void **state)
{
    (void)state;
    collection_facts_t f = brief_case();
    collection_step_view_t v[COLL_STEP_COUNT];
    /* 20 Dec: the claim of 28 Dec has not happened yet. */
    assert_true(collection_timeline(&f, day("2026-12-20"), v));
    assert_view(v[COLL_STEP_CLAIM], COLL_DUE, "2026-11-28", "2026-12-28", NULL);
    assert_view(v[COLL_STEP_VOLUNTARY], COLL_NOT_YET, NULL, NULL, NULL);
    assert_view(v[COLL_STEP_NO_CLAIM_WAIT], COLL_NOT_NEEDED, NULL, NULL, NULL);
    for (int i = COLL_STEP_MEMO; i < COLL_STEP_COUNT; i++)
        assert_view(v[i], COLL_NOT_YET, NULL, NULL, NULL);
    /* 27 Jan, the period's last day: the memo's deadline is known, not due. */
    assert_true(collection_timeline(&f, day("2027-01-27"), v));
    assert_view(v[COLL_STEP_CLAIM], COLL_DONE_ON_TIME, "2026-11-28", "2026-12-28", "2026-12-28");
    assert_view(v[COLL_STEP_VOLUNTARY], COLL_DUE, "2026-12-28", "2027-01-27", NULL);
    assert_view(v[COLL_STEP_MEMO], COLL_NOT_YET, "2027-01-27", "2027-02-03", NULL);
    /* 28 Jan: unpaid, the memo is due. */
    assert_true(collection_timeline(&f, day("2027-01-28"), v));
    assert_view(v[COLL_STEP_VOLUNTARY], COLL_LATE, "2026-12-28", "2027-01-27", NULL);
    assert_view(v[COLL_STEP_MEMO], COLL_DUE, "2027-01-27", "2027-02-03", NULL);
    /* 19 Feb: memo and lawsuit both on time, the lawsuit on its last day. */
    assert_true(collection_timeline(&f, day("2027-02-19"), v));
    assert_view(v[COLL_STEP_MEMO], COLL_DONE_ON_TIME, "2027-01-27", "2027-02-03", "2027-02-01");
    assert_view(v[COLL_STEP_LAWSUIT], COLL_DONE_ON_TIME, "2027-02-05", "2027-02-19", "2027-02-19");
    /* Without the memo: late from 4 Feb; written on 4 Feb: done late. */
    f.on[COLL_EV_MEMO] = COLL_NO_DATE;
    assert_true(collection_timeline(&f, day("2027-02-03"), v));
    assert_int_equal(v[COLL_STEP_MEMO].state, COLL_DUE);
    assert_true(collection_timeline(&f, day("2027-02-04"), v));
    assert_int_equal(v[COLL_STEP_MEMO].state, COLL_LATE);
    f.on[COLL_EV_MEMO] = day("2027-02-04");
    assert_true(collection_timeline(&f, day("2027-02-04"), v));
    assert_view(v[COLL_STEP_MEMO], COLL_DONE_LATE, "2027-01-27", "2027-02-03", "2027-02-04");
}

/* A debt paid or written off needs no further steps; one missed before
 * stays missed. */
static void test_timeline_closed(void **state)
{
    (void)state;
    collection_facts_t f = facts();
    collection_step_view_t v[COLL_STEP_COUNT];
    f.on[COLL_EV_OVERDUE] = day("2026-11-28");
    f.on[COLL_EV_CLAIM_SENT] = day("2026-12-28");
    f.on[COLL_EV_PAID] = day("2027-01-20"); /* within the voluntary period */
    assert_true(collection_timeline(&f, day("2027-01-25"), v));
    assert_view(v[COLL_STEP_VOLUNTARY], COLL_DONE_ON_TIME, "2026-12-28", "2027-01-27",
                "2027-01-20");
    assert_view(v[COLL_STEP_MEMO], COLL_NOT_NEEDED, "2027-01-27", "2027-02-03", NULL);
    f.on[COLL_EV_PAID] = day("2027-02-10"); /* after the memo was due, with none written */
    assert_true(collection_timeline(&f, day("2027-02-15"), v));
    assert_view(v[COLL_STEP_VOLUNTARY], COLL_DONE_LATE, "2026-12-28", "2027-01-27", "2027-02-10");
    assert_view(v[COLL_STEP_MEMO], COLL_LATE, "2027-01-27", "2027-02-03", NULL);
    assert_int_equal(v[COLL_STEP_LAWSUIT].state, COLL_NOT_YET);
    /* Written off on 10 Dec, before any claim was due. */
    f = facts();
    f.on[COLL_EV_OVERDUE] = day("2026-11-28");
    f.on[COLL_EV_WRITTEN_OFF] = day("2026-12-10");
    assert_true(collection_timeline(&f, day("2027-01-10"), v));
    assert_view(v[COLL_STEP_CLAIM], COLL_NOT_NEEDED, "2026-11-28", "2026-12-28", NULL);
}

/* 6.4–6.6 and 7.1, and a second round after the bank found no money (6.5):
 * the caller passes the latest of each event. */
static void test_timeline_enforcement(void **state)
{
    (void)state;
    collection_facts_t f = facts();
    collection_step_view_t v[COLL_STEP_COUNT];
    f.on[COLL_EV_DOCUMENT_RECEIVED] = day("2026-12-24");
    f.on[COLL_EV_ENFORCEMENT_DECISION] = day("2026-12-25");
    f.on[COLL_EV_ENFORCEMENT_SENT] = day("2027-01-11"); /* to the bank */
    assert_true(collection_timeline(&f, day("2027-01-14"), v));
    assert_view(v[COLL_STEP_ENFORCEMENT_SEND], COLL_DONE_ON_TIME, "2026-12-25", "2027-01-12",
                "2027-01-11");
    assert_view(v[COLL_STEP_ENFORCEMENT_FORWARD], COLL_DONE_ON_TIME, "2026-12-24", "2027-01-11",
                "2027-01-11");
    /* The bank returns the document on Wed 13 Jan; the head sends it to the
     * bailiffs on Fri 15 Jan: due 18, 19, 20, 21, Fri 22 Jan (6.6), and
     * within 14 days of its return, Wed 27 Jan (7.1). The send to the bank
     * on 11 Jan does not carry out the new instruction. */
    f.on[COLL_EV_DOCUMENT_RECEIVED] = day("2027-01-13");
    f.on[COLL_EV_ENFORCEMENT_DECISION] = day("2027-01-15");
    assert_true(collection_timeline(&f, day("2027-01-20"), v));
    assert_view(v[COLL_STEP_ENFORCEMENT_SEND], COLL_DUE, "2027-01-15", "2027-01-22", NULL);
    assert_view(v[COLL_STEP_ENFORCEMENT_FORWARD], COLL_DUE, "2027-01-13", "2027-01-27", NULL);
    assert_true(collection_timeline(&f, day("2027-01-25"), v));
    assert_int_equal(v[COLL_STEP_ENFORCEMENT_SEND].state, COLL_LATE);
    assert_int_equal(v[COLL_STEP_ENFORCEMENT_FORWARD].state, COLL_DUE);
    f.on[COLL_EV_ENFORCEMENT_SENT] = day("2027-01-21");
    assert_true(collection_timeline(&f, day("2027-01-25"), v));
    assert_view(v[COLL_STEP_ENFORCEMENT_SEND], COLL_DONE_ON_TIME, "2027-01-15", "2027-01-22",
                "2027-01-21");
    assert_view(v[COLL_STEP_ENFORCEMENT_FORWARD], COLL_DONE_ON_TIME, "2027-01-13", "2027-01-27",
                "2027-01-21");
}

#define assert_allowed(f, from, to, today)                                                         \
    check_verdict((f), (from), (to), (today), COLL_ALLOWED, "", __LINE__)
#define assert_refused(f, from, to, today, rule)                                                   \
    check_verdict((f), (from), (to), (today), COLL_REFUSED, (rule), __LINE__)
/* collection_check on the day `today`; the rule must start with `rule`. */
static void check_verdict(const collection_facts_t *f, collection_status_t from,
                          collection_status_t to, const char *today, collection_verdict_t want,
                          const char *rule, int line)
{
    const char *got = NULL;
    collection_verdict_t v = collection_check(f, from, to, day(today), &got);
    if (v != want)
        fail_msg("line %d: %s -> %s on %s: verdict %d (%s), want %d", line,
                 COLLECTION_STATUS_NAMES[from], COLLECTION_STATUS_NAMES[to], today, v, got, want);
    check_rule(got, rule, __FILE__, line);
}

/* 6.3 and 6.1: nothing goes to court before the voluntary period has run. */
static void test_lawsuit_before_voluntary_period(void **state)
{
    (void)state;
    collection_facts_t f = brief_case();
    /* The period runs to the end of Wed 27 Jan 2027. */
    assert_refused(&f, COLL_COURT_DECISION, COLL_LAWSUIT_FILED, "2027-01-27",
                   "6.3: a lawsuit is filed only after the voluntary period of the claim (4.5) has "
                   "run, unless the contract waives the claim (4.4: then after 30 days from the "
                   "debt becoming overdue)");
    assert_allowed(&f, COLL_COURT_DECISION, COLL_LAWSUIT_FILED, "2027-01-28");
    const char *rule = NULL; /* an allowed transition names the rule that allows it */
    collection_check(&f, COLL_COURT_DECISION, COLL_LAWSUIT_FILED, day("2027-01-28"), &rule);
    assert_rule(rule, "6.3:");
    assert_refused(&f, COLL_CLAIM_SENT, COLL_MEMO, "2027-01-27", "6.1:");
    assert_allowed(&f, COLL_CLAIM_SENT, COLL_MEMO, "2027-01-28");
    /* No claim and no waiver: never. */
    f.on[COLL_EV_CLAIM_SENT] = COLL_NO_DATE;
    assert_refused(&f, COLL_COURT_DECISION, COLL_LAWSUIT_FILED, "2027-02-20", "6.3:");
    /* Claim sent Wed 2 Dec 2026: the 30th day is the 1 Jan holiday, and the
     * period runs to Mon 11 Jan (art. 193); a lawsuit on 5 or 11 Jan is
     * early, on 12 Jan it is not. */
    f.on[COLL_EV_CLAIM_SENT] = day("2026-12-02");
    assert_refused(&f, COLL_COURT_DECISION, COLL_LAWSUIT_FILED, "2027-01-05", "6.3:");
    assert_refused(&f, COLL_COURT_DECISION, COLL_LAWSUIT_FILED, "2027-01-11", "6.3:");
    assert_allowed(&f, COLL_COURT_DECISION, COLL_LAWSUIT_FILED, "2027-01-12");
}

/* 4.4, last paragraph: the contract provides for no claim. */
static void test_waiver(void **state)
{
    (void)state;
    collection_facts_t f = facts();
    f.on[COLL_EV_OVERDUE] = day("2026-11-28");
    /* Without the waiver there is no way to court but the claim. */
    assert_refused(&f, COLL_OVERDUE, COLL_MEMO, "2027-01-15", "4.4:");
    /* With it: 30 days from Sat 28 Nov run to Mon 28 Dec 2026. */
    f.claim_waived = true;
    assert_refused(&f, COLL_OVERDUE, COLL_MEMO, "2026-12-28", "4.4:");
    assert_allowed(&f, COLL_OVERDUE, COLL_MEMO, "2026-12-29");
    assert_allowed(&f, COLL_COURT_DECISION, COLL_LAWSUIT_FILED, "2026-12-29");
    /* The timeline: no claim, no voluntary period; the memo counts from 28 Dec:
     * 29, 30 Dec; 31 Dec to 10 Jan off; 11, 12, Wed 13 Jan 2027. */
    collection_step_view_t v[COLL_STEP_COUNT];
    assert_true(collection_timeline(&f, day("2026-12-29"), v));
    assert_view(v[COLL_STEP_CLAIM], COLL_NOT_NEEDED, NULL, NULL, NULL);
    assert_view(v[COLL_STEP_VOLUNTARY], COLL_NOT_NEEDED, NULL, NULL, NULL);
    assert_view(v[COLL_STEP_NO_CLAIM_WAIT], COLL_LATE, "2026-11-28", "2026-12-28", NULL);
    assert_view(v[COLL_STEP_MEMO], COLL_DUE, "2026-12-28", "2027-01-13", NULL);
    /* A claim sent anyway on Thu 10 Dec binds: its period ends Sat 9 Jan,
     * rolled to Mon 11 Jan 2027, and the lawsuit waits for it. */
    f.on[COLL_EV_CLAIM_SENT] = day("2026-12-10");
    assert_refused(&f, COLL_COURT_DECISION, COLL_LAWSUIT_FILED, "2026-12-29", "6.3:");
    assert_refused(&f, COLL_COURT_DECISION, COLL_LAWSUIT_FILED, "2027-01-11", "6.3:");
    assert_allowed(&f, COLL_COURT_DECISION, COLL_LAWSUIT_FILED, "2027-01-12");
    assert_true(collection_timeline(&f, day("2027-01-12"), v));
    assert_view(v[COLL_STEP_CLAIM], COLL_DONE_ON_TIME, "2026-11-28", "2026-12-28", "2026-12-10");
    assert_view(v[COLL_STEP_NO_CLAIM_WAIT], COLL_NOT_NEEDED, NULL, NULL, NULL);
    assert_view(v[COLL_STEP_MEMO], COLL_DUE, "2027-01-11", "2027-01-18", NULL);
}

/* 3.2, 3.4: doubtful, hopeless and written off each need a ground. */
static void test_write_off(void **state)
{
    (void)state;
    collection_facts_t f = facts();
    const char *today = "2027-01-15";
    assert_refused(&f, COLL_HOPELESS, COLL_WRITTEN_OFF, today,
                   "3.4: only a debt recognised hopeless is written off, by a decision that "
                   "states its reason");
    f.reason = " \t\n";
    assert_refused(&f, COLL_HOPELESS, COLL_WRITTEN_OFF, today, "3.4:");
    f.reason = "";
    assert_refused(&f, COLL_OVERDUE, COLL_HOPELESS, today, "3.4:");
    assert_refused(&f, COLL_JUDGMENT, COLL_DOUBTFUL, today, "3.2:");
    f.reason = "решение комиссии № 7 от 15.01.2027: должник ликвидирован";
    assert_allowed(&f, COLL_HOPELESS, COLL_WRITTEN_OFF, today);
    assert_allowed(&f, COLL_OVERDUE, COLL_HOPELESS, today);
    /* Not hopeless yet: no write-off, with a reason or without. */
    assert_refused(&f, COLL_ENFORCEMENT_BAILIFFS, COLL_WRITTEN_OFF, today, "4–7:");
}

static void test_paid_bank_and_overdue(void **state)
{
    (void)state;
    collection_facts_t f = facts();
    const char *today = "2027-01-15";
    f.balance = 1; /* one kopeck still owed */
    assert_refused(&f, COLL_LAWSUIT_FILED, COLL_PAID, today, "4.5, 5.6:");
    f.balance = -1;
    assert_refused(&f, COLL_CURRENT, COLL_PAID, today, "4.5, 5.6:");
    f.balance = 0;
    assert_allowed(&f, COLL_CURRENT, COLL_PAID, today);
    /* 6.5: the bailiffs after the bank only once the bank found no money. */
    assert_refused(&f, COLL_ENFORCEMENT_BANK, COLL_ENFORCEMENT_BAILIFFS, today, "6.5:");
    f.bank_found_no_funds = true;
    assert_allowed(&f, COLL_ENFORCEMENT_BANK, COLL_ENFORCEMENT_BAILIFFS, today);
    /* 4.2: overdue the day after the payment date, not on it; never without one. */
    assert_refused(&f, COLL_CURRENT, COLL_OVERDUE, today, "4.2:");
    f.due_on = day("2027-01-15");
    assert_refused(&f, COLL_CURRENT, COLL_OVERDUE, today, "4.2:");
    assert_allowed(&f, COLL_CURRENT, COLL_OVERDUE, "2027-01-16");
}

/* Every pair of statuses: with facts that meet every condition, exactly the
 * pairs below are allowed and every other is refused as no step at all. The
 * grid is written out by hand, apart from the table in collection.c. */
static void test_only_table_transitions(void **state)
{
    (void)state;
    static const char *const GRID[COLL_STATUS_COUNT] = {
        /*                        to: cur ovd clm mem crt law jud bnk bai dbt hop pad wof */
        [COLL_CURRENT] = ".x.........x.",
        [COLL_OVERDUE] = "..xx.....xxx.",
        [COLL_CLAIM_SENT] = "...x.....xxx.",
        [COLL_MEMO] = "....x....xxx.",
        [COLL_COURT_DECISION] = ".....x...xxx.",
        [COLL_LAWSUIT_FILED] = "......x..xxx.",
        [COLL_JUDGMENT] = ".......xxxxx.",
        [COLL_ENFORCEMENT_BANK] = "........xxxx.",
        [COLL_ENFORCEMENT_BAILIFFS] = ".........xxx.",
        [COLL_DOUBTFUL] = ".x........xx.",
        [COLL_HOPELESS] = "...........xx",
        [COLL_PAID] = ".............",
        [COLL_WRITTEN_OFF] = ".............",
    };
    collection_facts_t f = brief_case();
    f.claim_waived = true; /* for overdue → memo; the claim's period still holds */
    f.due_on = day("2026-11-27");
    f.reason = "акт инвентаризации № 4";
    f.bank_found_no_funds = true;
    int allowed = 0;
    for (int from = 0; from < COLL_STATUS_COUNT; from++)
        for (int to = 0; to < COLL_STATUS_COUNT; to++) {
            bool want = GRID[from][to] == 'x';
            check_verdict(&f, (collection_status_t)from, (collection_status_t)to, "2027-02-10",
                          want ? COLL_ALLOWED : COLL_REFUSED,
                          want ? "" : "4–7: the regulation has no step", __LINE__);
            allowed += want;
        }
    assert_int_equal(allowed, 40);
    const char *rule = NULL;
    assert_int_equal(collection_check(&f, COLL_STATUS_COUNT, COLL_PAID, 0, &rule), COLL_REFUSED);
    assert_int_equal(collection_check(&f, COLL_OVERDUE, (collection_status_t)-1, 0, &rule),
                     COLL_REFUSED);
}

/* Beyond the calendar the answer is unknown, never a guess. */
static void test_outside_calendar(void **state)
{
    (void)state;
    collection_facts_t f = facts();
    int32_t d;
    /* Decision Fri 19 Feb 2027: ten working days run past 28 Feb. */
    assert_false(collection_step_deadline(&f, COLL_STEP_LAWSUIT, day("2027-02-19"), &d));
    f.on[COLL_EV_COURT_DECISION] = day("2027-02-19");
    collection_step_view_t v[COLL_STEP_COUNT];
    assert_false(collection_timeline(&f, day("2027-02-20"), v));
    /* A claim of 10 Feb ends its period on 12 Mar, past the calendar. */
    f = facts();
    f.on[COLL_EV_CLAIM_SENT] = day("2027-02-10");
    check_verdict(&f, COLL_COURT_DECISION, COLL_LAWSUIT_FILED, "2027-03-20", COLL_UNKNOWN,
                  "the jurisdiction calendar", __LINE__);
    assert_false(collection_timeline(&f, day("2027-03-20"), v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_each_deadline),
        cmocka_unit_test(test_new_year),
        cmocka_unit_test(test_contract_days),
        cmocka_unit_test(test_timeline),
        cmocka_unit_test(test_timeline_closed),
        cmocka_unit_test(test_timeline_enforcement),
        cmocka_unit_test(test_lawsuit_before_voluntary_period),
        cmocka_unit_test(test_waiver),
        cmocka_unit_test(test_write_off),
        cmocka_unit_test(test_paid_bank_and_overdue),
        cmocka_unit_test(test_only_table_transitions),
        cmocka_unit_test(test_outside_calendar),
    };
    return cmocka_run_group_tests(tests, setup_ru, NULL);
}
