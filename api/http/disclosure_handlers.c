/* HTTP adapters for transparency compliance: one organization's items for
 * a period, and the board of a subtree. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../domain/query.h"
#include "../../domain/textcheck.h"
#include "../../storage/disclosure_store.h"
#include "routes.h"

/* ?period= (required) and ?as_of= (an RFC 3339 instant, default now),
 * plus whatever else `allowed` lists; false with the errors in r->err. */
static bool read_period(http_req_t *r, const char *const *allowed, qparams_t *q, period_t *p,
                        char as_of[40])
{
    app_error_t *err = req_err(r);
    if (!query_parse(r->query, q, err))
        return false;
    query_only(q, allowed, err);
    const char *period = query_get(q, "period"), *at = query_get(q, "as_of");
    if (!period)
        err_field(err, "period", "required", "Is required: a month (2026-10) or a quarter (2026-Q3).");
    else if (!period_parse(period, p))
        err_field(err, "period", "invalid", "Must be a month (2026-10) or a quarter (2026-Q3).");
    if (at && (strlen(at) >= 40 || !text_is_timestamp(at)))
        err_field(err, "as_of", "invalid", "Must be an RFC 3339 timestamp.");
    else if (at)
        strcpy(as_of, at);
    else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(as_of, 40, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    return err->kind == ERR_NONE;
}

static void answer(http_req_t *r, bool ok, char *json)
{
    if (!ok) {
        http_reply_error(r, req_err(r));
        return;
    }
    http_reply(r, 200, "application/json", json, strlen(json));
}

void h_disclosure_compliance(http_req_t *r, db_t *db)
{
    static const char *const ALLOWED[] = {"period", "as_of", NULL};
    char id[37], as_of[40];
    qparams_t q = {0};
    period_t p;
    char *json = NULL;
    bool ok = path_id(r, id) && read_period(r, ALLOWED, &q, &p, as_of) &&
              authz_entity(registry_find("disclosures"), &r->auth.who, false, req_err(r)) &&
              db_ensure(db, req_err(r)) &&
              disclosure_compliance(db, &r->auth.who, id, &p, as_of, &json, req_err(r));
    query_free(&q);
    answer(r, ok, json);
}

void h_disclosure_board(http_req_t *r, db_t *db)
{
    static const char *const ALLOWED[] = {"period", "as_of", "organization_id", "limit", "cursor",
                                          NULL};
    char as_of[40], root[37];
    qparams_t q = {0};
    period_t p;
    list_query_t page;
    char *json = NULL;
    bool ok = read_period(r, ALLOWED, &q, &p, as_of);
    const char *org = query_get(&q, "organization_id");
    if (org && !text_uuid_normalize(org, root)) {
        err_field(req_err(r), "organization_id", "format", "Must be a UUID.");
        ok = false;
    }
    /* After read_period, so that one answer lists every parameter at fault. */
    ok = list_page_build(registry_find("disclosures"), &q, &page, req_err(r)) && ok;
    ok = ok && authz_entity(registry_find("disclosures"), &r->auth.who, false, req_err(r)) &&
         db_ensure(db, req_err(r)) &&
         disclosure_board(db, &r->auth.who, org ? root : NULL, &p, as_of, &page, &json, req_err(r));
    query_free(&q);
    answer(r, ok, json);
}
