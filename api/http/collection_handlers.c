/* HTTP adapters for the collection workflow (seed 004): a receivable's
 * timeline, the steps due or late across a subtree, and the claim document
 * of a collection action. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../domain/collection.h"
#include "../../domain/query.h"
#include "../../domain/textcheck.h"
#include "../../jobs/clock.h"
#include "../../storage/collection_views.h"
#include "negotiate.h"
#include "routes.h"

static void answer(http_req_t *r, bool ok, char *json)
{
    if (ok)
        http_reply(r, 200, "application/json", json, strlen(json));
    else
        http_reply_error(r, req_err(r));
}

/* A YYYY-MM-DD parameter, or COLL_NO_DATE when absent. */
static bool read_day(http_req_t *r, const qparams_t *q, const char *name, int32_t *day)
{
    const char *v = query_get(q, name);
    *day = COLL_NO_DATE;
    if (v && !text_parse_date(v, day)) {
        err_field(req_err(r), name, "format", "Must be a date, YYYY-MM-DD.");
        return false;
    }
    return true;
}

static bool may_read(http_req_t *r, const char *entity)
{
    return authz_entity(registry_find(entity), &r->auth.who, false, req_err(r));
}

/* GET /v1/receivables/{id}/timeline[?as_of=YYYY-MM-DD] */
void h_receivable_timeline(http_req_t *r, db_t *db)
{
    static const char *const ALLOWED[] = {"as_of", NULL};
    char id[37];
    qparams_t q = {0};
    int32_t as_of = COLL_NO_DATE;
    char *json = NULL;
    bool ok = path_id(r, id) && query_parse(r->query, &q, req_err(r)) &&
              query_only(&q, ALLOWED, req_err(r)) && read_day(r, &q, "as_of", &as_of) &&
              may_read(r, "receivables") && db_ensure(db, req_err(r)) &&
              receivable_timeline(db, &r->auth.who, id, as_of, clock_now_us(), &json, req_err(r));
    query_free(&q);
    answer(r, ok, json);
}

/* GET /v1/collection-deadlines?organization_id=&due_before=&state=&limit=&cursor=
 * state: one of the step states; by default what needs doing (due, late). */
void h_collection_deadlines(http_req_t *r, db_t *db)
{
    static const char *const ALLOWED[] = {"organization_id", "due_before", "state", "limit",
                                          "cursor", NULL};
    app_error_t *err = req_err(r);
    qparams_t q = {0};
    list_query_t page;
    char root[37];
    int32_t before = COLL_NO_DATE;
    unsigned states = (1u << COLL_DUE) | (1u << COLL_LATE);
    char *json = NULL;
    bool ok = query_parse(r->query, &q, err);
    if (ok) {
        query_only(&q, ALLOWED, err);
        read_day(r, &q, "due_before", &before);
        const char *org = query_get(&q, "organization_id"), *state = query_get(&q, "state");
        if (org && !text_uuid_normalize(org, root))
            err_field(err, "organization_id", "format", "Must be a UUID.");
        if (state) {
            int s = 0;
            while (COLLECTION_STATE_NAMES[s] && strcmp(COLLECTION_STATE_NAMES[s], state) != 0)
                s++;
            if (!COLLECTION_STATE_NAMES[s])
                err_field(err, "state", "invalid",
                          "Must be one of not_yet, due, late, done_on_time, done_late, "
                          "not_needed.");
            else
                states = 1u << s;
        }
        /* After the others, so that one answer lists every parameter at fault. */
        ok = list_page_build(registry_find("receivables"), &q, &page, err) && err->kind == ERR_NONE;
        ok = ok && may_read(r, "receivables") && db_ensure(db, err) &&
             receivable_deadlines(db, &r->auth.who, org ? root : NULL, before, states, &page,
                                  clock_now_us(), &json, err);
    }
    query_free(&q);
    answer(r, ok, json);
}

/* GET /v1/collection-actions/{id}/document[?format=text|html]: the claim
 * as text or HTML, by ?format= or else by Accept. */
void h_claim_document(http_req_t *r, db_t *db)
{
    static const char *const ALLOWED[] = {"format", NULL};
    static const char *const NAMES[] = {"text", "html"};
    static const char *const MEDIA[] = {"text/plain", "text/html"};
    static const char *const TYPES[] = {"text/plain; charset=utf-8", "text/html; charset=utf-8"};
    app_error_t *err = req_err(r);
    char id[37], locale[3] = "";
    qparams_t q = {0};
    int f = -1;
    if (path_id(r, id) && query_parse(r->query, &q, err) && query_only(&q, ALLOWED, err)) {
        const char *name = query_get(&q, "format");
        if (name) {
            for (int i = 0; i < 2 && f < 0; i++)
                if (strcmp(NAMES[i], name) == 0)
                    f = i;
            if (f < 0)
                err_field(err, "format", "invalid", "Must be text or html.");
        } else if ((f = http_negotiate(http_req_header(r, "Accept"), MEDIA, 2)) < 0) {
            err_set(err, ERR_NOT_ACCEPTABLE,
                    "A claim is answered as text/plain or text/html (or ?format=).");
            http_add_header(r, "Vary", "Accept");
        }
    }
    query_free(&q);
    char *doc = NULL;
    size_t len = 0;
    if (err->kind != ERR_NONE || !may_read(r, "collection-actions") || !db_ensure(db, err) ||
        !collection_claim_document(db, &r->auth.who, id, f == 1, &doc, &len, locale, err)) {
        http_reply_error(r, err);
        return;
    }
    http_add_header(r, "Vary", "Accept");
    http_add_header(r, "Content-Language", locale);
    http_reply(r, 200, TYPES[f], doc, len);
}
