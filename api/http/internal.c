/* Requests made inside the process. The gRPC bridge answers a call by
 * making the REST request it stands for and running it through the same
 * route table, authentication and handlers: one implementation of every
 * rule, permission and audit entry, two transports. The head is built as
 * the server's parser leaves a parsed one, under the parser's own rules
 * for methods, targets, field names and values (http_parser.h), so an
 * internal request is exactly what a client could have sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../domain/textcheck.h"
#include "routes.h"
#include "server.h"

/* s[0..n) at *o as a C string; *o moves past it. */
static const char *put_str(char **o, const char *s, size_t n)
{
    char *p = *o;
    memcpy(p, s, n);
    p[n] = '\0';
    *o += n + 1;
    return p;
}

http_req_t *http_internal_new(const char *method, const char *target,
                              const char *const *headers, const char *body, size_t len,
                              const char *peer, const char *request_id)
{
    size_t mlen = strlen(method), tlen = strlen(target), need = mlen + tlen + 2, nh = 0;
    if (mlen >= sizeof ((http_req_t *)0)->method || !http_token_ok(method) ||
        !http_target_ok(target))
        return NULL;
    for (; headers && headers[2 * nh]; nh++)
        need += strlen(headers[2 * nh]) + strlen(headers[2 * nh + 1]) + 2;
    if (nh > HTTP_MAX_HEADERS)
        return NULL;
    http_req_t *r = calloc(1, sizeof *r);
    char *o = malloc(need);
    if (!r || !o)
        abort();
    r->route_index = -1;
    r->head_buf = o;
    r->head.method = put_str(&o, method, mlen);
    r->head.target = put_str(&o, target, tlen);
    r->head.minor_version = 1;
    for (size_t i = 0; i < nh; i++) {
        /* The value trimmed of surrounding whitespace, as the parser does. */
        const char *v = headers[2 * i + 1], *ve = v + strlen(v);
        while (*v == ' ' || *v == '\t')
            v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        http_header_t *h = &r->head.headers[r->head.nheaders++];
        h->name = put_str(&o, headers[2 * i], strlen(headers[2 * i]));
        h->value = put_str(&o, v, (size_t)(ve - v));
        if (!http_token_ok(h->name) || !http_field_value_ok(h->value)) {
            http_req_free(r);
            return NULL;
        }
    }
    memcpy(r->method, method, mlen + 1);
    r->path = (char *)r->head.target;
    r->query = strchr(r->path, '?');
    if (r->query)
        *r->query++ = '\0';
    text_copy(r->peer, sizeof r->peer, peer);
    text_copy(r->request_id, sizeof r->request_id, request_id);
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

bool http_internal_route(http_req_t *r, int *hint)
{
    char allow[128];
    r->route_index = routes_match_hinted(r, *hint, allow, sizeof allow);
    if (r->route_index >= 0) {
        *hint = r->route_index;
        return true;
    }
    if (allow[0]) {
        http_add_header(r, "Allow", allow);
        http_reply_kind(r, ERR_METHOD, "The method is not allowed on this resource.");
    } else {
        http_reply_kind(r, ERR_NOT_FOUND, "No such resource.");
    }
    return false;
}
