/* Route table and matching. */
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const route_t STATIC_ROUTES[] = {
    {"GET", "/healthz", h_healthz, true, NULL, false},
    {"GET", "/readyz", h_readyz, false, NULL, false},
    {"GET", "/metrics", h_metrics, true, NULL, false},
    {"GET", "/openapi.json", h_openapi, true, NULL, false},
    {"GET", "/docs", h_docs, true, NULL, false},
    {"GET", "/docs/{asset}", h_docs_asset, true, NULL, false},
    {"GET", "/v1/organizations/{id}/relative-conflicts", h_relative_conflicts, false, NULL, false},
    {"GET", "/v1/calendars/{jurisdiction}/working-days", h_working_days, false, NULL, false},
    {"GET", "/v1/organizations/{id}/disclosure-compliance", h_disclosure_compliance, false, NULL,
     false},
    {"GET", "/v1/disclosure-compliance", h_disclosure_board, false, NULL, false},
    {"GET", "/v1/jobs", h_jobs, false, NULL, false},
    {"POST", "/v1/jobs/{kind}/runs", h_job_run, false, NULL, false},
    {"POST", "/v1/notifications/{id}/resend", h_notification_resend, false, NULL, false},
    {"GET", "/v1/receivables/{id}/timeline", h_receivable_timeline, false, NULL, false},
    {"GET", "/v1/collection-deadlines", h_collection_deadlines, false, NULL, false},
    {"GET", "/v1/collection-actions/{id}/document", h_claim_document, false, NULL, false},
};

/* Per entity: the REST surface of DESIGN §4. */
static const struct {
    const char *method;
    const char *suffix;
    unsigned op;
    route_fn fn;
} ENTITY_ROUTES[] = {
    {"GET", "", OP_LIST, h_entity_list},          {"POST", "", OP_CREATE, h_entity_create},
    {"GET", "/{id}", OP_GET, h_entity_get},       {"PATCH", "/{id}", OP_PATCH, h_entity_patch},
    {"DELETE", "/{id}", OP_DELETE, h_entity_delete},
};

/* Entities whose writes are not the generic ones. */
static const struct {
    const char *entity;
    unsigned op;
    route_fn fn;
} OWN_HANDLERS[] = {
    {"api-keys", OP_CREATE, h_api_key_create},
    {"api-keys", OP_DELETE, h_api_key_revoke},
    {"reports", OP_GET, h_report_get},
};

static route_fn own_handler(const entity_t *e, unsigned op, route_fn generic)
{
    for (size_t i = 0; i < sizeof OWN_HANDLERS / sizeof OWN_HANDLERS[0]; i++)
        if (OWN_HANDLERS[i].op == op && strcmp(OWN_HANDLERS[i].entity, e->name) == 0)
            return OWN_HANDLERS[i].fn;
    return generic;
}

#define NSTATIC (sizeof STATIC_ROUTES / sizeof STATIC_ROUTES[0])
#define NPER (sizeof ENTITY_ROUTES / sizeof ENTITY_ROUTES[0])

static route_t *ROUTES;
static size_t NROUTES;
/* SOLE[i]: no earlier route of the same method matches any path that route
 * i matches, so a path route i matches is route i's, with no scan. */
static bool *SOLE;

bool routes_patterns_overlap(const char *a, const char *b)
{
    while (*a && *b) {
        const char *ae = strchr(a + 1, '/'), *be = strchr(b + 1, '/');
        size_t al = ae ? (size_t)(ae - a) : strlen(a), bl = be ? (size_t)(be - b) : strlen(b);
        if (a[1] != '{' && b[1] != '{' && (al != bl || memcmp(a, b, al) != 0))
            return false;
        a += al;
        b += bl;
    }
    return *a == '\0' && *b == '\0';
}

void routes_init(void)
{
    NROUTES = NSTATIC + REGISTRY_COUNT * NPER;
    ROUTES = calloc(NROUTES, sizeof *ROUTES);
    if (!ROUTES)
        abort();
    memcpy(ROUTES, STATIC_ROUTES, sizeof STATIC_ROUTES);
    size_t k = NSTATIC;
    for (size_t e = 0; e < REGISTRY_COUNT; e++)
        for (size_t i = 0; i < NPER; i++) {
            if (!(REGISTRY[e]->ops & ENTITY_ROUTES[i].op))
                continue;
            char *pattern;
            if (asprintf(&pattern, "/v1/%s%s", REGISTRY[e]->name, ENTITY_ROUTES[i].suffix) < 0)
                abort();
            ROUTES[k++] = (route_t){ENTITY_ROUTES[i].method, pattern,
                                    own_handler(REGISTRY[e], ENTITY_ROUTES[i].op, ENTITY_ROUTES[i].fn),
                                    false, REGISTRY[e], false};
        }
    NROUTES = k;
    /* Everything under /v1 is data: it needs credentials. Health, metrics,
     * the spec and the docs stay open. */
    for (size_t i = 0; i < NROUTES; i++)
        ROUTES[i].auth = strncmp(ROUTES[i].pattern, "/v1/", 4) == 0;
    SOLE = calloc(NROUTES, sizeof *SOLE);
    if (!SOLE)
        abort();
    for (size_t i = 0; i < NROUTES; i++) {
        SOLE[i] = true;
        for (size_t j = 0; j < i && SOLE[i]; j++)
            SOLE[i] = strcmp(ROUTES[j].method, ROUTES[i].method) != 0 ||
                      !routes_patterns_overlap(ROUTES[j].pattern, ROUTES[i].pattern);
    }
}

void routes_free(void)
{
    for (size_t i = NSTATIC; i < NROUTES; i++)
        free((char *)ROUTES[i].pattern);
    free(ROUTES);
    ROUTES = NULL;
    free(SOLE);
    SOLE = NULL;
}

size_t routes_count(void)
{
    return NROUTES;
}

const route_t *routes_get(size_t i)
{
    return &ROUTES[i];
}

/* Segment-wise match; "{x}" takes one non-empty segment into params. */
static bool match_path(const char *pattern, const char *path, char params[][64])
{
    int np = 0;
    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/')
            return false;
        pattern++;
        path++;
        const char *pe = strchr(pattern, '/');
        const char *se = strchr(path, '/');
        size_t pl = pe ? (size_t)(pe - pattern) : strlen(pattern);
        size_t sl = se ? (size_t)(se - path) : strlen(path);
        if (pattern[0] == '{') {
            if (sl == 0 || sl >= 64 || np >= HTTP_MAX_PARAMS)
                return false;
            memcpy(params[np], path, sl);
            params[np][sl] = '\0';
            np++;
        } else if (pl != sl || memcmp(pattern, path, sl) != 0) {
            return false;
        }
        pattern += pl;
        path += sl;
    }
    return *pattern == '\0' && *path == '\0';
}

static int take(http_req_t *r, size_t i, char params[][64])
{
    r->route = &ROUTES[i];
    r->entity = ROUTES[i].entity;
    memcpy(r->params, params, sizeof r->params);
    return (int)i;
}

int routes_match_hinted(http_req_t *r, int hint, char *allow, size_t allowlen)
{
    char params[HTTP_MAX_PARAMS][64];
    if (hint >= 0 && (size_t)hint < NROUTES && SOLE[hint] &&
        strcmp(ROUTES[hint].method, r->method) == 0 &&
        match_path(ROUTES[hint].pattern, r->path, params)) {
        allow[0] = '\0';
        return take(r, (size_t)hint, params);
    }
    return routes_match(r, allow, allowlen);
}

int routes_match(http_req_t *r, char *allow, size_t allowlen)
{
    allow[0] = '\0';
    const char *method = r->method;
    if (strcmp(method, "HEAD") == 0) {
        method = "GET";
        r->head_only = true;
    }
    char params[HTTP_MAX_PARAMS][64];
    for (size_t i = 0; i < NROUTES; i++) {
        if (!match_path(ROUTES[i].pattern, r->path, params))
            continue;
        if (strcmp(ROUTES[i].method, method) == 0)
            return take(r, i, params);
        size_t used = strlen(allow);
        snprintf(allow + used, allowlen - used, "%s%s", used ? ", " : "", ROUTES[i].method);
        if (strcmp(ROUTES[i].method, "GET") == 0 && strstr(allow, "HEAD") == NULL) {
            used = strlen(allow);
            snprintf(allow + used, allowlen - used, ", HEAD");
        }
    }
    return -1;
}
