/* Operations routes: liveness, readiness, metrics, the OpenAPI document and
 * the Swagger UI, all open without credentials. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../storage/embedded.h"
#include "../../storage/migrate.h"
#include "metrics.h"
#include "routes.h"

static pool_t *POOL;

void ops_set_pool(pool_t *pool)
{
    POOL = pool;
}

void h_healthz(http_req_t *r, db_t *db)
{
    (void)db;
    static const char OK[] = "{\"status\":\"ok\"}";
    http_reply_static(r, 200, "application/json", OK, sizeof OK - 1);
}

/* Ready: the database answers and its schema is the one this build needs.
 * On a pool worker; /readyz and gRPC health (api/grpc/health.c) both ask. */
bool ops_database_ready(db_t *db, int *version, app_error_t *err)
{
    *version = 0;
    if (!db_ensure(db, err) || !migrate_current(db, version, err)) {
        err_set(err, ERR_UNAVAILABLE, "The database is unreachable.");
        return false;
    }
    if (*version != migrate_latest()) {
        err_set(err, ERR_UNAVAILABLE, "The database schema is at version %d; this build needs %d.",
                *version, migrate_latest());
        return false;
    }
    return true;
}

void h_readyz(http_req_t *r, db_t *db)
{
    app_error_t err;
    err_clear(&err);
    int version;
    if (!ops_database_ready(db, &version, &err)) {
        http_reply_error(r, &err);
        return;
    }
    char *body;
    int len = asprintf(&body, "{\"status\":\"ready\",\"database\":\"up\",\"schema_version\":%d}",
                       version);
    if (len < 0)
        abort();
    http_reply(r, 200, "application/json", body, (size_t)len);
}

static const char *METRICS_TOKEN;

void ops_set_metrics_token(const char *token)
{
    METRICS_TOKEN = token;
}

/* A scraper's static bearer token, compared in constant time (over the
 * longer of the two lengths, so the length is not probed byte by byte). */
static bool metrics_allowed(http_req_t *r)
{
    if (!METRICS_TOKEN)
        return true;
    const char *h = http_req_header(r, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return false;
    const char *t = h + 7;
    size_t a = strlen(t), b = strlen(METRICS_TOKEN), n = a > b ? a : b;
    unsigned char diff = a != b;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)((i < a ? t[i] : 0) ^ (i < b ? METRICS_TOKEN[i] : 0));
    return diff == 0;
}

void h_metrics(http_req_t *r, db_t *db)
{
    (void)db;
    if (!metrics_allowed(r)) {
        http_add_header(r, "WWW-Authenticate", "Bearer realm=\"probity-metrics\"");
        http_reply_kind(r, ERR_UNAUTHENTICATED, "/metrics needs the configured bearer token.");
        return;
    }
    size_t len;
    char *text = metrics_render(POOL, &len);
    http_reply(r, 200, "text/plain; version=0.0.4", text, len);
}

void h_openapi(http_req_t *r, db_t *db)
{
    (void)db;
    const embedded_file_t *f = &OPENAPI_FILES[0];
    http_reply_static(r, 200, "application/json", f->data, f->len);
}

static const char DOCS_HTML[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>Probity API</title>\n"
    "<link rel=\"stylesheet\" href=\"/docs/swagger-ui.css\">\n</head>\n<body>\n"
    "<div id=\"swagger-ui\" data-spec=\"/openapi.json\"></div>\n"
    "<script src=\"/docs/swagger-ui-bundle.js\"></script>\n"
    "<script src=\"/docs/swagger-ui-standalone-preset.js\"></script>\n"
    "<script src=\"/docs/init.js\"></script>\n</body>\n</html>\n";

/* Kept out of the HTML so a strict Content-Security-Policy can forbid
 * inline scripts later. */
static const char DOCS_INIT[] =
    "var root = document.getElementById('swagger-ui');\n"
    "window.ui = SwaggerUIBundle({url: root.dataset.spec, dom_id: '#swagger-ui',"
    " deepLinking: true, presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],"
    " layout: 'StandaloneLayout'});\n";

static struct {
    const char *name;
    const char *type;
    char *data;
    size_t len;
} ASSETS[] = {
    {"swagger-ui.css", "text/css; charset=utf-8", NULL, 0},
    {"swagger-ui-bundle.js", "text/javascript; charset=utf-8", NULL, 0},
    {"swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8", NULL, 0},
};
#define NASSETS (sizeof ASSETS / sizeof ASSETS[0])

bool ops_docs_load(const char *dir, char *msg, size_t msglen)
{
    for (size_t i = 0; i < NASSETS; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, ASSETS[i].name);
        FILE *f = fopen(path, "rb");
        if (!f) {
            snprintf(msg, msglen, "cannot read %s", path);
            return false;
        }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        ASSETS[i].data = malloc(n > 0 ? (size_t)n : 1);
        if (!ASSETS[i].data)
            abort();
        ASSETS[i].len = n > 0 ? fread(ASSETS[i].data, 1, (size_t)n, f) : 0;
        fclose(f);
    }
    return true;
}

void ops_docs_free(void)
{
    for (size_t i = 0; i < NASSETS; i++) {
        free(ASSETS[i].data);
        ASSETS[i].data = NULL;
    }
}

void h_docs(http_req_t *r, db_t *db)
{
    (void)db;
    http_reply_static(r, 200, "text/html; charset=utf-8", DOCS_HTML, sizeof DOCS_HTML - 1);
}

void h_docs_asset(http_req_t *r, db_t *db)
{
    (void)db;
    const char *name = r->params[0];
    if (strcmp(name, "init.js") == 0)
        return http_reply_static(r, 200, "text/javascript; charset=utf-8", DOCS_INIT,
                                 sizeof DOCS_INIT - 1);
    for (size_t i = 0; i < NASSETS; i++) {
        if (strcmp(ASSETS[i].name, name) != 0)
            continue;
        if (!ASSETS[i].data)
            {
        http_reply_kind(r, ERR_UNAVAILABLE,
                                   "The documentation assets are not installed on this server "
                                   "(set PROBITY_DOCS_DIR).");
        return;
    }
        http_add_header(r, "Cache-Control", "public, max-age=3600");
        {
        http_reply_static(r, 200, ASSETS[i].type, ASSETS[i].data, ASSETS[i].len);
        return;
    }
    }
    http_reply_kind(r, ERR_NOT_FOUND, "No such documentation file.");
}
