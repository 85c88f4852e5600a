/* Outbox delivery SQL. */
#include "outbox_store.h"

#include <stdio.h>

PGresult *outbox_claim(db_t *db, const char *now, int max, int lease_s, app_error_t *err)
{
    char lim[16], lease[16];
    snprintf(lim, sizeof lim, "%d", max);
    snprintf(lease, sizeof lease, "%d", lease_s);
    const char *params[] = {now, lim, lease};
    return db_exec(db,
                   "WITH pick AS (SELECT id FROM notifications WHERE status IN ('pending', 'sending')"
                   "  AND next_attempt_at <= $1::timestamptz ORDER BY next_attempt_at, id"
                   "  LIMIT $2::int FOR UPDATE SKIP LOCKED)"
                   " UPDATE notifications n SET status = 'sending', attempts = n.attempts + 1,"
                   "  next_attempt_at = $1::timestamptz + make_interval(secs => $3::int),"
                   "  updated_at = now(), version = n.version + 1"
                   " FROM pick WHERE n.id = pick.id"
                   " RETURNING n.id::text, n.recipient, n.subject, n.body_text, n.body_html,"
                   "  n.message_id, extract(epoch FROM n.created_at)::bigint, n.attempts",
                   3, params, err);
}

bool outbox_record(db_t *db, const char *id, const char *status, const char *reply,
                   const char *now, const char *retry_at, app_error_t *err)
{
    const char *params[] = {id, status, reply, now, retry_at};
    PGresult *res = db_exec(db,
                            "UPDATE notifications SET status = $2, last_reply = $3,"
                            " sent_at = CASE WHEN $2 = 'sent' THEN $4::timestamptz END,"
                            " next_attempt_at = coalesce($5::timestamptz, next_attempt_at),"
                            " updated_at = now(), version = version + 1"
                            " WHERE id = $1::uuid AND status = 'sending'",
                            5, params, err);
    PQclear(res);
    return res != NULL;
}

bool outbox_resend(db_t *db, const char *id, const char *scope, const char *now,
                   app_error_t *err)
{
    const char *params[] = {id, now, scope};
    PGresult *res = db_exec(db,
                            "UPDATE notifications SET status = 'pending', next_attempt_at ="
                            " $2::timestamptz, updated_at = now(), version = version + 1"
                            " WHERE id = $1::uuid AND ($3::uuid IS NULL OR"
                            " org_in_subtree(organization_id, $3::uuid)) RETURNING 1",
                            3, params, err);
    if (!res)
        return false;
    bool found = PQntuples(res) == 1;
    PQclear(res);
    if (!found)
        err_set(err, ERR_NOT_FOUND, "No notifications with id %s.", id);
    return found;
}
