/* HTTP adapters for the registry's entities and the domain reads: parse and
 * check the request, call the service function, encode the answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../domain/calendar.h"
#include "../../domain/jsonin.h"
#include "../../domain/query.h"
#include "../../domain/textcheck.h"
#include "../../domain/validate.h"
#include "../../storage/calendar_store.h"
#include "../../storage/entity_store.h"
#include "../../storage/key_store.h"
#include "../auth/apikey.h"
#include "../../storage/org_store.h"
#include "../../jobs/clock.h"
#include "routes.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* r->err is allocated on first use: most requests never need its 14 KiB. */
app_error_t *req_err(http_req_t *r)
{
    if (!r->err) {
        r->err = calloc(1, sizeof *r->err);
        if (!r->err)
            abort();
    }
    return r->err;
}

static void fail(http_req_t *r)
{
    http_reply_error(r, req_err(r));
}

void reply_entity(http_req_t *r, int status, store_result_t *res)
{
    char etag[24];
    snprintf(etag, sizeof etag, "\"%d\"", res->version);
    http_add_header(r, "ETag", etag);
    if (status == 201) {
        char loc[160];
        snprintf(loc, sizeof loc, "/v1/%s/%s", r->entity->name, res->id);
        http_add_header(r, "Location", loc);
    }
    http_reply(r, status, "application/json", res->json, strlen(res->json));
}

/* The path id, normalised; false (and a 422 reply prepared) when malformed. */
bool path_id(http_req_t *r, char id[37])
{
    if (text_uuid_normalize(r->params[0], id))
        return true;
    err_field(req_err(r), "id", "format", "Must be a UUID.");
    return false;
}

/* Routes without query parameters still refuse unknown ones. */
bool no_query(http_req_t *r)
{
    if (!r->query || !*r->query)
        return true; /* the common case: no error record to make */
    qparams_t q;
    static const char *const NONE[] = {NULL};
    if (!query_parse(r->query, &q, req_err(r)))
        return false;
    bool ok = query_only(&q, NONE, req_err(r));
    query_free(&q);
    return ok;
}

static bool media_type_is(const char *ct, const char *want)
{
    size_t wl = strlen(want);
    if (strncasecmp(ct, want, wl) != 0)
        return false;
    const char *p = ct + wl;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0')
        return true;
    if (*p != ';')
        return false;
    /* Parameters: only charset=utf-8 means anything to us. */
    const char *cs = strcasestr(p, "charset=");
    if (!cs)
        return true;
    cs += 8;
    if (*cs == '"')
        cs++;
    return strncasecmp(cs, "utf-8", 5) == 0;
}

/* Checks the media type and decodes the body into an object; *doc is a new
 * reference the caller owns. */
bool read_body(http_req_t *r, bool patch, json_t **doc)
{
    const char *ct = http_req_header(r, "Content-Type");
    bool ok_type = ct && (media_type_is(ct, "application/json") ||
                          (patch && media_type_is(ct, "application/merge-patch+json")));
    if (!ok_type) {
        err_set(req_err(r), ERR_MEDIA_TYPE, "%s",
                patch ? "Send the patch as application/merge-patch+json or application/json "
                        "(UTF-8)."
                      : "Send the body as application/json (UTF-8).");
        return false;
    }
    *doc = jsonin_parse_object(r->body ? r->body : "", r->body_len, req_err(r));
    return *doc != NULL;
}

/* If-Match: absent, "*", or one strong or weak tag of ours. Only the exact
 * spelling we issue ("<decimal version>", no sign, space or leading zero)
 * names a version; any other tag matches none. */
static bool read_if_match(http_req_t *r, if_match_t *m)
{
    const char *v = http_req_header(r, "If-Match");
    m->kind = MATCH_NONE;
    if (!v)
        return true;
    if (strcmp(v, "*") == 0) {
        m->kind = MATCH_ANY;
        return true;
    }
    if (strncmp(v, "W/", 2) == 0)
        v += 2;
    m->kind = MATCH_VERSION;
    m->version = -1;
    size_t n = strlen(v);
    if (n < 3 || n > 11 || v[0] != '"' || v[n - 1] != '"' || v[1] == '0')
        return true;
    int ver = 0;
    for (size_t i = 1; i < n - 1; i++) {
        if (v[i] < '0' || v[i] > '9')
            return true;
        ver = ver * 10 + (v[i] - '0');
    }
    m->version = ver;
    return true;
}

static void list_answer(void *arg, char *json, app_error_t *err)
{
    http_req_t *r = arg;
    if (!json) {
        http_reply_error(r, err);
        return;
    }
    http_reply(r, 200, "application/json", json, strlen(json));
}

void h_entity_list(http_req_t *r, db_t *db)
{
    qparams_t q;
    list_query_t lq;
    if (!query_parse(r->query, &q, req_err(r))) {
        fail(r);
        return;
    }
    if (list_query_build(r->entity, &q, &lq, req_err(r)))
        store_list_async(db, r->entity, &lq, &r->auth.who, list_answer,
                         r); /* copies what it needs of q */
    else
        fail(r);
    query_free(&q);
}

static void get_answer(void *arg, store_result_t *res, app_error_t *err)
{
    http_req_t *r = arg;
    if (!res) {
        http_reply_error(r, err);
        return;
    }
    reply_entity(r, 200, res);
}

void h_entity_get(http_req_t *r, db_t *db)
{
    char id[37];
    if (!path_id(r, id) || !no_query(r)) {
        fail(r);
        return;
    }
    store_get_async(db, r->entity, id, &r->auth.who, get_answer, r);
}

static write_ctx_t write_ctx(http_req_t *r)
{
    return (write_ctx_t){&r->auth.who, r->request_id, http_req_peer(r), clock_now_us()};
}

/* Reads Idempotency-Key, if any, into idem; false (with a 422 prepared)
 * when it is malformed. *has is false when the header is absent. */
static bool read_idempotency(http_req_t *r, idem_t *idem, bool *has)
{
    const char *key = http_req_header(r, "Idempotency-Key");
    *has = key != NULL;
    if (!key)
        return true;
    size_t n = strlen(key);
    bool ok = n >= 1 && n <= 255;
    for (size_t i = 0; ok && i < n; i++)
        ok = key[i] > 0x20 && key[i] < 0x7f;
    if (!ok) {
        err_field(req_err(r), "Idempotency-Key", "format",
                  "Must be 1 to 255 visible ASCII characters, e.g. a UUID.");
        return false;
    }
    /* Keys are the caller's own: two callers' keys never meet. */
    idem->scope = r->auth.who.actor;
    idem->key = key;
    /* The route and the exact body bytes: a retry sends the same bytes. */
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int len = 0;
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
        !EVP_DigestUpdate(ctx, r->entity->name, strlen(r->entity->name)) ||
        !EVP_DigestUpdate(ctx, "\n", 1) ||
        !EVP_DigestUpdate(ctx, r->body ? r->body : "", r->body_len) ||
        !EVP_DigestFinal_ex(ctx, idem->hash, &len) || len != sizeof idem->hash)
        abort(); /* only out of memory makes a SHA-256 fail */
    EVP_MD_CTX_free(ctx);
    return true;
}

void h_entity_create(http_req_t *r, db_t *db)
{
    json_t *doc = NULL;
    store_result_t res = {0};
    idem_t idem;
    bool has_idem = false, replayed = false;
    write_ctx_t ctx = write_ctx(r);
    /* The role's rights come before the body's validity: a caller who may
     * not write learns nothing from validation messages. Fields are checked
     * before validation adds their defaults. */
    bool ok = no_query(r) && authz_create(r->entity, ctx.who, req_err(r)) &&
              read_idempotency(r, &idem, &has_idem) && read_body(r, false, &doc) &&
              authz_doc_fields(r->entity, ctx.who, doc, req_err(r)) &&
              validate_create(r->entity, doc, req_err(r)) && db_ensure(db, req_err(r)) &&
              store_create(db, r->entity, doc, has_idem ? &idem : NULL, &ctx, &res, &replayed,
                           req_err(r));
    json_decref(doc);
    if (!ok) {
        fail(r);
        return;
    }
    if (replayed)
        http_add_header(r, "Idempotent-Replayed", "true");
    reply_entity(r, 201, &res);
}

void h_entity_patch(http_req_t *r, db_t *db)
{
    char id[37];
    json_t *patch = NULL;
    if_match_t m;
    store_result_t res = {0};
    write_ctx_t ctx = write_ctx(r);
    bool ok = path_id(r, id) && no_query(r) && authz_entity(r->entity, ctx.who, true, req_err(r)) &&
              read_body(r, true, &patch) && validate_patch_keys(r->entity, patch, req_err(r)) &&
              read_if_match(r, &m) && db_ensure(db, req_err(r)) &&
              store_patch(db, r->entity, id, patch, m, &ctx, &res, req_err(r));
    json_decref(patch);
    if (!ok) {
        fail(r);
        return;
    }
    reply_entity(r, 200, &res);
}

void h_entity_delete(http_req_t *r, db_t *db)
{
    char id[37];
    if_match_t m;
    write_ctx_t ctx = write_ctx(r);
    if (!path_id(r, id) || !no_query(r) || !read_if_match(r, &m) || !db_ensure(db, req_err(r)) ||
        !store_delete(db, r->entity, id, m, &ctx, req_err(r))) {
        fail(r);
        return;
    }
    http_reply(r, 204, NULL, NULL, 0);
}

/* The conflicts are computed from declared relatives: whoever may not read
 * employees' relatives may not read them. */
static bool relatives_readable(http_req_t *r)
{
    const entity_t *e = registry_find("employees");
    const field_t *f = registry_field(e, "relatives");
    if (!authz_entity(e, &r->auth.who, false, req_err(r)))
        return false;
    if (f->read_roles & ROLE_BIT(r->auth.who.role))
        return true;
    err_set(req_err(r), ERR_FORBIDDEN, "The role %s may not read declared relatives.",
            ROLE_NAMES[r->auth.who.role]);
    return false;
}

/* An organization outside the caller's subtree is not found, as for GET. */
static bool org_visible(db_t *db, http_req_t *r, const char *id)
{
    if (store_in_scope(db, &r->auth.who, id, req_err(r)))
        return true;
    if (req_err(r)->kind == ERR_FORBIDDEN) {
        err_clear(req_err(r));
        err_set(req_err(r), ERR_NOT_FOUND, "No organizations with id %s.", id);
    }
    return false;
}

void h_relative_conflicts(http_req_t *r, db_t *db)
{
    char id[37];
    char *json = NULL;
    if (!path_id(r, id) || !no_query(r) || !relatives_readable(r) || !db_ensure(db, req_err(r)) ||
        !org_visible(db, r, id) || !org_relative_conflicts(db, id, &json, req_err(r))) {
        fail(r);
        return;
    }
    http_reply(r, 200, "application/json", json, strlen(json));
}

static bool parse_add(const char *s, int *out)
{
    char *end;
    if (!s || !*s || strlen(s) > 6)
        return false;
    long v = strtol(s, &end, 10);
    if (*end || v < -CALENDAR_MAX_ADD || v > CALENDAR_MAX_ADD)
        return false;
    *out = (int)v;
    return true;
}

void h_working_days(http_req_t *r, db_t *db)
{
    static const char *const ALLOWED[] = {"from", "add", NULL};
    const char *jur = r->params[0];
    app_error_t *err = req_err(r);
    qparams_t q;
    if (!query_parse(r->query, &q, err)) {
        fail(r);
        return;
    }
    query_only(&q, ALLOWED, err);
    if (strlen(jur) != 2 || !text_is_upper(jur))
        err_field(err, "jurisdiction", "format", "Must be an ISO 3166-1 alpha-2 code such as RU.");
    int32_t from = 0;
    int add = 0;
    const char *from_s = query_get(&q, "from"), *add_s = query_get(&q, "add");
    if (!from_s)
        err_field(err, "from", "required", "Is required.");
    else if (!text_parse_date(from_s, &from))
        err_field(err, "from", "invalid", "Must be a real date in the form YYYY-MM-DD.");
    if (!add_s)
        err_field(err, "add", "required", "Is required.");
    else if (!parse_add(add_s, &add))
        err_field(err, "add", "invalid", "Must be an integer from -%d to %d.",
                  CALENDAR_MAX_ADD, CALENDAR_MAX_ADD);
    query_free(&q);
    int32_t date;
    if (err->kind != ERR_NONE || !authz_entity(registry_find("calendars"), &r->auth.who, false, err) ||
        !db_ensure(db, err) || !calendar_store_add_working_days(db, jur, from, add, &date, err)) {
        fail(r);
        return;
    }
    char from_txt[11], date_txt[11];
    text_format_date(from, from_txt);
    text_format_date(date, date_txt);
    char *body;
    int len = asprintf(&body, "{\"jurisdiction\":\"%s\",\"from\":\"%s\",\"add\":%d,\"date\":\"%s\"}",
                       jur, from_txt, add, date_txt);
    if (len < 0)
        abort();
    http_reply(r, 200, "application/json", body, (size_t)len);
}

/* POST /v1/api-keys: the token is made here and shown in this answer only. */
void h_api_key_create(http_req_t *r, db_t *db)
{
    json_t *doc = NULL;
    store_result_t res = {0};
    char prefix[APIKEY_PREFIX_LEN + 1], token[APIKEY_TOKEN_LEN + 1];
    unsigned char hash[32];
    write_ctx_t ctx = write_ctx(r);
    bool ok = no_query(r) && authz_entity(r->entity, ctx.who, true, req_err(r));
    if (ok && http_req_header(r, "Idempotency-Key")) {
        /* A replay could not show the token again, so retrying is not safe
         * here: a client that lost the answer revokes and creates anew. */
        err_field(req_err(r), "Idempotency-Key", "unsupported",
                  "Not accepted here: the token is shown only once.");
        ok = false;
    }
    ok = ok && read_body(r, false, &doc) && validate_create(r->entity, doc, req_err(r)) &&
         db_ensure(db, req_err(r));
    if (ok && !apikey_generate(prefix, token, hash)) {
        err_set(req_err(r), ERR_INTERNAL, "No random bytes for a new key.");
        ok = false;
    }
    ok = ok && key_store_create(db, &ctx, doc, prefix, hash, &res, req_err(r));
    json_decref(doc);
    if (!ok) {
        fail(r);
        return;
    }
    /* The stored key plus its token, as the last member. */
    char *body;
    size_t n = strlen(res.json);
    if (asprintf(&body, "%.*s,\"token\":\"%s\"}", (int)(n - 1), res.json, token) < 0)
        abort();
    OPENSSL_cleanse(token, sizeof token);
    free(res.json);
    res.json = body;
    reply_entity(r, 201, &res);
}

/* DELETE /v1/api-keys/{id} revokes: the key stays listed with revoked_at. */
void h_api_key_revoke(http_req_t *r, db_t *db)
{
    char id[37];
    if_match_t m;
    write_ctx_t ctx = write_ctx(r);
    if (!path_id(r, id) || !no_query(r) || !read_if_match(r, &m) || !db_ensure(db, req_err(r)) ||
        !key_store_revoke(db, &ctx, id, m, req_err(r))) {
        fail(r);
        return;
    }
    http_reply(r, 204, NULL, NULL, 0);
}
