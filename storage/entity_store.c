/* Generic create/read/update/delete over the registry. */
#include "entity_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../domain/cursor.h"
#include "../domain/mergepatch.h"
#include "../domain/textcheck.h"
#include "../domain/validate.h"
#include "entity_sql.h"
#include "collection_store.h"
#include "disclosure_store.h"
#include "org_store.h"

/* An entity's rules, at most one of each kind (store_rule_fn, store_hook_fn). */
static const struct {
    const char *entity;
    store_rule_fn before_write;
    store_hook_fn with_writer;
} RULES[] = {
    {"organizations", org_rule_tree, NULL},
    {"disclosure-requirements", requirement_rule, NULL},
    {"disclosures", disclosure_rule, NULL},
    {"debtors", debtor_rule, NULL},
    {"receivables", NULL, receivable_rule},
    {"payments", NULL, payment_rule},
    {"installment-plans", NULL, installment_plan_rule},
    {"collection-actions", NULL, collection_action_rule},
};

/* Runs e's rules on doc, if it has any; id NULL on create. */
static bool rules_pass(db_t *db, const entity_t *e, const write_ctx_t *ctx, const char *id,
                       json_t *doc, app_error_t *err)
{
    for (size_t i = 0; i < sizeof RULES / sizeof RULES[0]; i++)
        if (strcmp(RULES[i].entity, e->name) == 0)
            return (!RULES[i].before_write || RULES[i].before_write(db, id, doc, err)) &&
                   (!RULES[i].with_writer || RULES[i].with_writer(db, ctx, id, doc, err));
    return true;
}

static void result_take(store_result_t *out, const PGresult *res, const char *id)
{
    out->version = atoi(PQgetvalue(res, 0, 0));
    out->json = strdup(PQgetvalue(res, 0, 1));
    if (!out->json)
        abort();
    text_copy(out->id, sizeof out->id, id);
}

/* The one interpretation of a get result. */
/* Every by-id statement answers one row, version first, or none: the one
 * place that turns "none" into the 404. */
static bool row_found(const entity_t *e, const char *id, const PGresult *res, app_error_t *err)
{
    if (PQntuples(res) == 1)
        return true;
    err_set(err, ERR_NOT_FOUND, "No %s with id %s.", e->name, id);
    return false;
}

static bool get_finish(const entity_t *e, const char *id, const PGresult *res,
                       store_result_t *out, app_error_t *err)
{
    if (!row_found(e, id, res, err))
        return false;
    result_take(out, res, id);
    return true;
}

/* Renders a list result; limit is the page size asked for (the query read
 * one row more to learn whether a next page exists). */
static char *list_finish(const PGresult *res, int limit)
{
    int rows = PQntuples(res);
    bool more = rows > limit;
    if (more)
        rows = limit;
    size_t total = 64;
    for (int i = 0; i < rows; i++)
        total += (size_t)PQgetlength(res, i, 1) + 1;
    char *out = malloc(total);
    if (!out)
        abort();
    memcpy(out, "{\"items\":[", 10);
    size_t o = 10;
    for (int i = 0; i < rows; i++) {
        if (i)
            out[o++] = ',';
        size_t l = (size_t)PQgetlength(res, i, 1);
        memcpy(out + o, PQgetvalue(res, i, 1), l);
        o += l;
    }
    if (more) {
        char cur[CURSOR_LEN + 1];
        cursor_encode(PQgetvalue(res, rows - 1, 0), cur);
        snprintf(out + o, total - o, "],\"next_cursor\":\"%s\"}", cur);
    } else {
        snprintf(out + o, total - o, "],\"next_cursor\":null}");
    }
    return out;
}

typedef struct {
    const entity_t *e;
    char id[37];
    int limit;
    store_get_fn get_fn;
    store_list_fn list_fn;
    void *arg;
} async_read_t;

static void get_done(void *p, const PGresult *res, app_error_t *err)
{
    async_read_t *a = p;
    store_result_t out = {0};
    app_error_t *e2 = err;
    app_error_t local;
    if (res) {
        err_clear(&local);
        e2 = get_finish(a->e, a->id, res, &out, &local) ? NULL : &local;
    }
    a->get_fn(a->arg, e2 ? NULL : &out, e2);
    free(a);
}

static view_t view_of(const entity_t *e, const principal_t *who)
{
    return authz_full_view(e, who->role) ? VIEW_FULL : VIEW_REDACTED;
}

/* The reader's right to the entity, then the read's state: NULL (and *err
 * set) when the role may not read e at all. */
static async_read_t *read_begin(const entity_t *e, const principal_t *who, app_error_t *err)
{
    err_clear(err);
    if (!authz_entity(e, who, false, err))
        return NULL;
    async_read_t *a = calloc(1, sizeof *a);
    if (!a)
        abort();
    a->e = e;
    return a;
}

static void get_async(db_t *db, const entity_t *e, const char *id, const principal_t *who,
                      bool head, store_get_fn fn, void *arg)
{
    app_error_t err;
    async_read_t *a = read_begin(e, who, &err);
    if (!a) {
        fn(arg, NULL, &err);
        return;
    }
    text_copy(a->id, sizeof a->id, id);
    a->get_fn = fn;
    a->arg = arg;
    /* Outside the subtree the row is simply not found: no existence leak. */
    const char *params[] = {id, authz_scope(who)};
    const entity_sql_t *sql = entity_sql(e);
    view_t v = view_of(e, who);
    db_defer(db, head ? sql->head_sql[v] : sql->get_sql[v], 2, params, get_done, a);
}

void store_get_async(db_t *db, const entity_t *e, const char *id, const principal_t *who,
                     store_get_fn fn, void *arg)
{
    get_async(db, e, id, who, false, fn, arg);
}

void store_get_head_async(db_t *db, const entity_t *e, const char *id, const principal_t *who,
                          store_get_fn fn, void *arg)
{
    get_async(db, e, id, who, true, fn, arg);
}

static void list_done(void *p, const PGresult *res, app_error_t *err)
{
    async_read_t *a = p;
    a->list_fn(a->arg, res ? list_finish(res, a->limit) : NULL, res ? NULL : err);
    free(a);
}

void store_list_async(db_t *db, const entity_t *e, const list_query_t *q, const principal_t *who,
                      store_list_fn fn, void *arg)
{
    app_error_t err;
    async_read_t *a = read_begin(e, who, &err);
    if (!a) {
        fn(arg, NULL, &err);
        return;
    }
    a->limit = q->limit;
    a->list_fn = fn;
    a->arg = arg;
    const char *params[LIST_MAX_FILTERS + 4];
    int nparams;
    char limit_buf[16];
    char *sql = entity_sql_list(e, q, view_of(e, who), authz_scope(who), params, &nparams,
                                limit_buf);
    db_defer(db, sql, nparams, params, list_done, a);
    free(sql);
}

/* Writes the writable columns of doc with stmt; first_param is the id for
 * updates (NULL for inserts). Returns the first column of the result. */
static char *write_row(db_t *db, const entity_t *e, const char *stmt, const char *first_param,
                       json_t *doc, app_error_t *err)
{
    const char *params[64];
    char *owned[64];
    int n = 0, nowned = 0;
    if (first_param)
        params[n++] = first_param;
    for (size_t i = 0; i < e->nfields; i++) {
        const field_t *f = &e->fields[i];
        if (!entity_sql_written(f))
            continue;
        char *p = entity_sql_param(json_object_get(doc, f->name));
        if (p)
            owned[nowned++] = p;
        params[n++] = p;
    }
    PGresult *res = db_exec(db, stmt, n, params, err);
    for (int i = 0; i < nowned; i++)
        free(owned[i]);
    if (!res)
        return NULL;
    char *v = PQntuples(res) ? strdup(PQgetvalue(res, 0, 0)) : NULL;
    PQclear(res);
    if (!v)
        err_set(err, ERR_NOT_FOUND, "No %s with this id.", e->name);
    return v;
}

/* Item-level reference checks, so a bad item is named by its position
 * (relatives[2].employee_id) rather than by a constraint. */
static bool check_child_refs(db_t *db, const field_t *f, const child_sql_t *c, const char *id,
                             json_t *items, const char *arr, const char *scope, app_error_t *err)
{
    bool ok = true;
    char path[96];
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        const char *ref = json_string_value(json_object_get(item, c->ref_member));
        if (ref && strcasecmp(ref, id) == 0) {
            snprintf(path, sizeof path, "%s[%zu].%s", f->name, i, c->ref_member);
            err_field(err, path, "invalid", "Cannot refer to the record itself.");
            ok = false;
        }
    }
    if (!ok)
        return false;
    const char *params[] = {arr, scope};
    PGresult *res = db_exec(db, c->missing_sql, 2, params, err);
    if (!res)
        return false;
    for (int r = 0; r < PQntuples(res); r++) {
        snprintf(path, sizeof path, "%s[%s].%s", f->name, PQgetvalue(res, r, 0), c->ref_member);
        err_field(err, path, "reference", "Refers to a record that does not exist.");
        ok = false;
    }
    PQclear(res);
    return ok;
}

/* Rewrites the child tables of doc's array fields; with only (a patch), just
 * those the patch names: the others are as stored. */
static bool write_children(db_t *db, const entity_t *e, const char *id, json_t *doc, json_t *only,
                           const principal_t *who, app_error_t *err)
{
    for (size_t i = 0; i < e->nfields; i++) {
        const field_t *f = &e->fields[i];
        if (!f->child || (only && !json_object_get(only, f->name)))
            continue;
        const child_sql_t *c = child_sql(f->child);
        json_t *items = json_object_get(doc, f->name);
        char *arr = entity_sql_param(items);
        const char *p1[] = {id};
        const char *p2[] = {id, arr};
        PGresult *res = NULL;
        bool ok = check_child_refs(db, f, c, id, items, arr, authz_scope(who), err) &&
                  (res = db_exec(db, c->clear_sql, 1, p1, err)) != NULL;
        PQclear(res);
        res = ok ? db_exec(db, c->insert_sql, 2, p2, err) : NULL;
        free(arr);
        if (!res) {
            /* A constraint name describes the child table; the client knows the field. */
            if (ok && err->kind == ERR_INVALID && err->nfields)
                snprintf(err->fields[err->nfields - 1].field, sizeof err->fields[0].field, "%s",
                         f->name);
            return false;
        }
        PQclear(res);
    }
    return true;
}

/* The organization a row belongs to (scope and audit), NULL for shared data. */
static const char *row_org(const entity_t *e, const char *id, json_t *row)
{
    if (e->scope_self)
        return id;
    return e->scope_field ? json_string_value(json_object_get(row, e->scope_field)) : NULL;
}

/* With scope_from: copies the organization of the row doc's e->scope_from
 * names into its scope_field. A parent the writer may not see is reported
 * as missing, like any other reference the writer makes: otherwise the
 * answer would tell that an unseen row exists. */
static bool scope_from_parent(db_t *db, const entity_t *e, json_t *doc, const principal_t *who,
                              app_error_t *err)
{
    const char *parent = json_string_value(json_object_get(doc, e->scope_from));
    if (!parent)
        return true; /* a patch that removes it: validation says it is required */
    const char *params[] = {parent, authz_scope(who)};
    PGresult *res = db_exec(db, entity_sql(e)->parent_org_sql, 2, params, err);
    if (!res)
        return false;
    bool found = PQntuples(res) == 1;
    if (found)
        json_object_set_new(doc, e->scope_field, json_string(PQgetvalue(res, 0, 0)));
    PQclear(res);
    if (!found)
        err_field(err, e->scope_from, "reference", "Refers to a record that does not exist.");
    return found;
}

bool store_in_scope(db_t *db, const principal_t *who, const char *org, app_error_t *err)
{
    if (who->global)
        return true;
    bool ok = false;
    if (org) {
        const char *params[] = {org, who->org};
        PGresult *res = db_exec(db, "SELECT org_in_subtree($1::uuid, $2::uuid)", 2, params, err);
        if (!res)
            return false;
        ok = PQgetvalue(res, 0, 0)[0] == 't';
        PQclear(res);
    }
    if (!ok)
        err_set(err, ERR_FORBIDDEN,
                "The record belongs to an organization outside this caller's subtree.");
    return ok;
}

char *store_org_path(db_t *db, const char *org, app_error_t *err)
{
    const char *params[] = {org};
    PGresult *res = db_exec(db, "SELECT org_ancestors($1::uuid)::text", 1, params, err);
    if (!res)
        return NULL;
    char *path = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!path)
        abort();
    return path;
}

bool store_audit(db_t *db, const write_ctx_t *ctx, const entity_t *e, const char *action,
                 const char *id, const char *org, const char *prior_path, const char *before,
                 const char *after, app_error_t *err)
{
    const char *params[] = {ctx->who->actor, ROLE_NAMES[ctx->who->role], action, e->name, id,
                            org, before, after, ctx->request_id, ctx->client_addr, prior_path};
    /* The path is taken now, inside the change's transaction: after the
     * change for creates and updates, before it for deletes (which audit
     * first), joined with where an update moved the record from. */
    PGresult *res = db_exec(db,
                            "INSERT INTO audit_events (actor, role, action, entity, entity_id,"
                            " organization_id, before, after, request_id, client_addr, org_path)"
                            " VALUES ($1, $2, $3, $4, $5::uuid, $6::uuid, $7::jsonb, $8::jsonb,"
                            " $9, $10, ARRAY(SELECT DISTINCT x FROM unnest(org_ancestors($6::uuid)"
                            " || coalesce($11::uuid[], '{}')) AS x))",
                            11, params, err);
    PQclear(res);
    return res != NULL;
}

bool store_finish(db_t *db, const entity_t *e, const char *id, const char *action,
                  const char *before, const char *prior_path, const write_ctx_t *ctx,
                  store_result_t *out, app_error_t *err)
{
    const char *params[] = {id, NULL};
    PGresult *res = db_exec(db, entity_sql(e)->get_sql[VIEW_FULL], 2, params, err);
    if (!res)
        return false;
    if (!row_found(e, id, res, err)) {
        PQclear(res);
        return false;
    }
    result_take(out, res, id);
    PQclear(res);
    json_t *after = json_loads(out->json, 0, NULL);
    bool ok = after && store_audit(db, ctx, e, action, id, row_org(e, id, after), prior_path,
                                   before, out->json, err);
    json_decref(after);
    if (ok && !authz_full_view(e, ctx->who->role)) {
        char *redacted = authz_redact(e, ctx->who->role, out->json);
        free(out->json);
        out->json = redacted;
    }
    if (!ok) {
        if (err->kind == ERR_NONE)
            err_set(err, ERR_INTERNAL, "The written %s could not be read back.", e->name);
        free(out->json);
        out->json = NULL;
        return false;
    }
    if (!db_commit(db, err)) {
        free(out->json);
        out->json = NULL;
        return false;
    }
    return true;
}

/* Reserves idem's key inside the open transaction. Returns true with
 * *prior_id empty when the key is new (the create goes ahead and
 * idem_finish records its id), or with *prior_id set when the same request
 * already succeeded. A concurrent request with the same key waits here on
 * the row lock until the first one commits or rolls back. */
static bool idem_reserve(db_t *db, const entity_t *e, const idem_t *idem, char prior_id[37],
                         app_error_t *err)
{
    char hash[65];
    text_hex(idem->hash, 32, hash);
    prior_id[0] = '\0';
    /* Expired keys go first, this caller's at once and a few others' in
     * passing, so the table stays the size of a day's traffic. */
    const char *p2[] = {idem->scope, idem->key};
    PGresult *res = db_exec(db,
                            "DELETE FROM idempotency_keys WHERE created_at < now() - interval '" IDEM_TTL
                            "' AND ((scope = $1 AND key = $2) OR ctid = ANY (ARRAY(SELECT ctid FROM "
                            "idempotency_keys WHERE created_at < now() - interval '" IDEM_TTL
                            "' LIMIT 16)))",
                            2, p2, err);
    if (!res)
        return false;
    PQclear(res);
    const char *p4[] = {idem->scope, idem->key, hash, e->name};
    res = db_exec(db,
                  "INSERT INTO idempotency_keys (scope, key, request_hash, entity)"
                  " VALUES ($1, $2, decode($3, 'hex'), $4) ON CONFLICT DO NOTHING RETURNING 1",
                  4, p4, err);
    if (!res)
        return false;
    bool fresh = PQntuples(res) == 1;
    PQclear(res);
    if (fresh)
        return true;
    res = db_exec(db,
                  "SELECT request_hash = decode($3, 'hex') AND entity = $4, coalesce(entity_id::text, '')"
                  " FROM idempotency_keys WHERE scope = $1 AND key = $2",
                  4, p4, err);
    if (!res)
        return false;
    bool same = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
    if (same)
        snprintf(prior_id, 37, "%s", PQgetvalue(res, 0, 1));
    PQclear(res);
    if (!same || !prior_id[0]) {
        err_field(err, "Idempotency-Key", "idempotency_key_reused",
                  "This key was already used for a different request in the last " IDEM_TTL ".");
        return false;
    }
    return true;
}

static bool idem_finish(db_t *db, const idem_t *idem, const char *id, app_error_t *err)
{
    const char *params[] = {idem->scope, idem->key, id};
    PGresult *res = db_exec(db,
                            "UPDATE idempotency_keys SET entity_id = $3::uuid"
                            " WHERE scope = $1 AND key = $2",
                            3, params, err);
    PQclear(res);
    return res != NULL;
}

bool store_create(db_t *db, const entity_t *e, json_t *doc, const idem_t *idem,
                  const write_ctx_t *ctx, store_result_t *out, bool *replayed, app_error_t *err)
{
    char prior[37] = "";
    *replayed = false;
    if (!authz_create(e, ctx->who, err) || !db_begin(db, err))
        return false;
    if (idem && !idem_reserve(db, e, idem, prior, err))
        goto fail;
    if (prior[0]) {
        /* The first request's entity, as it is now (it may since have been
         * changed or deleted: then this is what a GET would say). */
        const char *params[] = {prior, NULL};
        PGresult *res = db_exec(db, entity_sql(e)->get_sql[view_of(e, ctx->who)], 2, params, err);
        if (!res)
            goto fail;
        bool ok = get_finish(e, prior, res, out, err);
        PQclear(res);
        if (!ok || !db_commit(db, err))
            goto fail;
        *replayed = true;
        return true;
    }
    if (e->scope_from && !scope_from_parent(db, e, doc, ctx->who, err))
        goto fail;
    if (e->scope_field &&
        !store_in_scope(db, ctx->who, json_string_value(json_object_get(doc, e->scope_field)), err))
        goto fail;
    if (!rules_pass(db, e, ctx, NULL, doc, err))
        goto fail;
    char *id = write_row(db, e, entity_sql(e)->insert_sql, NULL, doc, err);
    if (!id)
        goto fail;
    bool ok = write_children(db, e, id, doc, NULL, ctx->who, err) &&
              (!idem || idem_finish(db, idem, id, err)) &&
              store_finish(db, e, id, "create", NULL, NULL, ctx, out, err);
    free(id);
    if (ok)
        return true;
fail:
    db_rollback(db);
    return false;
}

bool store_check_match(const entity_t *e, if_match_t match, int version, app_error_t *err)
{
    if (match.kind == MATCH_VERSION && match.version != version) {
        err_set(err, ERR_PRECONDITION,
                "The %s is at version %d, not %d; fetch it again and retry.", e->name, version,
                match.version);
        return false;
    }
    return true;
}

/* A patch may move a row to another organization: the new one must be in
 * scope as well as the old. */
static bool patch_in_scope(db_t *db, const entity_t *e, const char *id, json_t *current,
                           json_t *merged, const principal_t *who, app_error_t *err)
{
    if (!store_in_scope(db, who, row_org(e, id, current), err))
        return false;
    if (!e->scope_field)
        return true;
    /* The organization follows the parent, which the patch may change. */
    if (e->scope_from && !scope_from_parent(db, e, merged, who, err))
        return false;
    const char *was = json_string_value(json_object_get(current, e->scope_field));
    const char *now = json_string_value(json_object_get(merged, e->scope_field));
    bool same = (!was && !now) || (was && now && strcasecmp(was, now) == 0);
    return same || store_in_scope(db, who, now, err);
}

bool store_patch(db_t *db, const entity_t *e, const char *id, json_t *patch, if_match_t match,
                 const write_ctx_t *ctx, store_result_t *out, app_error_t *err)
{
    json_t *current = NULL, *merged = NULL;
    char *before = NULL, *prior_path = NULL;
    if (!authz_entity(e, ctx->who, true, err) || !authz_doc_fields(e, ctx->who, patch, err) ||
        !db_begin(db, err))
        return false;
    const char *params[] = {id};
    PGresult *res = db_exec(db, entity_sql(e)->lock_sql, 1, params, err);
    if (!res)
        goto fail;
    if (!row_found(e, id, res, err)) {
        PQclear(res);
        goto fail;
    }
    int version = atoi(PQgetvalue(res, 0, 0));
    before = strdup(PQgetvalue(res, 0, 1));
    current = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
    PQclear(res);
    if (!before || !current) {
        err_set(err, ERR_INTERNAL, "The stored %s could not be read.", e->name);
        goto fail;
    }
    merged = merge_patch(current, patch);
    if (!patch_in_scope(db, e, id, current, merged, ctx->who, err) ||
        !store_check_match(e, match, version, err) || !validate_merged(e, merged, err))
        goto fail;
    /* Where the record sat before: its old subtree keeps seeing this event. */
    if (!(prior_path = store_org_path(db, row_org(e, id, current), err)))
        goto fail;
    if (!rules_pass(db, e, ctx, id, merged, err))
        goto fail;
    char *v = write_row(db, e, entity_sql(e)->update_sql, id, merged, err);
    if (!v)
        goto fail;
    free(v);
    if (!write_children(db, e, id, merged, patch, ctx->who, err) ||
        !store_finish(db, e, id, "update", before, prior_path, ctx, out, err))
        goto fail;
    free(before);
    free(prior_path);
    json_decref(current);
    json_decref(merged);
    return true;
fail:
    free(before);
    free(prior_path);
    json_decref(current);
    json_decref(merged);
    db_rollback(db);
    return false;
}

bool store_delete(db_t *db, const entity_t *e, const char *id, if_match_t match,
                  const write_ctx_t *ctx, app_error_t *err)
{
    json_t *current = NULL;
    char *before = NULL;
    if (!authz_entity(e, ctx->who, true, err) || !db_begin(db, err))
        return false;
    const char *params[] = {id};
    PGresult *res = db_exec(db, entity_sql(e)->lock_sql, 1, params, err);
    if (!res)
        goto fail;
    if (!row_found(e, id, res, err)) {
        PQclear(res);
        goto fail;
    }
    int version = atoi(PQgetvalue(res, 0, 0));
    before = strdup(PQgetvalue(res, 0, 1));
    PQclear(res);
    current = before ? json_loads(before, 0, NULL) : NULL;
    if (!current) {
        err_set(err, ERR_INTERNAL, "The stored %s could not be read.", e->name);
        goto fail;
    }
    /* Audited first, while the record still places itself in the tree (a
     * deleted organization has no ancestors left to look up). */
    if (!store_in_scope(db, ctx->who, row_org(e, id, current), err) ||
        !store_check_match(e, match, version, err) ||
        !store_audit(db, ctx, e, "delete", id, row_org(e, id, current), NULL, before, NULL, err))
        goto fail;
    res = db_exec(db, entity_sql(e)->delete_sql, 1, params, err);
    if (!res) {
        if (err->kind == ERR_INVALID) { /* a foreign key: something still refers to it */
            err_clear(err);
            err_set(err, ERR_CONFLICT,
                    "The %s cannot be deleted while other records refer to it.", e->name);
        }
        goto fail;
    }
    PQclear(res);
    if (!db_commit(db, err))
        goto fail;
    free(before);
    json_decref(current);
    return true;
fail:
    free(before);
    json_decref(current);
    db_rollback(db);
    return false;
}
