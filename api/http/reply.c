/* Building responses: the helpers handlers use to set a response, and the
 * status reasons and Date header the connection code writes with them. */
#include "reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "problem.h"

const char *http_reason(int status)
{
    static const struct {
        int status;
        const char *text;
    } R[] = {{100, "Continue"},
             {200, "OK"},
             {201, "Created"},
             {204, "No Content"},
             {400, "Bad Request"},
             {401, "Unauthorized"},
             {403, "Forbidden"},
             {404, "Not Found"},
             {405, "Method Not Allowed"},
             {406, "Not Acceptable"},
             {408, "Request Timeout"},
             {409, "Conflict"},
             {411, "Length Required"},
             {412, "Precondition Failed"},
             {413, "Content Too Large"},
             {415, "Unsupported Media Type"},
             {422, "Unprocessable Content"},
             {429, "Too Many Requests"},
             {431, "Request Header Fields Too Large"},
             {500, "Internal Server Error"},
             {503, "Service Unavailable"},
             {505, "HTTP Version Not Supported"}};
    for (size_t i = 0; i < sizeof R / sizeof R[0]; i++)
        if (R[i].status == status)
            return R[i].text;
    return "Unknown";
}

void http_date(char out[40])
{
    static __thread time_t cached_at;
    static __thread char cached[40];
    time_t now = time(NULL);
    if (now != cached_at) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(cached, sizeof cached, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        cached_at = now;
    }
    memcpy(out, cached, 40);
}

void http_reply_reset(http_req_t *r)
{
    if (r->producer) /* set but never started: its state is still ours */
        r->producer->free(r->producer_state);
    r->producer = NULL;
    r->producer_state = NULL;
    if (!r->resp_static)
        free(r->resp_body);
    r->resp_body = NULL;
    r->resp_len = 0;
    r->resp_static = false;
}

void http_reply(http_req_t *r, int status, const char *content_type, char *body, size_t len)
{
    http_reply_reset(r);
    r->status = status;
    r->content_type = content_type;
    r->resp_body = body;
    r->resp_len = len;
}

void http_reply_stream(http_req_t *r, int status, const char *content_type,
                       const http_producer_t *p, void *state)
{
    http_reply_reset(r);
    r->status = status;
    r->content_type = content_type;
    r->producer = p;
    r->producer_state = state;
}

void http_reply_static(http_req_t *r, int status, const char *content_type, const char *body,
                       size_t len)
{
    http_reply_reset(r);
    r->status = status;
    r->content_type = content_type;
    r->resp_body = (char *)body;
    r->resp_len = len;
    r->resp_static = true;
}

void http_add_header(http_req_t *r, const char *name, const char *value)
{
    size_t used = strlen(r->resp_headers), nl = strlen(name), vl = strlen(value);
    if (used + nl + vl + 4 >= sizeof r->resp_headers)
        return;
    char *o = r->resp_headers + used;
    memcpy(o, name, nl);
    memcpy(o + nl, ": ", 2);
    memcpy(o + nl + 2, value, vl);
    memcpy(o + nl + 2 + vl, "\r\n", 3); /* and the NUL */
}

void http_reply_error(http_req_t *r, const app_error_t *e)
{
    size_t len;
    char *body = problem_render(e, r->path ? r->path : "", r->request_id, &len);
    http_reply(r, err_info(e->kind)->http_status, "application/problem+json", body, len);
}

void http_reply_kind(http_req_t *r, err_kind_t kind, const char *detail)
{
    app_error_t *e = calloc(1, sizeof *e);
    if (!e)
        abort();
    err_set(e, kind, "%s", detail);
    http_reply_error(r, e);
    free(e);
}

const char *http_req_header(const http_req_t *r, const char *name)
{
    return http_head_get(&r->head, name);
}
