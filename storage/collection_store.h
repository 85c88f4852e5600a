/* Receivables to the budget (seed 004; DESIGN §1.6): the rules that need the
 * database — what a receivable may refer to, what its payments, installment
 * plans and collection actions do to it, which status moves the regulation
 * allows (domain/collection.c decides; this gathers the facts) — and the
 * facts themselves, for the timeline as much as for the checks. Every rule
 * runs inside its write's transaction (entity_store.c RULES), with the
 * receivable whose balance or status it reads locked first. The rules are
 * collection_store.c's; the facts and what each kind of action does,
 * collection_facts.c's. */
#ifndef PROBITY_COLLECTION_STORE_H
#define PROBITY_COLLECTION_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../domain/collection.h"
#include "db.h"
#include "entity_store.h"

/* bankrupt_since is given exactly when bankrupt is true. */
bool debtor_rule(db_t *db, const char *id, json_t *doc, app_error_t *err);

/* Create: the debtor and the responsible employee are the writer's to see
 * and of the administrator's branch (itself, its parents, its subordinates),
 * the income code of its jurisdiction, the currency its currency; status and
 * status_since are set (overdue once due_date has passed in the
 * administrator's zone, else current). Patch: the same for what changes, the
 * amounts not below what was paid nor changed once closed, no move to
 * another administrator once payments, plans or actions exist, and a new
 * status only as collection_check allows (409 whose detail is the rule). */
bool receivable_rule(db_t *db, const write_ctx_t *ctx, const char *id, json_t *doc,
                     app_error_t *err);
/* A payment (create only): more than zero, not dated in the future, in the
 * receivable's currency, not on a written-off receivable, not beyond its
 * balance (409); adds to paid_amount, and at a zero balance the receivable
 * is paid. The receivable's change is audited. */
bool payment_rule(db_t *db, const write_ctx_t *ctx, const char *id, json_t *doc, app_error_t *err);
/* A schedule on an open receivable: lines in strictly increasing order from
 * granted_on, each amount more than zero, together the balance (422 on
 * `lines`); amounts are stored with two decimals, interest "0.00" when
 * absent. A patch that keeps lines and receivable is not summed again. */
bool installment_plan_rule(db_t *db, const write_ctx_t *ctx, const char *id, json_t *doc,
                           app_error_t *err);
/* Create: the target where the kind needs one, done_on not in the future,
 * the employee as for a receivable; a kind that moves the status moves it as
 * of done_on, not before the receivable's last step, and only as
 * collection_check allows (409 naming the rule); the receivable's change is
 * audited. Patch: receivable, kind, target and day stay as recorded. */
bool collection_action_rule(db_t *db, const write_ctx_t *ctx, const char *id, json_t *doc,
                            app_error_t *err);

/* The administrator's local day at the instant $n (microseconds since the
 * epoch, a bigint parameter), in the zone z (a column), as days since
 * 1970-01-01: SQL text. */
#define LOCAL_DAY(n, z)                                                                            \
    "(((timestamptz 'epoch' + " n "::bigint * interval '1 microsecond') AT TIME ZONE " z           \
    ")::date - DATE '1970-01-01')"

/* What a kind of collection action (the registry's collection-actions.kind)
 * does: the status it moves the receivable to (COLL_NO_MOVE: none; for the
 * head's instruction, to_bailiffs when its target is the bailiffs), the
 * event the deadlines count from it (COLL_NO_EVENT: none), and whether it
 * goes somewhere (target). */
#define COLL_NO_MOVE COLL_STATUS_COUNT
#define COLL_NO_EVENT COLL_EV_COUNT
typedef struct {
    const char *kind;
    collection_status_t to, to_bailiffs;
    collection_event_t event;
    bool needs_target;
} collection_action_kind_t;

/* NULL for a kind the table does not know. */
const collection_action_kind_t *collection_action_kind(const char *kind);
/* The kind whose action leads to `status`, or NULL (a status a PATCH may set). */
const collection_action_kind_t *collection_action_leading_to(collection_status_t status);
/* The kind of collection action that records event ev, or NULL for an event
 * no action records (overdue, paid, written off, the end of the pre-court
 * period). */
const char *collection_event_action(collection_event_t ev);

/* One receivable as the rules and the timeline see it. */
typedef struct {
    collection_facts_t facts; /* facts.cal points at cal; facts.reason is NULL */
    calendar_t cal;
    int32_t *cal_days; /* what cal points into (owned) */
    collection_status_t status;
    int32_t today;     /* the administrator's local day at the instant asked for */
    int32_t last_step; /* the latest day of a step that moves the status, whatever
                          as_of, the first overdue day included */
    char organization_id[37];
    char jurisdiction[3];
} receivable_facts_t;

/* Loads receivable id's facts: each event's latest day on or before as_of
 * (COLL_NO_DATE: every recorded one), the balance, the contract's terms and
 * the administrator's calendar over the days the deadlines need (a
 * jurisdiction without a calendar gets an empty one: the checks that count
 * days then answer COLL_UNKNOWN). now_us (0: real time) gives `today`. Does
 * not lock: a writer locks the receivable first. ERR_NOT_FOUND when there is
 * no such receivable. On success free with receivable_facts_free. */
bool receivable_facts_load(db_t *db, const char *id, int64_t now_us, int32_t as_of,
                           receivable_facts_t *out, app_error_t *err);
void receivable_facts_free(receivable_facts_t *f);

#endif
