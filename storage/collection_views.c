/* The collection workflow's reads: timelines, what is due or late across a
 * subtree, and claim documents. The facts come from receivable_facts_load,
 * the steps and deadlines from domain/collection.c, as for the writes'
 * checks, so a timeline and a refusal never disagree. */
#include "collection_views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../domain/claim_doc.h"
#include "../domain/cursor.h"
#include "../domain/textcheck.h"
#include "collection_store.h"

static json_t *day_json(int32_t day)
{
    char t[11];
    if (day == COLL_NO_DATE)
        return json_null();
    text_format_date(day, t);
    return json_string(t);
}

/* The receivable id, if it is within who's subtree: its currency, balance
 * and responsible employee (NULL when none). */
static PGresult *visible(db_t *db, const principal_t *who, const char *id, app_error_t *err)
{
    const char *params[] = {id, authz_scope(who)};
    PGresult *res = db_exec(
        db,
        "SELECT r.currency, r.balance::text, r.responsible_employee_id::text, r.status,"
        " r.organization_id::text, r.debtor_id::text, d.name FROM receivables r"
        " JOIN debtors d ON d.id = r.debtor_id"
        " WHERE r.id = $1::uuid AND ($2::uuid IS NULL OR org_in_subtree(r.organization_id, $2::uuid))",
        2, params, err);
    if (res && PQntuples(res) == 0) {
        PQclear(res);
        err_set(err, ERR_NOT_FOUND, "No receivables with id %s.", id);
        return NULL;
    }
    return res;
}

/* The employee of the latest action of each kind on or before `day`:
 * who did a step, or who answers for it when it is still to do. */
static PGresult *doers(db_t *db, const char *id, int32_t day, app_error_t *err)
{
    char t[11];
    text_format_date(day, t);
    const char *params[] = {id, t};
    return db_exec(db,
                   "SELECT DISTINCT ON (kind) kind, responsible_employee_id::text FROM"
                   " collection_actions WHERE receivable_id = $1::uuid AND done_on <= $2::date"
                   " ORDER BY kind, done_on DESC, created_at DESC",
                   2, params, err);
}

/* The steps of one receivable as JSON, those whose state is in `states`
 * and deadline on or before due_before (COLL_NO_DATE: every step). */
static json_t *steps_json(const receivable_facts_t *f, int32_t day, PGresult *who_did,
                          const char *responsible, unsigned states, int32_t due_before,
                          app_error_t *err)
{
    collection_step_view_t v[COLL_STEP_COUNT];
    if (!collection_timeline(&f->facts, day, v)) {
        err_set(err, ERR_CONFLICT,
                "The calendar of jurisdiction %s does not cover the days this receivable's "
                "deadlines need (calendar-days).",
                f->jurisdiction);
        return NULL;
    }
    json_t *steps = json_array();
    for (int s = 0; s < COLL_STEP_COUNT; s++) {
        const collection_step_t *st = &COLLECTION_STEPS[s];
        if (!(states & (1u << v[s].state)) ||
            (due_before != COLL_NO_DATE && (v[s].deadline == COLL_NO_DATE || v[s].deadline > due_before)))
            continue;
        const char *kind = collection_event_action(st->done_by), *emp = responsible;
        for (int i = 0; kind && who_did && i < PQntuples(who_did); i++)
            if (strcmp(PQgetvalue(who_did, i, 0), kind) == 0)
                emp = PQgetvalue(who_did, i, 1);
        json_array_append_new(
            steps, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "step", st->name, "rule",
                             st->rule, "state", COLLECTION_STATE_NAMES[v[s].state], "from",
                             day_json(v[s].from), "deadline", day_json(v[s].deadline), "done_on",
                             day_json(v[s].done), "responsible_employee_id",
                             emp && *emp ? json_string(emp) : json_null()));
    }
    return steps;
}

#define ALL_STATES ((1u << COLL_STATE_COUNT) - 1)

static bool dump(json_t *doc, char **json_out)
{
    *json_out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!*json_out)
        abort();
    return true;
}

bool receivable_timeline(db_t *db, const principal_t *who, const char *id, int32_t as_of,
                         int64_t now_us, char **json_out, app_error_t *err)
{
    PGresult *r = visible(db, who, id, err);
    if (!r)
        return false;
    receivable_facts_t f;
    if (!receivable_facts_load(db, id, now_us, as_of, &f, err)) {
        PQclear(r);
        return false;
    }
    int32_t day = as_of == COLL_NO_DATE ? f.today : as_of;
    PGresult *did = doers(db, id, day, err);
    json_t *steps = did ? steps_json(&f, day, did, PQgetvalue(r, 0, 2), ALL_STATES, COLL_NO_DATE,
                                     err)
                        : NULL;
    bool ok = steps != NULL;
    if (ok)
        dump(json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:o}", "receivable_id", id,
                       "organization_id", f.organization_id, "status", PQgetvalue(r, 0, 3), "as_of",
                       day_json(day), "balance", PQgetvalue(r, 0, 1), "currency",
                       PQgetvalue(r, 0, 0), "steps", steps),
             json_out);
    PQclear(did);
    PQclear(r);
    receivable_facts_free(&f);
    return ok;
}

/* Receivables are walked in id order, a chunk at a time, until a page of
 * them has something to show. */
#define CHUNK 200

bool receivable_deadlines(db_t *db, const principal_t *who, const char *root, int32_t due_before,
                          unsigned states, const list_query_t *page, int64_t now_us,
                          char **json_out, app_error_t *err)
{
    const char *scope = authz_scope(who);
    if (root) {
        const char *p[] = {root, scope};
        PGresult *res = db_exec(db,
                                "SELECT 1 FROM organizations WHERE id = $1::uuid"
                                " AND ($2::uuid IS NULL OR org_in_subtree(id, $2::uuid))",
                                2, p, err);
        if (!res)
            return false;
        bool found = PQntuples(res) == 1;
        PQclear(res);
        if (!found) {
            err_set(err, ERR_NOT_FOUND, "No organizations with id %s.", root);
            return false;
        }
    }
    json_t *items = json_array();
    char after[37] = "", chunk[8];
    if (page->has_after)
        snprintf(after, sizeof after, "%s", page->after);
    snprintf(chunk, sizeof chunk, "%d", CHUNK);
    bool more = true, ok = true;
    char last[37] = "";
    while (ok && more && (int)json_array_size(items) < page->limit) {
        const char *p[] = {root ? root : scope, after[0] ? after : NULL, chunk};
        /* Open ones only: a paid, hopeless or written-off debt has nothing to do. */
        PGresult *res = db_exec(
            db,
            "SELECT r.id::text, r.organization_id::text, r.debtor_id::text, d.name, r.status,"
            " coalesce(r.responsible_employee_id::text, '') FROM receivables r"
            " JOIN debtors d ON d.id = r.debtor_id"
            " WHERE r.status NOT IN ('paid', 'hopeless', 'written_off')"
            " AND ($1::uuid IS NULL OR r.organization_id IN (SELECT org_subtree($1::uuid)))"
            " AND ($2::uuid IS NULL OR r.id > $2::uuid) ORDER BY r.id LIMIT $3::int",
            3, p, err);
        if (!res)
            return json_decref(items), false;
        int n = PQntuples(res);
        more = n == CHUNK;
        for (int i = 0; ok && i < n; i++) {
            const char *id = PQgetvalue(res, i, 0);
            snprintf(after, sizeof after, "%s", id);
            receivable_facts_t f;
            if (!(ok = receivable_facts_load(db, id, now_us, COLL_NO_DATE, &f, err)))
                break;
            PGresult *did = doers(db, id, f.today, err);
            json_t *steps = did ? steps_json(&f, f.today, did, PQgetvalue(res, i, 5), states,
                                             due_before, err)
                                : NULL;
            ok = steps != NULL;
            if (ok && json_array_size(steps) > 0)
                json_array_append_new(
                    items, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "receivable_id", id,
                                     "organization_id", PQgetvalue(res, i, 1), "debtor_id",
                                     PQgetvalue(res, i, 2), "debtor", PQgetvalue(res, i, 3),
                                     "status", PQgetvalue(res, i, 4), "steps", steps));
            else
                json_decref(steps);
            PQclear(did);
            receivable_facts_free(&f);
            if ((int)json_array_size(items) == page->limit) {
                snprintf(last, sizeof last, "%s", id);
                more = more || i + 1 < n;
                break;
            }
        }
        PQclear(res);
    }
    if (!ok)
        return json_decref(items), false;
    char cursor[CURSOR_LEN + 1];
    bool next = more && last[0];
    if (next)
        cursor_encode(last, cursor);
    return dump(json_pack("{s:o, s:o}", "items", items, "next_cursor",
                          next ? json_string(cursor) : json_null()),
                json_out);
}

bool collection_claim_document(db_t *db, const principal_t *who, const char *id, bool html,
                               char **doc_out, size_t *len, char locale_out[3],
                               app_error_t *err)
{
    const char *params[] = {id, authz_scope(who)};
    PGresult *res = db_exec(
        db,
        "SELECT a.kind, a.done_on::text, a.document_number, a.receivable_id::text,"
        " r.basis_document, r.basis_date::text, (r.due_date + 1)::text, r.principal::text,"
        " r.penalties::text, r.fines::text, r.balance::text, r.currency, r.payment_details,"
        " d.name, d.registered_address, d.locale, o.name, e.full_name, e.phone,"
        " a.done_on - DATE '1970-01-01'"
        " FROM collection_actions a JOIN receivables r ON r.id = a.receivable_id"
        " JOIN debtors d ON d.id = r.debtor_id JOIN organizations o ON o.id = r.organization_id"
        " JOIN employees e ON e.id = a.responsible_employee_id"
        " WHERE a.id = $1::uuid AND ($2::uuid IS NULL OR org_in_subtree(a.organization_id, $2::uuid))",
        2, params, err);
    if (!res)
        return false;
    if (PQntuples(res) == 0) {
        PQclear(res);
        err_set(err, ERR_NOT_FOUND, "No collection-actions with id %s.", id);
        return false;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "claim") != 0) {
        err_set(err, ERR_CONFLICT, "Collection action %s is a %s: only a claim has a document (4.4).",
                id, PQgetvalue(res, 0, 0));
        PQclear(res);
        return false;
    }
    /* 6): the voluntary period of 4.5 from the claim's day, with the
     * contract's own length and the calendar, as the timeline counts it. */
    receivable_facts_t f;
    int32_t sent = (int32_t)atol(PQgetvalue(res, 0, 19)), pay_by;
    if (!receivable_facts_load(db, PQgetvalue(res, 0, 3), 0, COLL_NO_DATE, &f, err)) {
        PQclear(res);
        return false;
    }
    bool ok = collection_step_deadline(&f.facts, COLL_STEP_VOLUNTARY, sent, &pay_by);
    receivable_facts_free(&f);
    if (!ok) {
        err_set(err, ERR_CONFLICT,
                "The calendar does not cover the voluntary period of this claim (calendar-days).");
        PQclear(res);
        return false;
    }
    char by[11];
    text_format_date(pay_by, by);
#define V(c) (PQgetisnull(res, 0, (c)) ? NULL : PQgetvalue(res, 0, (c)))
    claim_doc_t c = {.number = V(2), .date = V(1), .administrator = V(16), .debtor = V(13),
                     .debtor_address = V(14), .basis_document = V(4), .basis_date = V(5),
                     .overdue_from = V(6), .overdue_to = V(1), .principal = V(7),
                     .penalties = V(8), .fines = V(9), .total = V(10), .currency = V(11),
                     .pay_by = by, .payment_details = V(12), .officer = V(17),
                     .officer_phone = V(18)};
#undef V
    strbuf_t out = {0};
    snprintf(locale_out, 3, "%s", PQgetvalue(res, 0, 15));
    claim_doc_render(&c, locale_out, html, &out);
    PQclear(res);
    *doc_out = out.s;
    *len = out.len;
    return true;
}
