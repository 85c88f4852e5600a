/* Route table and matching. */
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const route_t STATIC_ROUTES[] = {
    {"GET", "/healthz", h_healthz, true, NULL},
    {"GET", "/readyz", h_readyz, false, NULL},
    {"GET", "/metrics", h_metrics, true, NULL},
    {"GET", "/openapi.json", h_openapi, true, NULL},
    {"GET", "/docs", h_docs, true, NULL},
    {"GET", "/docs/{asset}", h_docs_asset, true, NULL},
    {"GET", "/v1/organizations/{id}/relative-conflicts", h_relative_conflicts, false, NULL},
    {"GET", "/v1/calendars/{jurisdiction}/working-days", h_working_days, false, NULL},
};

/* Per entity: the REST surface of DESIGN §4. */
static const struct {
    const char *method;
    const char *suffix;
    route_fn fn;
} ENTITY_ROUTES[] = {
    {"GET", "", h_entity_list},          {"POST", "", h_entity_create},
    {"GET", "/{id}", h_entity_get},      {"PATCH", "/{id}", h_entity_patch},
    {"DELETE", "/{id}", h_entity_delete},
};

#define NSTATIC (sizeof STATIC_ROUTES / sizeof STATIC_ROUTES[0])
#define NPER (sizeof ENTITY_ROUTES / sizeof ENTITY_ROUTES[0])

static route_t *ROUTES;
static size_t NROUTES;

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
            char *pattern;
            if (asprintf(&pattern, "/v1/%s%s", REGISTRY[e]->name, ENTITY_ROUTES[i].suffix) < 0)
                abort();
            ROUTES[k++] = (route_t){ENTITY_ROUTES[i].method, pattern, ENTITY_ROUTES[i].fn, false,
                                    REGISTRY[e]};
        }
}

void routes_free(void)
{
    for (size_t i = NSTATIC; i < NROUTES; i++)
        free((char *)ROUTES[i].pattern);
    free(ROUTES);
    ROUTES = NULL;
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
        if (strcmp(ROUTES[i].method, method) == 0) {
            r->route = &ROUTES[i];
            r->entity = ROUTES[i].entity;
            memcpy(r->params, params, sizeof params);
            return (int)i;
        }
        size_t used = strlen(allow);
        snprintf(allow + used, allowlen - used, "%s%s", used ? ", " : "", ROUTES[i].method);
        if (strcmp(ROUTES[i].method, "GET") == 0 && strstr(allow, "HEAD") == NULL) {
            used = strlen(allow);
            snprintf(allow + used, allowlen - used, ", HEAD");
        }
    }
    return -1;
}
