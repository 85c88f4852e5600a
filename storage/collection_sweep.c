/* The overdue sweep: the one status move no person makes (4.2). Like the
 * moves the rules make in collection_store.c, each is audited in the
 * transaction that makes it, with the receivable as the API shows it
 * before and after. */
#include "collection_sweep.h"

#include <stdio.h>
#include <stdlib.h>

#include "../domain/strbuf.h"
#include "entity_sql.h"
#include "log.h"

/* The audit trail names who changed a record by its key or token; a move
 * the scheduler makes on its own has neither. It acts on the whole tree,
 * as the command line's "cli" does, hence the admin role. */
#define SWEEP_ACTOR "scheduler"
#define SWEEP_ROLE "admin"

/* The statement, composed from the registry's projection of a receivable
 * (entity_sql's object_expr, column names only) so that the audit rows
 * look like every other receivable's; values travel as parameters:
 * $1 now, $2 the registry's entity name, $3 the actor, $4 the role, $5 the
 * request id.
 *
 * - The local day is the administrator's (its timezone); no zone is more
 *   than a day ahead of UTC, so due_date <= the UTC day bounds the scan to
 *   the partial index on current receivables (migration 0008).
 * - status_since is due_date + 1, the day the debt became overdue, not the
 *   day of the sweep: a late sweep must not move the claim's deadline.
 * - SKIP LOCKED: a row a writer (a payment, an action) or another instance
 *   holds is left to the next pass rather than waited for, so a sweep never
 *   queues behind a request or deadlocks with another instance. UPDATE
 *   re-checks the status, so a row is moved and audited once however many
 *   instances sweep. */
static char *sweep_sql(const entity_t *e)
{
    const entity_sql_t *s = entity_sql(e);
    const char *row = s->object_expr[VIEW_FULL];
    strbuf_t b = {0};
    strbuf_printf(
        &b,
        "WITH due AS (SELECT t.id, %s AS before FROM receivables t"
        " JOIN organizations o ON o.id = t.organization_id"
        " WHERE t.status = 'current' AND t.balance > 0"
        " AND t.due_date <= ($1::timestamptz AT TIME ZONE 'UTC')::date"
        " AND t.due_date < ($1::timestamptz AT TIME ZONE o.timezone)::date"
        " FOR NO KEY UPDATE OF t SKIP LOCKED),"
        " moved AS (UPDATE receivables t SET status = 'overdue', status_since = t.due_date + 1,"
        " status_reason = NULL, version = t.version + 1, updated_at = now()"
        " FROM due WHERE t.id = due.id AND t.status = 'current'"
        " RETURNING t.id, t.organization_id, due.before, %s AS after)"
        " INSERT INTO audit_events (actor, role, action, entity, entity_id, organization_id,"
        " before, after, request_id, org_path)"
        " SELECT $3, $4, 'update', $2, m.id, m.organization_id, m.before::jsonb, m.after::jsonb,"
        " $5, org_ancestors(m.organization_id) FROM moved m",
        row, row);
    return b.s;
}

bool collection_sweep_overdue(db_t *db, const char *now, long *moved, app_error_t *err)
{
    char request_id[64];
    /* One id for the pass, so that the audit trail groups its moves. */
    snprintf(request_id, sizeof request_id, "overdue-sweep:%.40s", now);
    const entity_t *e = registry_find("receivables");
    if (!e || !entity_sql(e))
        abort(); /* the registry lost an entity the schema has: a build mistake */
    const char *params[] = {now, e->name, SWEEP_ACTOR, SWEEP_ROLE, request_id};
    char *sql = sweep_sql(e);
    PGresult *res = db_exec(db, sql, 5, params, err);
    free(sql);
    *moved = 0;
    if (!res)
        return false;
    *moved = atol(PQcmdTuples(res));
    PQclear(res);
    if (*moved > 0) {
        char msg[64];
        snprintf(msg, sizeof msg, "%ld receivables became overdue", *moved);
        log_event("info", "receivables_overdue", msg);
    }
    return true;
}
