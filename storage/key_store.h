/* API keys in the database: creation, revocation and the lookup behind
 * every request that presents one. Only a SHA-256 of the secret is kept. */
#ifndef PROBITY_KEY_STORE_H
#define PROBITY_KEY_STORE_H

#include "entity_store.h"

/* doc: a validated api-keys create body. Checks the writer's rights (its
 * role, and that the key's organization is in its subtree; a key bound to
 * no organization only from a principal bound to none), stores the key,
 * audits it. out is the key as the API shows it (without the token). */
bool key_store_create(db_t *db, const write_ctx_t *ctx, json_t *doc, const char *prefix,
                      const unsigned char hash[32], store_result_t *out, app_error_t *err);
/* Marks the key revoked (it stays listed); revoking a revoked key changes
 * nothing. Requests presenting it are refused from the commit on. */
bool key_store_revoke(db_t *db, const write_ctx_t *ctx, const char *id, if_match_t match,
                      app_error_t *err);

/* The lookup, run through db_defer: one row (id, secret_hash as hex,
 * role, organization id or "", whether last_used_at is over a minute old)
 * for a live key with this prefix, or none. */
void key_store_lookup_async(db_t *db, const char *prefix, db_finish_fn fn, void *arg);
/* Records a use, at most once a minute per key (see the lookup). */
void key_store_touch(db_t *db, const char *id);

#endif
