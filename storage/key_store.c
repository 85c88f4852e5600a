/* API keys: the writes behind /v1/api-keys and `probityd keys`, and the
 * per-request lookup. */
#include "key_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/textcheck.h"
#include "entity_sql.h"

static const entity_t *keys_entity(void)
{
    return registry_find("api-keys");
}

static const char *member(json_t *doc, const char *name)
{
    return json_string_value(json_object_get(doc, name));
}

bool key_store_create(db_t *db, const write_ctx_t *ctx, json_t *doc, const char *prefix,
                      const unsigned char hash[32], store_result_t *out, app_error_t *err)
{
    const entity_t *e = keys_entity();
    const char *org = member(doc, "organization_id");
    if (!authz_entity(e, ctx->who, true, err) || !db_begin(db, err))
        return false;
    if (!store_in_scope(db, ctx->who, org, err))
        goto fail;
    char hex[65];
    text_hex(hash, 32, hex);
    const char *params[] = {prefix, hex, member(doc, "name"), member(doc, "role"), org,
                            member(doc, "expires_at"), ctx->who->actor};
    /* An expiry already past would make a key that is dead on arrival. */
    PGresult *res = db_exec(db,
                            "INSERT INTO api_keys (prefix, secret_hash, name, role,"
                            " organization_id, expires_at, created_by)"
                            " SELECT $1, decode($2, 'hex'), $3, $4, $5::uuid, $6::timestamptz, $7"
                            " WHERE $6::timestamptz IS NULL OR $6::timestamptz > now()"
                            " RETURNING id::text",
                            7, params, err);
    if (!res)
        goto fail;
    if (PQntuples(res) != 1) {
        PQclear(res);
        err_field(err, "expires_at", "invalid", "Must be in the future.");
        goto fail;
    }
    char id[37];
    snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (store_finish(db, e, id, "create", NULL, NULL, ctx, out, err))
        return true;
fail:
    db_rollback(db);
    return false;
}

bool key_store_revoke(db_t *db, const write_ctx_t *ctx, const char *id, if_match_t match,
                      app_error_t *err)
{
    const entity_t *e = keys_entity();
    if (!authz_entity(e, ctx->who, true, err) || !db_begin(db, err))
        return false;
    const char *params[] = {id};
    PGresult *res = db_exec(db,
                            "SELECT coalesce(organization_id::text, ''), revoked_at IS NOT NULL,"
                            " version FROM api_keys WHERE id = $1::uuid FOR NO KEY UPDATE",
                            1, params, err);
    if (!res)
        goto fail;
    if (PQntuples(res) != 1) {
        PQclear(res);
        err_set(err, ERR_NOT_FOUND, "No api-keys with id %s.", id);
        goto fail;
    }
    char org[37];
    snprintf(org, sizeof org, "%s", PQgetvalue(res, 0, 0));
    bool revoked = PQgetvalue(res, 0, 1)[0] == 't';
    int version = atoi(PQgetvalue(res, 0, 2));
    PQclear(res);
    if (!store_in_scope(db, ctx->who, org[0] ? org : NULL, err) ||
        !store_check_match(e, match, version, err))
        goto fail;
    if (revoked)
        return db_commit(db, err);
    const char *p2[] = {id, NULL};
    res = db_exec(db, entity_sql(e)->get_sql[VIEW_FULL], 2, p2, err);
    if (!res)
        goto fail;
    char *before = strdup(PQgetvalue(res, 0, 1));
    PQclear(res);
    if (!before)
        abort();
    res = db_exec(db,
                  "UPDATE api_keys SET revoked_at = now(), updated_at = now(),"
                  " version = version + 1 WHERE id = $1::uuid",
                  1, params, err);
    store_result_t out = {0};
    bool ok = res && store_finish(db, e, id, "revoke", before, NULL, ctx, &out, err);
    PQclear(res);
    free(before);
    free(out.json);
    if (ok)
        return true;
fail:
    db_rollback(db);
    return false;
}

void key_store_lookup_async(db_t *db, const char *prefix, db_finish_fn fn, void *arg)
{
    const char *params[] = {prefix};
    db_defer(db,
             "SELECT id::text, encode(secret_hash, 'hex'), role,"
             " coalesce(organization_id::text, ''),"
             " last_used_at IS NULL OR last_used_at < now() - interval '1 minute'"
             " FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL"
             " AND (expires_at IS NULL OR expires_at > now())",
             1, params, fn, arg);
}

void key_store_touch(db_t *db, const char *id)
{
    app_error_t err;
    err_clear(&err);
    const char *params[] = {id};
    /* Best effort: a failed touch must not fail the request it rides on. */
    PQclear(db_exec(db,
                    "UPDATE api_keys SET last_used_at = now() WHERE id = $1::uuid"
                    " AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
                    1, params, &err));
}
