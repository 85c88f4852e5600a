/* The service functions for registry entities: what both transports call to
 * read and write. Each write is one transaction; on any error nothing is
 * written. Documents passed in are validated by the caller (validate_create
 * for creates); merged patches are validated here, against the stored row. */
#ifndef PROBITY_ENTITY_STORE_H
#define PROBITY_ENTITY_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../domain/authz.h"
#include "../domain/query.h"
#include "../domain/registry.h"
#include "db.h"

typedef struct {
    char *json;   /* the entity as JSON text (malloc'd; caller frees) */
    int version;
    char id[37];
} store_result_t;

/* If-Match as parsed by the transport: absent, "*" (any), or a version. */
typedef struct {
    enum { MATCH_NONE, MATCH_ANY, MATCH_VERSION } kind;
    int version;
} if_match_t;

/* Who is writing, for the permission checks and the audit trail. */
typedef struct {
    const principal_t *who;
    const char *request_id;
    const char *client_addr; /* may be NULL */
    /* The instant the write is made at, from the process clock (jobs/clock.h,
     * which a test may set): what "today" means to the rules. 0: real time. */
    int64_t now_us;
} write_ctx_t;

/* Every function here applies the registry's permissions for the
 * principal: the role's right to the entity (403), the organization
 * subtree (reads of rows outside it are 404, writes 403) and the fields the
 * role may see. Every write appends its audit event in its own transaction.
 *
 * Reads. They go through db_defer, so while a worker batches they share
 * one pipeline with the other requests' reads, and otherwise run at once:
 * fn receives the outcome on the worker thread, exactly once; out->json and
 * json (the list as {"items":[…],"next_cursor":…}) belong to fn. */
typedef void (*store_get_fn)(void *arg, store_result_t *out, app_error_t *err);
typedef void (*store_list_fn)(void *arg, char *json, app_error_t *err);
void store_get_async(db_t *db, const entity_t *e, const char *id, const principal_t *who,
                     store_get_fn fn, void *arg);
void store_list_async(db_t *db, const entity_t *e, const list_query_t *q, const principal_t *who,
                      store_list_fn fn, void *arg);
/* store_get_async without the fields storage keeps in tables of their own
 * (a report's rows): they show as their empty placeholder, for a caller
 * that reads them in pages itself. */
void store_get_head_async(db_t *db, const entity_t *e, const char *id, const principal_t *who,
                          store_get_fn fn, void *arg);

/* An Idempotency-Key presented with a create: who presented it, the key,
 * and a SHA-256 of what was asked (the route and the body bytes). */
typedef struct {
    const char *scope;
    const char *key;
    unsigned char hash[32];
} idem_t;

#define IDEM_TTL "24 hours"

/* idem may be NULL. With a key seen before (within IDEM_TTL) and the same
 * hash, nothing is written and *replayed is set: out then holds the entity
 * as it is now, the one the first request created. The same key with
 * another hash is ERR_INVALID on Idempotency-Key. */
bool store_create(db_t *db, const entity_t *e, json_t *doc, const idem_t *idem,
                  const write_ctx_t *ctx, store_result_t *out, bool *replayed, app_error_t *err);
bool store_patch(db_t *db, const entity_t *e, const char *id, json_t *patch, if_match_t match,
                 const write_ctx_t *ctx, store_result_t *out, app_error_t *err);
bool store_delete(db_t *db, const entity_t *e, const char *id, if_match_t match,
                  const write_ctx_t *ctx, app_error_t *err);

/* For entity-specific writers, inside their open transaction.
 *
 * Is organization org (NULL: none) inside who's subtree? ERR_FORBIDDEN if not. */
bool store_in_scope(db_t *db, const principal_t *who, const char *org, app_error_t *err);
/* ERR_PRECONDITION when match names another version than the row's. */
bool store_check_match(const entity_t *e, if_match_t match, int version, app_error_t *err);
/* org's ancestors, itself first, as a PostgreSQL array literal (malloc'd):
 * where a record of org sits in the tree right now. */
char *store_org_path(db_t *db, const char *org, app_error_t *err);
/* Appends the audit event of a change; before/after are entity JSON or NULL,
 * prior_path (from store_org_path before a move, or NULL) adds the subtrees
 * the record sat in before. */
bool store_audit(db_t *db, const write_ctx_t *ctx, const entity_t *e, const char *action,
                 const char *id, const char *org, const char *prior_path, const char *before,
                 const char *after, app_error_t *err);
/* Reads row id back, appends the audit event of action and commits; out
 * gets the row as the writer may see it. before: the full JSON before the
 * change (NULL on create). */
bool store_finish(db_t *db, const entity_t *e, const char *id, const char *action,
                  const char *before, const char *prior_path, const write_ctx_t *ctx,
                  store_result_t *out, app_error_t *err);

/* Per-entity rules that need the database, run inside the write's
 * transaction before the row is written (e.g. the organization tree must
 * stay a tree). id is NULL on create. */
typedef bool (*store_rule_fn)(db_t *db, const char *id, json_t *doc, app_error_t *err);
/* The same for rules that need the writer as well: its subtree (references
 * it may see), its clock (today) and its identity (the audit events of the
 * other records the write changes, in the same transaction). Run after
 * before_write; they may fill doc's F_RULE_SET and F_PATCH_ONLY fields. */
typedef bool (*store_hook_fn)(db_t *db, const write_ctx_t *ctx, const char *id, json_t *doc,
                              app_error_t *err);

#endif
