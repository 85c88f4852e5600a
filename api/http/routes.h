/* The route table: operations routes, the domain routes, and five generic
 * routes per registry entity, built once at start-up from the registry. */
#ifndef PROBITY_ROUTES_H
#define PROBITY_ROUTES_H

#include <stddef.h>

#include "../../storage/entity_store.h"
#include "server.h"

void routes_init(void);
void routes_free(void);
size_t routes_count(void);
const route_t *routes_get(size_t i);

/* Matches r's method and path; sets r->route, r->entity, r->params and
 * returns the route index. Returns -1 when nothing matches, with allow set to
 * the methods the path does support ("" when the path is unknown). */
int routes_match(http_req_t *r, char *allow, size_t allowlen);
/* The same answer, found at once when route `hint` (a route index, or -1)
 * matches and no earlier route could: for callers that send one kind of
 * request again and again (the gRPC bridge, a route per method). A HEAD is
 * never taken by the hint, whose routes are GET. */
int routes_match_hinted(http_req_t *r, int hint, char *allow, size_t allowlen);
/* Whether some path matches both patterns: as many segments, and each pair
 * the same text or one of them a parameter. */
bool routes_patterns_overlap(const char *a, const char *b);

/* Shared by the handler files: the request's error, allocated on first use;
 * the {id} path parameter as a normalised UUID (false with a 422 prepared). */
app_error_t *req_err(http_req_t *r);
bool path_id(http_req_t *r, char id[37]);
/* The body as a JSON object (415 unless application/json, or merge-patch
 * when patch); false with the error in r->err. */
bool read_body(http_req_t *r, bool patch, json_t **doc);
/* Refuses any query parameter (422). */
bool no_query(http_req_t *r);
/* 200 or 201 with the record, its ETag (and Location for 201). */
void reply_entity(http_req_t *r, int status, store_result_t *res);

/* Handlers, grouped by file. */
void h_entity_list(http_req_t *r, db_t *db);
void h_entity_get(http_req_t *r, db_t *db);
void h_entity_create(http_req_t *r, db_t *db);
void h_entity_patch(http_req_t *r, db_t *db);
void h_entity_delete(http_req_t *r, db_t *db);
void h_api_key_create(http_req_t *r, db_t *db);
void h_api_key_revoke(http_req_t *r, db_t *db);
void h_relative_conflicts(http_req_t *r, db_t *db);
void h_working_days(http_req_t *r, db_t *db);
void h_disclosure_compliance(http_req_t *r, db_t *db);
void h_disclosure_board(http_req_t *r, db_t *db);
void h_jobs(http_req_t *r, db_t *db);
void h_job_run(http_req_t *r, db_t *db);
void h_notification_resend(http_req_t *r, db_t *db);
void h_report_get(http_req_t *r, db_t *db);
void h_receivable_timeline(http_req_t *r, db_t *db);
void h_collection_deadlines(http_req_t *r, db_t *db);
void h_claim_document(http_req_t *r, db_t *db);
void h_healthz(http_req_t *r, db_t *db);
void h_readyz(http_req_t *r, db_t *db);
void h_metrics(http_req_t *r, db_t *db);
void h_openapi(http_req_t *r, db_t *db);
void h_docs(http_req_t *r, db_t *db);
void h_docs_asset(http_req_t *r, db_t *db);

/* Loads the Swagger UI files from dir into memory (the loop never reads
 * files); false with a message when they are missing. */
bool ops_docs_load(const char *dir, char *msg, size_t msglen);
void ops_docs_free(void);
void ops_set_pool(pool_t *pool);
/* Whether the database is reachable with the schema this build needs (what
 * /readyz answers); on a pool worker. False with err set (ERR_UNAVAILABLE). */
bool ops_database_ready(db_t *db, int *version, app_error_t *err);
/* NULL: /metrics is open. */
void ops_set_metrics_token(const char *token);

#endif
