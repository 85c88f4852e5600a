/* Requests made inside the process. The gRPC bridge answers a call by
 * making the REST request it stands for and running it through the same
 * route table, authentication and handlers: one implementation of every
 * rule, permission and audit entry, two transports. The head is written as
 * HTTP/1.1 text and parsed by the server's own parser, so an internal
 * request is exactly what a client could have sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../domain/strbuf.h"
#include "routes.h"
#include "server.h"

/* A header value a client could not send in HTTP/1.1 (a CR, LF or NUL would
 * split or end the line): metadata values are the caller's text. */
static bool line_safe(const char *s)
{
    return strpbrk(s, "\r\n") == NULL;
}

/* s (or "" for NULL) into out, cut to fit. */
static void copy_text(char *out, size_t outlen, const char *s)
{
    size_t n = s ? strnlen(s, outlen - 1) : 0;
    if (n)
        memcpy(out, s, n);
    out[n] = '\0';
}

http_req_t *http_internal_new(const char *method, const char *target,
                              const char *const *headers, const char *body, size_t len,
                              const char *peer, const char *request_id)
{
    if (!line_safe(method) || !line_safe(target) || strchr(target, ' ') || strchr(method, ' '))
        return NULL;
    /* Appended, not printed: this runs once per gRPC call on the loop. */
    strbuf_t h = {0};
    size_t mlen = strlen(method), tlen = strlen(target), need = mlen + tlen + 13;
    if (mlen >= sizeof ((http_req_t *)0)->method)
        return NULL;
    for (size_t i = 0; headers && headers[i]; i += 2)
        need += strlen(headers[i]) + strlen(headers[i + 1]) + 4;
    strbuf_reserve(&h, need);
    strbuf_append(&h, method, mlen);
    strbuf_append(&h, " ", 1);
    strbuf_append(&h, target, tlen);
    strbuf_append(&h, " HTTP/1.1\r\n", 11);
    for (size_t i = 0; headers && headers[i]; i += 2) {
        if (!line_safe(headers[i]) || !line_safe(headers[i + 1])) {
            free(h.s);
            return NULL;
        }
        strbuf_append(&h, headers[i], strlen(headers[i]));
        strbuf_append(&h, ": ", 2);
        strbuf_append(&h, headers[i + 1], strlen(headers[i + 1]));
        strbuf_append(&h, "\r\n", 2);
    }
    strbuf_append(&h, "\r\n", 2);
    http_req_t *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    r->route_index = -1;
    r->head_buf = h.s;
    if (http_parse_head(h.s, h.len, &r->head) != HP_OK) {
        http_req_free(r);
        return NULL;
    }
    memcpy(r->method, method, mlen + 1);
    r->path = (char *)r->head.target;
    r->query = strchr(r->path, '?');
    if (r->query)
        *r->query++ = '\0';
    copy_text(r->peer, sizeof r->peer, peer);
    copy_text(r->request_id, sizeof r->request_id, request_id);
    if (len) {
        r->body = malloc(len + 1);
        if (!r->body)
            abort();
        memcpy(r->body, body, len);
        r->body[len] = '\0';
        r->body_len = len;
    }
    return r;
}

bool http_internal_route(http_req_t *r)
{
    char allow[128];
    r->route_index = routes_match(r, allow, sizeof allow);
    if (r->route_index >= 0)
        return true;
    if (allow[0]) {
        http_add_header(r, "Allow", allow);
        http_reply_kind(r, ERR_METHOD, "The method is not allowed on this resource.");
    } else {
        http_reply_kind(r, ERR_NOT_FOUND, "No such resource.");
    }
    return false;
}
