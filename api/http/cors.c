/* CORS (Fetch standard §3.2). Credentials are bearer tokens in a header, not
 * cookies, so Access-Control-Allow-Credentials is never sent. */
#include "cors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CORS_MAX_ORIGINS 32

static char *ORIGINS[CORS_MAX_ORIGINS];
static size_t NORIGINS;
static bool ANY_ORIGIN;

/* What a browser may send and read beyond the CORS-safelisted headers. */
static const char ALLOW_HEADERS[] =
    "Authorization, Content-Type, If-Match, Idempotency-Key, X-Request-Id";
static const char EXPOSE_HEADERS[] =
    "ETag, Location, X-Request-Id, Idempotent-Replayed, Retry-After, Content-Disposition";

static bool is_origin(const char *s)
{
    const char *rest;
    if (strncmp(s, "https://", 8) == 0)
        rest = s + 8;
    else if (strncmp(s, "http://", 7) == 0)
        rest = s + 7;
    else
        return false;
    if (!*rest)
        return false;
    for (const char *p = rest; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
              *p == ':' || *p == '[' || *p == ']'))
            return false; /* lowercase host, optional port, no path */
    return true;
}

bool cors_configure(const char *list, char *msg, size_t msglen)
{
    cors_free();
    if (!list || !*list)
        return true;
    char *copy = strdup(list);
    if (!copy)
        abort();
    bool ok = true;
    char *save = NULL;
    for (char *o = strtok_r(copy, ",", &save); o && ok; o = strtok_r(NULL, ",", &save)) {
        while (*o == ' ')
            o++;
        size_t n = strlen(o);
        while (n && o[n - 1] == ' ')
            o[--n] = '\0';
        if (strcmp(o, "*") == 0) {
            ANY_ORIGIN = true;
        } else if (!is_origin(o) || NORIGINS == CORS_MAX_ORIGINS) {
            snprintf(msg, msglen,
                     "PROBITY_CORS_ORIGINS: '%s' is not an origin like https://app.example.org "
                     "(lowercase, no path; at most %d)",
                     o, CORS_MAX_ORIGINS);
            ok = false;
        } else if (!(ORIGINS[NORIGINS++] = strdup(o))) {
            abort();
        }
    }
    free(copy);
    if (!ok)
        cors_free();
    return ok;
}

void cors_free(void)
{
    for (size_t i = 0; i < NORIGINS; i++)
        free(ORIGINS[i]);
    NORIGINS = 0;
    ANY_ORIGIN = false;
}

static bool origin_allowed(const char *origin)
{
    if (!origin)
        return false;
    if (ANY_ORIGIN)
        return true;
    for (size_t i = 0; i < NORIGINS; i++)
        if (strcmp(ORIGINS[i], origin) == 0)
            return true;
    return false;
}

void cors_decorate(http_req_t *r)
{
    const char *origin = http_req_header(r, "Origin");
    if (!origin_allowed(origin))
        return;
    http_add_header(r, "Access-Control-Allow-Origin", ANY_ORIGIN ? "*" : origin);
    if (!ANY_ORIGIN)
        http_add_header(r, "Vary", "Origin");
    if (strcmp(r->method, "OPTIONS") != 0)
        http_add_header(r, "Access-Control-Expose-Headers", EXPOSE_HEADERS);
}

static bool method_listed(const char *allow, const char *method)
{
    size_t n = strlen(method);
    for (const char *p = allow; (p = strstr(p, method)) != NULL; p += n)
        if ((p == allow || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
            return true;
    return false;
}

void cors_options(http_req_t *r, const char *allow)
{
    const char *origin = http_req_header(r, "Origin");
    const char *want = http_req_header(r, "Access-Control-Request-Method");
    http_add_header(r, "Allow", allow);
    if (!origin || !want) {
        http_reply(r, 204, NULL, NULL, 0);
        return;
    }
    if (!origin_allowed(origin) || !method_listed(allow, want)) {
        http_reply_kind(r, ERR_FORBIDDEN,
                        origin_allowed(origin)
                            ? "This resource does not support the requested method."
                            : "This origin may not call the API from a browser.");
        return;
    }
    http_add_header(r, "Access-Control-Allow-Methods", allow);
    http_add_header(r, "Access-Control-Allow-Headers", ALLOW_HEADERS);
    http_add_header(r, "Access-Control-Max-Age", "600");
    http_reply(r, 204, NULL, NULL, 0);
}
