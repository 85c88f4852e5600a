/* A receivable's facts, as the transition checks and the timeline read them
 * (collection_store.h): its dates and terms, the latest day of each kind of
 * collection action, and the administrator's calendar over the days its
 * deadlines reach; and what each kind of action does. */
#include "collection_store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../domain/textcheck.h"
#include "calendar_store.h"

/* What each kind of action does, by the registry's names for them (its
 * ACTION_KINDS; the table's CHECK lists the same). Only the head's
 * instruction (6.4, 6.5) leads to a status that depends on where it sends
 * the document. */
static const collection_action_kind_t ACTION_KINDS[] = {
    {"claim", COLL_CLAIM_SENT, COLL_CLAIM_SENT, COLL_EV_CLAIM_SENT, false},
    {"memo", COLL_MEMO, COLL_MEMO, COLL_EV_MEMO, false},
    {"court_decision", COLL_COURT_DECISION, COLL_COURT_DECISION, COLL_EV_COURT_DECISION, false},
    {"lawsuit", COLL_LAWSUIT_FILED, COLL_LAWSUIT_FILED, COLL_EV_LAWSUIT_FILED, false},
    /* No deadline counts from the judgment itself: 6.6 counts from the head's
     * instruction that follows it. */
    {"judgment", COLL_JUDGMENT, COLL_JUDGMENT, COLL_NO_EVENT, false},
    {"enforcement_decision", COLL_ENFORCEMENT_BANK, COLL_ENFORCEMENT_BAILIFFS,
     COLL_EV_ENFORCEMENT_DECISION, true},
    {"document_received", COLL_NO_MOVE, COLL_NO_MOVE, COLL_EV_DOCUMENT_RECEIVED, false},
    {"enforcement_sent", COLL_NO_MOVE, COLL_NO_MOVE, COLL_EV_ENFORCEMENT_SENT, true},
    {"appeal", COLL_NO_MOVE, COLL_NO_MOVE, COLL_NO_EVENT, false},
    {"other", COLL_NO_MOVE, COLL_NO_MOVE, COLL_NO_EVENT, false},
};

#define NKINDS (sizeof ACTION_KINDS / sizeof ACTION_KINDS[0])

const collection_action_kind_t *collection_action_kind(const char *kind)
{
    for (size_t i = 0; kind && i < NKINDS; i++)
        if (strcmp(ACTION_KINDS[i].kind, kind) == 0)
            return &ACTION_KINDS[i];
    return NULL;
}

const char *collection_event_action(collection_event_t ev)
{
    for (size_t i = 0; (unsigned)ev < COLL_EV_COUNT && i < NKINDS; i++)
        if (ACTION_KINDS[i].event == ev)
            return ACTION_KINDS[i].kind;
    return NULL;
}

const collection_action_kind_t *collection_action_leading_to(collection_status_t status)
{
    for (size_t i = 0; (unsigned)status < COLL_STATUS_COUNT && i < NKINDS; i++)
        if (ACTION_KINDS[i].to == status || ACTION_KINDS[i].to_bailiffs == status)
            return &ACTION_KINDS[i];
    return NULL;
}

void receivable_facts_free(receivable_facts_t *f)
{
    free(f->cal_days);
    f->cal_days = NULL;
}

static int32_t day_or_none(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? COLL_NO_DATE : (int32_t)atol(PQgetvalue(res, row, col));
}

static void widen(int32_t day, int32_t *lo, int32_t *hi)
{
    if (day == COLL_NO_DATE)
        return;
    if (day < *lo)
        *lo = day;
    if (day > *hi)
        *hi = day;
}

/* Every deadline counts at most a contract's year (MAX 366 days of
 * voluntary payment) plus a few weeks of working days from an event. */
#define FACTS_SPAN_AFTER (366 + 80)

bool receivable_facts_load(db_t *db, const char *id, int64_t now_us, int32_t as_of,
                           receivable_facts_t *out, app_error_t *err)
{
    char now[24], as_of_txt[11] = "infinity";
    snprintf(now, sizeof now, "%lld", (long long)(now_us ? now_us : (int64_t)time(NULL) * 1000000));
    if (as_of != COLL_NO_DATE)
        text_format_date(as_of, as_of_txt);
    memset(out, 0, sizeof *out);
    collection_facts_init(&out->facts, &out->cal);
    const char *p1[] = {id, now};
    /* clang-format off */
    PGresult *res = db_exec(db,
                            "SELECT r.status, r.due_date - DATE '1970-01-01', r.claim_waived,"
                            " coalesce(r.voluntary_days, 0), (r.balance * 100)::bigint,"
                            " r.status_since - DATE '1970-01-01', r.organization_id::text,"
                            " o.jurisdiction, " LOCAL_DAY("$2", "o.timezone")
                            " FROM receivables r JOIN organizations o ON o.id = r.organization_id"
                            " WHERE r.id = $1::uuid",
                            2, p1, err);
    /* clang-format on */
    if (!res)
        return false;
    if (PQntuples(res) != 1) {
        PQclear(res);
        err_set(err, ERR_NOT_FOUND, "No receivables with id %s.", id);
        return false;
    }
    collection_facts_t *f = &out->facts;
    bool known = collection_status_parse(PQgetvalue(res, 0, 0), &out->status);
    f->due_on = (int32_t)atol(PQgetvalue(res, 0, 1));
    f->claim_waived = PQgetvalue(res, 0, 2)[0] == 't';
    f->voluntary_days = atoi(PQgetvalue(res, 0, 3));
    f->balance = atoll(PQgetvalue(res, 0, 4));
    int32_t since = (int32_t)atol(PQgetvalue(res, 0, 5));
    snprintf(out->organization_id, sizeof out->organization_id, "%s", PQgetvalue(res, 0, 6));
    snprintf(out->jurisdiction, sizeof out->jurisdiction, "%s", PQgetvalue(res, 0, 7));
    out->today = (int32_t)atol(PQgetvalue(res, 0, 8));
    PQclear(res);
    if (!known) {
        err_set(err, ERR_INTERNAL, "The receivable %s has an unknown status.", id);
        return false;
    }
    f->on[COLL_EV_OVERDUE] = f->due_on + 1;
    out->last_step =
        f->on[COLL_EV_OVERDUE]; /* the first step: no claim before the debt is overdue */
    if (out->status == COLL_PAID)
        f->on[COLL_EV_PAID] = since;
    if (out->status == COLL_WRITTEN_OFF)
        f->on[COLL_EV_WRITTEN_OFF] = since;

    /* Each kind's latest day, and its latest as of the day asked about. */
    const char *p2[] = {id, as_of_txt};
    res =
        db_exec(db,
                "SELECT kind, max(done_on) - DATE '1970-01-01',"
                " max(done_on) FILTER (WHERE done_on <= $2::date) - DATE '1970-01-01',"
                " coalesce(bool_or(bank_found_no_funds) FILTER (WHERE done_on <= $2::date), false)"
                " FROM collection_actions WHERE receivable_id = $1::uuid GROUP BY kind",
                2, p2, err);
    if (!res)
        return false;
    int32_t lo = f->on[COLL_EV_OVERDUE], hi = out->today;
    widen(as_of, &lo, &hi);
    for (int r = 0; r < PQntuples(res); r++) {
        const collection_action_kind_t *a = collection_action_kind(PQgetvalue(res, r, 0));
        int32_t latest = day_or_none(res, r, 1), then = day_or_none(res, r, 2);
        if (!a)
            continue; /* the table's CHECK and ACTION_KINDS list the same kinds */
        if (a->to != COLL_NO_MOVE && latest > out->last_step)
            out->last_step = latest;
        if (a->event != COLL_NO_EVENT)
            f->on[a->event] = then;
        f->bank_found_no_funds |= PQgetvalue(res, r, 3)[0] == 't';
        widen(then, &lo, &hi);
    }
    PQclear(res);

    app_error_t cal_err;
    err_clear(&cal_err);
    if (!calendar_store_load(db, out->jurisdiction, lo - 1, hi + FACTS_SPAN_AFTER, &out->cal,
                             &out->cal_days, &cal_err)) {
        if (cal_err.kind != ERR_NOT_FOUND) {
            *err = cal_err;
            return false;
        }
        /* No calendar: an empty span, so a rule that counts days says it cannot. */
        out->cal = (calendar_t){.lo = 1, .hi = 0};
    }
    return true;
}
