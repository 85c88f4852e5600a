/* Receivable rules (seed 004). The regulation's judgments are
 * domain/collection.c's (collection_check) and the facts they need
 * collection_facts.c's; this file checks what a write may do, writes what
 * follows from it and keeps the receivable's audit trail when a payment or an
 * action changes it. */
#include "collection_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../domain/textcheck.h"
#include "entity_sql.h"

#define UNSEEN "Refers to a record that does not exist."

static const char *member(json_t *doc, const char *name)
{
    return json_string_value(json_object_get(doc, name));
}

/* Text members compared as stored: ids without regard to case, NULL equal
 * only to NULL. */
static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcasecmp(a, b) == 0);
}

static int64_t now_of(const write_ctx_t *ctx)
{
    if (ctx->now_us)
        return ctx->now_us;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- Money: int64 minor units, as domain/collection.c counts them ---- */

/* s passed text_is_money or came from a numeric(17, 2) column: at most 15
 * digits, a point and two more, so it fits. */
static int64_t money_minor(const char *s)
{
    int64_t units = 0, cents = 0;
    const char *p = s ? s : "";
    for (; *p >= '0' && *p <= '9'; p++)
        units = units * 10 + (*p - '0');
    if (*p == '.' && p[1] >= '0' && p[1] <= '9') {
        cents = (p[1] - '0') * 10;
        if (p[2] >= '0' && p[2] <= '9')
            cents += p[2] - '0';
    }
    return units * 100 + cents;
}

static void money_text(int64_t minor, char out[24])
{
    snprintf(out, 24, "%lld.%02lld", (long long)(minor / 100), (long long)(minor % 100));
}

/* ---- The administrator and the references a receivable makes ---- */

typedef struct {
    char jurisdiction[3], currency[4];
    int32_t today;
} admin_t;

/* org's jurisdiction, currency and local day at now_us; *found false (and
 * err untouched) when there is no such organization. */
static bool admin_load(db_t *db, const char *org, int64_t now_us, admin_t *a, bool *found,
                       app_error_t *err)
{
    char now[24];
    snprintf(now, sizeof now, "%lld", (long long)now_us);
    const char *params[] = {org, now};
    *found = false;
    if (!org)
        return true;
    /* clang-format off */
    PGresult *res = db_exec(db,
                            "SELECT jurisdiction, currency, " LOCAL_DAY("$2", "timezone")
                            " FROM organizations WHERE id = $1::uuid",
                            2, params, err);
    /* clang-format on */
    if (!res)
        return false;
    if ((*found = PQntuples(res) == 1)) {
        snprintf(a->jurisdiction, sizeof a->jurisdiction, "%s", PQgetvalue(res, 0, 0));
        snprintf(a->currency, sizeof a->currency, "%s", PQgetvalue(res, 0, 1));
        a->today = (int32_t)atol(PQgetvalue(res, 0, 2));
    }
    PQclear(res);
    return true;
}

/* $1 the row, $2 the administrator, $3 the writer's subtree or NULL: no row
 * when it is missing or unseen, else whether it lies in the administrator's
 * branch (the administrator, its parents, its subordinates): a district's
 * legal department may answer for a receivable of one of its units. */
#define BRANCH_SQL(table)                                                                          \
    "SELECT org_in_subtree(t.organization_id, $2::uuid) OR org_in_subtree($2::uuid,"               \
    " t.organization_id) FROM " table " t WHERE t.id = $1::uuid AND ($3::uuid IS NULL OR"          \
    " org_in_subtree(t.organization_id, $3::uuid))"

/* Adds a field error when doc's `field` names a row (of BRANCH_SQL `sql`)
 * the writer may not see (as missing, so that it learns nothing) or outside
 * org's branch. False only when the database fails. */
static bool check_branch(db_t *db, const char *sql, json_t *doc, const char *field,
                         const char *what, const char *org, const principal_t *who,
                         app_error_t *err)
{
    const char *id = member(doc, field);
    if (!id || !org)
        return true;
    const char *params[] = {id, org, authz_scope(who)};
    PGresult *res = db_exec(db, sql, 3, params, err);
    if (!res)
        return false;
    if (PQntuples(res) == 0)
        err_field(err, field, "reference", UNSEEN);
    else if (PQgetvalue(res, 0, 0)[0] != 't')
        err_field(err, field, "invalid",
                  "The %s belongs to an organization outside the administrator's branch (the "
                  "administrator, its parents and its subordinates).",
                  what);
    PQclear(res);
    return true;
}

static bool check_employee(db_t *db, json_t *doc, const char *org, const principal_t *who,
                           app_error_t *err)
{
    return check_branch(db, BRANCH_SQL("employees"), doc, "responsible_employee_id", "employee",
                        org, who, err);
}

/* A day the writer says something happened on: not after today. */
static void check_not_future(json_t *doc, const char *field, int32_t today, app_error_t *err)
{
    int32_t day;
    char t[11];
    if (member(doc, field) && text_parse_date(member(doc, field), &day) && day > today) {
        text_format_date(today, t);
        err_field(err, field, "invalid",
                  "Must not be in the future: it is %s in the administrator's time zone.", t);
    }
}

/* ---- The receivable, locked, and the audit of what a rule changes in it ---- */

static const entity_t *receivables(void)
{
    return registry_find("receivables");
}

/* Locks receivable id (a child's parent) and reads it as the audit trail
 * shows it: *before (malloc'd JSON) and *row (parsed), both the caller's. */
static bool receivable_lock(db_t *db, const char *id, char **before, json_t **row, app_error_t *err)
{
    const char *params[] = {id};
    PGresult *res = db_exec(db, entity_sql(receivables())->lock_sql, 1, params, err);
    if (!res)
        return false;
    bool found = PQntuples(res) == 1;
    *before = found ? strdup(PQgetvalue(res, 0, 1)) : NULL;
    *row = found ? json_loads(PQgetvalue(res, 0, 1), 0, NULL) : NULL;
    PQclear(res);
    if (!*before || !*row) {
        /* scope_from has just found it, under a lock nobody can delete it past */
        free(*before);
        json_decref(*row);
        *before = NULL;
        *row = NULL;
        err_set(err, ERR_INTERNAL, "The receivable %s could not be read.", id);
        return false;
    }
    return true;
}

/* Runs `sql` (an UPDATE of receivable id, $1 its id) and appends its audit
 * event: the writer's update of the receivable, from `before`. */
static bool receivable_update(db_t *db, const write_ctx_t *ctx, const char *id, const char *before,
                              const char *sql, int nparams, const char *const *params,
                              app_error_t *err)
{
    PGresult *res = db_exec(db, sql, nparams, params, err);
    if (!res)
        return false;
    PQclear(res);
    const char *p2[] = {id, NULL};
    res = db_exec(db, entity_sql(receivables())->get_sql[VIEW_FULL], 2, p2, err);
    if (!res)
        return false;
    bool ok = PQntuples(res) == 1;
    json_t *after = ok ? json_loads(PQgetvalue(res, 0, 1), 0, NULL) : NULL;
    ok =
        after && store_audit(db, ctx, receivables(), "update", id, member(after, "organization_id"),
                             NULL, before, PQgetvalue(res, 0, 1), err);
    if (!after && err->kind == ERR_NONE)
        err_set(err, ERR_INTERNAL, "The receivable %s could not be read back.", id);
    json_decref(after);
    PQclear(res);
    return ok;
}

/* The verdict as the API gives it: a refusal or an unknown (no calendar for
 * the days) is a 409 whose detail is the rule. */
static bool verdict_ok(collection_verdict_t v, const char *rule, app_error_t *err)
{
    if (v == COLL_ALLOWED)
        return true;
    err_set(err, ERR_CONFLICT, "%s", rule);
    return false;
}

/* ---- Debtors ---- */

bool debtor_rule(db_t *db, const char *id, json_t *doc, app_error_t *err)
{
    (void)db;
    (void)id;
    bool bankrupt = json_is_true(json_object_get(doc, "bankrupt"));
    bool since = member(doc, "bankrupt_since") != NULL;
    if (bankrupt && !since)
        err_field(err, "bankrupt_since", "required", "Is required when bankrupt is true.");
    else if (!bankrupt && since)
        err_field(err, "bankrupt_since", "invalid", "Must be null unless bankrupt is true.");
    return bankrupt == since;
}

/* ---- Receivables ---- */

/* The stored receivable a patch starts from. */
typedef struct {
    json_t *row;         /* the columns below as members */
    bool has_dependants; /* payments, installment plans or collection actions */
} stored_receivable_t;

static bool stored_receivable(db_t *db, const char *id, stored_receivable_t *s, app_error_t *err)
{
    const char *params[] = {id};
    PGresult *res = db_exec(
        db,
        "SELECT json_build_object('organization_id', r.organization_id, 'debtor_id', r.debtor_id,"
        " 'income_code_id', r.income_code_id, 'responsible_employee_id',"
        " r.responsible_employee_id, 'currency', r.currency, 'status', r.status,"
        " 'status_reason', r.status_reason, 'principal', r.principal::text, 'penalties',"
        " r.penalties::text, 'fines', r.fines::text, 'paid_amount', r.paid_amount::text)::text,"
        " EXISTS (SELECT 1 FROM payments x WHERE x.receivable_id = r.id) OR"
        " EXISTS (SELECT 1 FROM installment_plans x WHERE x.receivable_id = r.id) OR"
        " EXISTS (SELECT 1 FROM collection_actions x WHERE x.receivable_id = r.id)"
        " FROM receivables r WHERE r.id = $1::uuid",
        1, params, err);
    if (!res)
        return false;
    s->row = PQntuples(res) == 1 ? json_loads(PQgetvalue(res, 0, 0), 0, NULL) : NULL;
    s->has_dependants = s->row && PQgetvalue(res, 0, 1)[0] == 't';
    PQclear(res);
    if (!s->row)
        err_set(err, ERR_INTERNAL, "The receivable %s could not be read.", id);
    return s->row != NULL;
}

static int64_t total_owed(json_t *doc)
{
    return money_minor(member(doc, "principal")) + money_minor(member(doc, "penalties")) +
           money_minor(member(doc, "fines"));
}

/* Field rules: references, currency, dates, amounts. cur is NULL on create;
 * on a patch only what changed is checked again, so a later change elsewhere
 * (a debtor moved) does not block an unrelated correction. */
static bool receivable_fields(db_t *db, const write_ctx_t *ctx, json_t *doc, json_t *cur,
                              const admin_t *a, app_error_t *err)
{
    const char *org = member(doc, "organization_id");
    bool moved = !cur || !same_text(org, member(cur, "organization_id"));
#define CHANGED(name) (moved || !same_text(member(doc, name), member(cur, name)))
    if (CHANGED("currency") && !same_text(member(doc, "currency"), a->currency))
        err_field(err, "currency", "invalid", "Must be the administrator's currency, %s.",
                  a->currency);
    const char *arose = member(doc, "arose_on"), *due = member(doc, "due_date");
    if (arose && due && strcmp(due, arose) < 0)
        err_field(err, "due_date", "invalid", "Must not be before arose_on.");
    if (cur && total_owed(doc) < money_minor(member(cur, "paid_amount")))
        err_field(err, "principal", "invalid",
                  "principal + penalties + fines would be less than the %s %s already paid.",
                  member(cur, "paid_amount"), member(cur, "currency"));
    if (CHANGED("income_code_id") && member(doc, "income_code_id")) {
        const char *params[] = {member(doc, "income_code_id")};
        PGresult *res = db_exec(db, "SELECT jurisdiction FROM income_codes WHERE id = $1::uuid", 1,
                                params, err);
        if (!res)
            return false;
        /* A missing code is the foreign key's to name. */
        if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), a->jurisdiction) != 0)
            err_field(err, "income_code_id", "invalid",
                      "Is an income code of %s; the administrator's jurisdiction is %s.",
                      PQgetvalue(res, 0, 0), a->jurisdiction);
        PQclear(res);
    }
    if (CHANGED("debtor_id") &&
        !check_branch(db, BRANCH_SQL("debtors"), doc, "debtor_id", "debtor", org, ctx->who, err))
        return false;
    if (CHANGED("responsible_employee_id") && !check_employee(db, doc, org, ctx->who, err))
        return false;
#undef CHANGED
    return err->kind == ERR_NONE;
}

/* A status set by PATCH: only a move no action makes, and only as the
 * regulation allows as of today. A reason must come with the status it
 * justifies: the previous decision's does not carry over. */
static bool receivable_status_patch(db_t *db, const write_ctx_t *ctx, const char *id, json_t *doc,
                                    json_t *cur, app_error_t *err)
{
    collection_status_t from, to;
    if (!collection_status_parse(member(cur, "status"), &from) ||
        !collection_status_parse(member(doc, "status"), &to)) {
        err_set(err, ERR_INTERNAL, "The receivable %s has an unknown status.", id);
        return false;
    }
    if (from == to)
        return true;
    const collection_action_kind_t *by = collection_action_leading_to(to);
    if (by) {
        err_set(err, ERR_CONFLICT,
                "A receivable becomes %s when a collection action of kind %s is recorded "
                "(POST /v1/collection-actions), not by PATCH.",
                COLLECTION_STATUS_NAMES[to], by->kind);
        return false;
    }
    receivable_facts_t rf;
    if (!receivable_facts_load(db, id, now_of(ctx), COLL_NO_DATE, &rf, err))
        return false;
    rf.facts.balance = total_owed(doc) - money_minor(member(cur, "paid_amount"));
    const char *reason = member(doc, "status_reason");
    rf.facts.reason = same_text(reason, member(cur, "status_reason")) ? NULL : reason;
    const char *rule;
    collection_verdict_t v = collection_check(&rf.facts, from, to, rf.today, &rule);
    char today[11];
    text_format_date(rf.today, today);
    receivable_facts_free(&rf);
    if (!verdict_ok(v, rule, err))
        return false;
    json_object_set_new(doc, "status_since", json_string(today));
    return true;
}

bool receivable_rule(db_t *db, const write_ctx_t *ctx, const char *id, json_t *doc,
                     app_error_t *err)
{
    admin_t a;
    bool found;
    stored_receivable_t cur = {0};
    if (!admin_load(db, member(doc, "organization_id"), now_of(ctx), &a, &found, err))
        return false;
    if (!found) { /* a global writer's unknown organization: as its foreign key would say */
        err_field(err, "organization_id", "reference", UNSEEN);
        return false;
    }
    if (id && !stored_receivable(db, id, &cur, err))
        return false;
    bool ok = receivable_fields(db, ctx, doc, cur.row, &a, err);
    if (ok && cur.row) {
        const char *status = member(cur.row, "status");
        bool closed = strcmp(status, "paid") == 0 || strcmp(status, "written_off") == 0;
        if (!same_text(member(doc, "organization_id"), member(cur.row, "organization_id")) &&
            cur.has_dependants) {
            err_set(err, ERR_CONFLICT,
                    "The receivable has payments, installment plans or collection actions, which "
                    "belong to its administrator: it cannot move to another organization.");
            ok = false;
        } else if (closed && total_owed(doc) != total_owed(cur.row)) {
            err_set(err, ERR_CONFLICT,
                    "The receivable is %s: what it owed is closed and no longer changes.", status);
            ok = false;
        } else {
            ok = receivable_status_patch(db, ctx, id, doc, cur.row, err);
        }
    } else if (ok) {
        /* A new receivable starts current, or overdue from the day after its
         * due date (4.2) when that has passed in the administrator's zone. */
        int32_t due = 0;
        char since[11];
        text_parse_date(member(doc, "due_date"), &due);
        bool overdue = a.today > due;
        text_format_date(overdue ? due + 1 : a.today, since);
        json_object_set_new(doc, "status", json_string(overdue ? "overdue" : "current"));
        json_object_set_new(doc, "status_since", json_string(since));
    }
    json_decref(cur.row);
    return ok;
}

/* ---- Payments ---- */

bool payment_rule(db_t *db, const write_ctx_t *ctx, const char *id, json_t *doc, app_error_t *err)
{
    (void)id; /* payments have no PATCH: always a create */
    const char *rid = member(doc, "receivable_id");
    char *before = NULL;
    json_t *row = NULL;
    admin_t a;
    bool found, ok = false;
    if (!receivable_lock(db, rid, &before, &row, err) ||
        !admin_load(db, member(row, "organization_id"), now_of(ctx), &a, &found, err))
        goto done;
    int64_t amount = money_minor(member(doc, "amount")),
            balance = money_minor(member(row, "balance"));
    if (amount <= 0)
        err_field(err, "amount", "invalid", "Must be more than zero.");
    if (!same_text(member(doc, "currency"), member(row, "currency")))
        err_field(err, "currency", "invalid", "Must be the receivable's currency, %s.",
                  member(row, "currency"));
    check_not_future(doc, "paid_on", a.today, err);
    if (err->kind != ERR_NONE)
        goto done;
    collection_status_t from, to;
    if (!collection_status_parse(member(row, "status"), &from)) {
        err_set(err, ERR_INTERNAL, "The receivable %s has an unknown status.", rid);
        goto done;
    }
    if (from == COLL_WRITTEN_OFF) {
        err_set(err, ERR_CONFLICT,
                "3.4: the receivable was written off as hopeless; it takes no more payments.");
        goto done;
    }
    if (amount > balance) {
        char owed[24];
        money_text(balance, owed);
        err_set(err, ERR_CONFLICT,
                "4.5, 5.6: a payment settles what is owed and no more: the balance still owed is "
                "%s %s.",
                owed, member(row, "currency"));
        goto done;
    }
    to = from;
    if (amount == balance) {
        /* Paid as the regulation has it; the day is that of the payment
         * that brought the balance to zero (the latest paid_on). */
        collection_facts_t f;
        collection_facts_init(&f, NULL);
        f.balance = 0;
        const char *rule;
        collection_verdict_t v = collection_check(&f, from, COLL_PAID, a.today, &rule);
        if (!verdict_ok(v, rule, err))
            goto done;
        to = COLL_PAID;
    }
    const char *params[] = {rid, member(doc, "amount"), COLLECTION_STATUS_NAMES[to],
                            member(doc, "paid_on")};
    ok = receivable_update(
        db, ctx, rid, before,
        "UPDATE receivables r SET paid_amount = r.paid_amount + $2::numeric, status = $3,"
        " status_since = CASE WHEN $3 = r.status THEN r.status_since ELSE (SELECT"
        " greatest(max(p.paid_on), $4::date) FROM payments p WHERE p.receivable_id = r.id) END,"
        " status_reason = CASE WHEN $3 = r.status THEN r.status_reason END,"
        " version = r.version + 1, updated_at = now() WHERE r.id = $1::uuid",
        4, params, err);
done:
    free(before);
    json_decref(row);
    return ok;
}

/* ---- Installment plans ---- */

/* Checks the lines and stores their amounts in one form ("1200" ->
 * "1200.00", interest "0.00" when absent); *sum gets their total, or -1 when
 * it overflows (no balance is that large). */
static void plan_lines(json_t *doc, int64_t *sum, app_error_t *err)
{
    json_t *lines = json_object_get(doc, "lines");
    const char *granted = member(doc, "granted_on"), *prev = NULL;
    char path[48], txt[24];
    size_t i;
    json_t *line;
    *sum = 0;
    json_array_foreach(lines, i, line)
    {
        const char *due = member(line, "due_on");
        int64_t amount = money_minor(member(line, "amount"));
        snprintf(path, sizeof path, "lines[%zu].due_on", i);
        if (prev && due && strcmp(due, prev) <= 0)
            err_field(err, path, "invalid", "Must be after lines[%zu].due_on.", i - 1);
        else if (!prev && due && granted && strcmp(due, granted) < 0)
            err_field(err, path, "invalid", "Must not be before granted_on.");
        prev = due;
        snprintf(path, sizeof path, "lines[%zu].amount", i);
        if (amount <= 0)
            err_field(err, path, "invalid", "Must be more than zero.");
        if (*sum >= 0 && __builtin_add_overflow(*sum, amount, sum))
            *sum = -1;
        money_text(amount, txt);
        json_object_set_new(line, "amount", json_string(txt));
        money_text(money_minor(member(line, "interest")), txt);
        json_object_set_new(line, "interest", json_string(txt));
    }
}

bool installment_plan_rule(db_t *db, const write_ctx_t *ctx, const char *id, json_t *doc,
                           app_error_t *err)
{
    const char *rid = member(doc, "receivable_id");
    json_t *stored = NULL;
    bool resum = true;
    if (id) { /* a patch that keeps the schedule and its receivable is not summed again */
        const char *p1[] = {id};
        PGresult *res = db_exec(db,
                                "SELECT json_build_object('receivable_id', receivable_id,"
                                " 'lines', lines)::text FROM installment_plans WHERE id = $1::uuid",
                                1, p1, err);
        if (!res)
            return false;
        stored = PQntuples(res) == 1 ? json_loads(PQgetvalue(res, 0, 0), 0, NULL) : NULL;
        PQclear(res);
    }
    char now[24];
    snprintf(now, sizeof now, "%lld", (long long)now_of(ctx));
    const char *p2[] = {rid, now};
    /* clang-format off */
    PGresult *res = db_exec(db,
                            "SELECT r.status, (r.balance * 100)::bigint, r.balance::text,"
                            " r.currency, " LOCAL_DAY("$2", "o.timezone")
                            " FROM receivables r JOIN organizations o ON o.id = r.organization_id"
                            " WHERE r.id = $1::uuid FOR NO KEY UPDATE OF r",
                            2, p2, err);
    /* clang-format on */
    if (!res) {
        json_decref(stored);
        return false;
    }
    int64_t sum, balance = PQntuples(res) ? atoll(PQgetvalue(res, 0, 1)) : 0;
    bool closed = PQntuples(res) && (strcmp(PQgetvalue(res, 0, 0), "paid") == 0 ||
                                     strcmp(PQgetvalue(res, 0, 0), "written_off") == 0);
    int32_t today = PQntuples(res) ? (int32_t)atol(PQgetvalue(res, 0, 4)) : 0;
    check_not_future(doc, "granted_on", today, err);
    plan_lines(doc, &sum, err);
    if (stored)
        resum = !same_text(rid, member(stored, "receivable_id")) ||
                !json_equal(json_object_get(stored, "lines"), json_object_get(doc, "lines"));
    if (err->kind == ERR_NONE && resum && PQntuples(res)) {
        if (closed)
            err_set(err, ERR_CONFLICT, "The receivable is %s: it takes no installment plan.",
                    PQgetvalue(res, 0, 0));
        else if (sum != balance) {
            char total[24];
            money_text(sum < 0 ? 0 : sum, total);
            err_field(err, "lines", "invalid",
                      "The amounts add up to %s%s; a schedule covers the receivable's whole "
                      "balance, %s %s.",
                      sum < 0 ? "more than " : "", total, PQgetvalue(res, 0, 2),
                      PQgetvalue(res, 0, 3));
        }
    }
    PQclear(res);
    json_decref(stored);
    return err->kind == ERR_NONE;
}

/* ---- Collection actions ---- */

/* A patch corrects what was recorded about an action (its number, outcome,
 * who did it, the bank's answer), not which step it was or when. */
static bool action_patch(db_t *db, const write_ctx_t *ctx, const char *id, json_t *doc,
                         app_error_t *err)
{
    static const char *const FIXED[] = {"receivable_id", "kind", "target", "done_on"};
    const char *params[] = {id};
    PGresult *res = db_exec(db,
                            "SELECT json_build_object('receivable_id', receivable_id, 'kind', kind,"
                            " 'target', target, 'done_on', done_on, 'responsible_employee_id',"
                            " responsible_employee_id)::text"
                            " FROM collection_actions WHERE id = $1::uuid",
                            1, params, err);
    if (!res)
        return false;
    json_t *cur = PQntuples(res) == 1 ? json_loads(PQgetvalue(res, 0, 0), 0, NULL) : NULL;
    PQclear(res);
    if (!cur) {
        err_set(err, ERR_INTERNAL, "The collection action %s could not be read.", id);
        return false;
    }
    for (size_t i = 0; i < sizeof FIXED / sizeof FIXED[0]; i++)
        if (!same_text(member(doc, FIXED[i]), member(cur, FIXED[i])))
            err_field(err, FIXED[i], "invalid",
                      "Cannot change: an action records which step was taken, on which "
                      "receivable and when; record a new action instead.");
    bool ok =
        same_text(member(doc, "responsible_employee_id"), member(cur, "responsible_employee_id")) ||
        check_employee(db, doc, member(doc, "organization_id"), ctx->who, err);
    json_decref(cur);
    return ok && err->kind == ERR_NONE;
}

/* The status an action of rule `a` leads to, given its target. */
static collection_status_t action_status(const collection_action_kind_t *a, json_t *doc)
{
    const char *target = member(doc, "target");
    return target && strcmp(target, "bailiffs") == 0 ? a->to_bailiffs : a->to;
}

static void action_target(const collection_action_kind_t *a, json_t *doc, app_error_t *err)
{
    bool has = member(doc, "target") != NULL;
    if (a->needs_target && !has)
        err_field(err, "target", "required", "Is required for an action of kind %s.", a->kind);
    else if (!a->needs_target && has)
        err_field(err, "target", "invalid",
                  "Must be null: only enforcement_decision and enforcement_sent go somewhere.");
}

bool collection_action_rule(db_t *db, const write_ctx_t *ctx, const char *id, json_t *doc,
                            app_error_t *err)
{
    if (id)
        return action_patch(db, ctx, id, doc, err);
    const char *rid = member(doc, "receivable_id");
    const collection_action_kind_t *a = collection_action_kind(member(doc, "kind"));
    int32_t done = 0;
    char *before = NULL;
    json_t *row = NULL;
    receivable_facts_t rf = {0};
    bool ok = false, loaded = false;
    const char *done_txt = member(doc, "done_on");
    if (!a || !done_txt || !text_parse_date(done_txt, &done)) {
        err_set(err, ERR_INTERNAL, "The action's kind or day escaped validation.");
        return false;
    }
    if (!receivable_lock(db, rid, &before, &row, err) ||
        !(loaded = receivable_facts_load(db, rid, now_of(ctx), done, &rf, err)))
        goto done;
    action_target(a, doc, err);
    check_not_future(doc, "done_on", rf.today, err);
    if (!check_employee(db, doc, rf.organization_id, ctx->who, err))
        goto done;
    collection_status_t from = rf.status;
    collection_status_t to = a->to == COLL_NO_MOVE ? COLL_NO_MOVE : action_status(a, doc);
    char last[11];
    if (to != COLL_NO_MOVE && done < rf.last_step) {
        text_format_date(rf.last_step, last);
        err_field(err, "done_on", "invalid",
                  "Must not be before %s, the day of the receivable's last step: steps are "
                  "recorded in the order they were taken.",
                  last);
    }
    if (err->kind != ERR_NONE || to == COLL_NO_MOVE || to == from) {
        ok = err->kind == ERR_NONE; /* a step repeated (a claim sent again) moves nothing */
        goto done;
    }
    const char *rule;
    /* A receivable still current whose due date has passed is overdue, as
     * the first check below would make it: the step starts from there. */
    if (from == COLL_CURRENT &&
        collection_check(&rf.facts, from, COLL_OVERDUE, done, &rule) == COLL_ALLOWED)
        from = COLL_OVERDUE;
    rf.facts.bank_found_no_funds |= json_is_true(json_object_get(doc, "bank_found_no_funds"));
    collection_verdict_t v = collection_check(&rf.facts, from, to, done, &rule);
    if (!verdict_ok(v, rule, err))
        goto done;
    const char *params[] = {rid, COLLECTION_STATUS_NAMES[to], member(doc, "done_on")};
    ok = receivable_update(db, ctx, rid, before,
                           "UPDATE receivables SET status = $2, status_since = $3::date,"
                           " status_reason = NULL, version = version + 1, updated_at = now()"
                           " WHERE id = $1::uuid",
                           3, params, err);
done:
    if (loaded)
        receivable_facts_free(&rf);
    free(before);
    json_decref(row);
    return ok;
}
