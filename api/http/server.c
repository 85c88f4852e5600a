/* Connection handling. A connection holds at most one request at a time:
 * while its handler runs, reading stops, so pipelined input waits in the
 * socket instead of in our memory. A connection whose peer vanished while a
 * handler ran is only marked dead and freed when the handler comes back. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../domain/textcheck.h"
#include "../../storage/log.h"
#include "conn.h"
#include "cors.h"
#include "metrics.h"
#include "reply.h"
#include "routes.h"

uint64_t http_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* --------------------------------------------------------------- lifecycle */

void http_req_free(http_req_t *r)
{
    if (!r)
        return;
    stream_free(r);
    http_reply_reset(r);
    free(r->head_buf);
    free(r->body);
    free(r->err);
    free(r);
}

static http_req_t *req_new(http_conn_t *c)
{
    http_req_t *r = calloc(1, sizeof *r);
    if (!r)
        abort(); /* out of memory is fatal: see README, Operations */
    r->conn = c;
    r->route_index = -1;
    r->start_ns = http_now_ns();
    r->keep_alive = true;
    return r;
}

void conn_free(http_conn_t *c)
{
    http_server_t *srv = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->nconns--;
    if (c->bev)
        bufferevent_free(c->bev);
    c->bev = NULL; /* req_free's stream must not touch it */
    if (c->timer)
        event_free(c->timer);
    http_req_free(c->req);
    free(c);
    if (srv->shutting_down && srv->nconns == 0)
        event_base_loopbreak(srv->base);
}

/* The one teardown path: safe from any callback of c, because a connection
 * with a handler (or a stream's part) in flight is only marked dead here. */
void conn_close(http_conn_t *c)
{
    if (c->state == CS_HANDLING || (c->state == CS_STREAMING && stream_busy(c->req))) {
        c->dead = true;
        if (c->bev) {
            bufferevent_free(c->bev);
            c->bev = NULL;
        }
        event_del(c->timer);
        return;
    }
    conn_free(c);
}

void conn_arm_timer(http_conn_t *c, int seconds)
{
    struct timeval tv = {seconds, 0};
    evtimer_add(c->timer, &tv);
}

static void make_request_id(http_req_t *r)
{
    const char *given = http_head_get(&r->head, "X-Request-Id");
    if (given && text_is_request_id(given)) {
        memcpy(r->request_id, given, strlen(given) + 1);
        return;
    }
    http_server_t *srv = r->conn->srv;
    snprintf(r->request_id, sizeof r->request_id, "%s-%012llx", srv->id_prefix,
             (unsigned long long)++srv->id_counter);
}

/* The request line of the log, written by hand: it is on the hot path, and
 * every field is already known to be plain printable ASCII except the path,
 * whose '"' and '\\' are escaped here (the parser refused controls and
 * non-ASCII bytes in the target). */
void http_log_request(http_req_t *r, size_t bytes, double secs)
{
    log_line_t l;
    log_line_begin(&l, "request");
    log_line_str(&l, "request_id", r->request_id);
    log_line_str(&l, "method", r->method[0] ? r->method : "-");
    log_line_str(&l, "path", r->path);
    log_line_int(&l, "status", r->status);
    log_line_ms(&l, "duration_ms", (unsigned long long)(secs * 1e6 + 0.5));
    log_line_int(&l, "bytes", (long long)bytes);
    log_line_str(&l, "client", r->conn->peer);
    log_line_end(&l, "info");
}

static void body_cleanup(const void *data, size_t len, void *arg)
{
    (void)len;
    (void)arg;
    free((void *)data);
}

static void try_next(http_conn_t *c);

void conn_write_head(http_conn_t *c, http_req_t *r, const char *framing)
{
    char date[40];
    http_date(date);
    struct evbuffer *out = bufferevent_get_output(c->bev);
    bool body_allowed = r->status != 204 && r->status != 304;
    evbuffer_add_printf(out,
                        "HTTP/1.1 %d %s\r\nDate: %s\r\nX-Request-Id: %s\r\n%s%s%s",
                        r->status, http_reason(r->status), date, r->request_id,
                        r->keep_alive ? "" : "Connection: close\r\n", r->resp_headers,
                        body_allowed ? "" : "\r\n");
    if (body_allowed)
        evbuffer_add_printf(out, "Content-Type: %s\r\n%s\r\n",
                            r->content_type ? r->content_type : "application/json", framing);
}

void conn_response_queued(http_conn_t *c)
{
    http_server_t *srv = c->srv;
    bool keep = c->req->keep_alive && !srv->shutting_down && !c->peer_eof;
    http_req_free(c->req);
    c->req = NULL;
    if (!keep) {
        c->state = CS_WRITING_LAST;
        bufferevent_disable(c->bev, EV_READ);
        conn_arm_timer(c, srv->cfg->request_timeout_s); /* a peer that never reads */
        return; /* write_cb closes once the output has drained */
    }
    c->state = CS_IDLE;
    conn_arm_timer(c, srv->cfg->idle_timeout_s);
    if (!c->parsing)
        try_next(c); /* pipelined input is already buffered; nothing will wake us for it */
}

/* Writes r's response and moves the connection on: to the next pipelined
 * request, or to closing. A streamed response goes on in stream.c. */
static void send_response(http_conn_t *c)
{
    http_req_t *r = c->req;
    http_server_t *srv = c->srv;
    if (srv->shutting_down || c->peer_eof)
        r->keep_alive = false;
    if (!r->request_id[0])
        make_request_id(r);
    if (r->status == 0)
        http_reply_kind(r, ERR_INTERNAL, "The handler produced no response.");
    cors_decorate(r);
    if (r->producer) {
        stream_begin(c);
        return;
    }
    bool body_allowed = r->status != 204 && r->status != 304;
    char framing[48];
    snprintf(framing, sizeof framing, "Content-Length: %zu\r\n", r->resp_len);
    conn_write_head(c, r, framing);
    if (body_allowed && !r->head_only && r->resp_len) {
        /* No copy: the output buffer takes the body and frees it once sent. */
        evbuffer_add_reference(bufferevent_get_output(c->bev), r->resp_body, r->resp_len,
                               r->resp_static ? NULL : body_cleanup, NULL);
        r->resp_body = NULL;
    }
    double secs = (double)(http_now_ns() - r->start_ns) / 1e9;
    metrics_observe(r->route_index, r->status, secs);
    http_log_request(r, body_allowed ? r->resp_len : 0, secs);
    conn_response_queued(c);
}

void conn_send_response(http_conn_t *c)
{
    send_response(c);
}

/* When a request fails before its head is complete (408, 431), its request
 * line may still have arrived: recover method and path from the buffered
 * bytes, for the problem's instance and the log. */
static void peek_request_line(http_conn_t *c)
{
    http_req_t *r = c->req;
    if (r->path || !c->bev)
        return;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    struct evbuffer_ptr eol = evbuffer_search(in, "\r\n", 2, NULL);
    if (eol.pos <= 0 || (size_t)eol.pos > c->srv->cfg->head_limit)
        return;
    char *line = malloc((size_t)eol.pos + 1);
    if (!line)
        abort();
    evbuffer_copyout(in, line, (size_t)eol.pos);
    line[eol.pos] = '\0';
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || sp1 - line >= (long)sizeof r->method || sp1[1] != '/') {
        free(line);
        return;
    }
    *sp1 = *sp2 = '\0';
    snprintf(r->method, sizeof r->method, "%s", line);
    char *q = strchr(sp1 + 1, '?');
    if (q)
        *q = '\0';
    free(r->head_buf);
    r->head_buf = line;
    r->path = sp1 + 1;
}

/* Answers an error found while reading a request and closes afterwards: the
 * rest of the input can no longer be framed. */
static void fail_request(http_conn_t *c, err_kind_t kind, const char *detail)
{
    if (!c->req)
        c->req = req_new(c);
    peek_request_line(c);
    if (!c->req->request_id[0])
        make_request_id(c->req);
    c->req->keep_alive = false;
    http_reply_kind(c->req, kind, detail);
    send_response(c);
}

const char *http_req_peer(const http_req_t *r)
{
    return r->conn ? r->conn->peer : r->peer;
}

/* ------------------------------------------------------------- dispatching */

static http_req_t *job_req(pool_job_t *job)
{
    return (http_req_t *)((char *)job - offsetof(http_req_t, job));
}

void http_req_prepare(db_t *db, http_req_t *r)
{
    auth_begin(db, &r->auth, http_req_header(r, "Authorization"),
               http_head_count(&r->head, "Authorization"));
}

/* RFC 6750 §3: the challenge, with error="invalid_token" when a token was
 * presented and refused. */
static void reply_unauthenticated(http_req_t *r)
{
    http_add_header(r, "WWW-Authenticate",
                    r->auth.token_given ? "Bearer realm=\"probity\", error=\"invalid_token\""
                                        : "Bearer realm=\"probity\"");
    http_reply_error(r, r->err);
}

void http_req_run(db_t *db, http_req_t *r)
{
    if (r->route->auth) {
        unsigned retry = 0;
        app_error_t err; /* a worker's stack; r->err is allocated only on failure */
        err_clear(&err);
        if (!auth_end(db, &r->auth, r->request_id, &err, &retry)) {
            r->err = malloc(sizeof *r->err);
            if (!r->err)
                abort();
            *r->err = err;
            if (err.kind == ERR_UNAUTHENTICATED) {
                reply_unauthenticated(r);
                return;
            }
            if (retry) {
                char v[16];
                snprintf(v, sizeof v, "%u", retry);
                http_add_header(r, "Retry-After", v);
            }
            http_reply_error(r, r->err);
            return;
        }
    }
    r->route->fn(r, db);
}

static void job_prepare(db_t *db, pool_job_t *job)
{
    http_req_prepare(db, job_req(job));
}

static void job_run(db_t *db, pool_job_t *job)
{
    http_req_run(db, job_req(job));
}

static void job_done(pool_job_t *job)
{
    http_req_t *r = (http_req_t *)((char *)job - offsetof(http_req_t, job));
    http_conn_t *c = r->conn;
    c->srv->inflight--;
    if (c->dead) {
        metrics_observe(r->route_index, 499, (double)(http_now_ns() - r->start_ns) / 1e9);
        conn_free(c);
        return;
    }
    send_response(c);
}

static void dispatch(http_conn_t *c)
{
    http_req_t *r = c->req;
    c->state = CS_HANDLING;
    event_del(c->timer);
    char allow[64] = "";
    r->route_index = routes_match(r, allow, sizeof allow);
    if (r->route_index < 0) {
        if (allow[0] && strcmp(r->method, "OPTIONS") == 0) {
            cors_options(r, allow);
        } else if (allow[0]) {
            http_add_header(r, "Allow", allow);
            http_reply_kind(r, ERR_METHOD, "This resource does not support the method.");
        } else {
            http_reply_kind(r, ERR_NOT_FOUND, "No such resource.");
        }
        send_response(c);
        return;
    }
    if (r->route->on_loop) {
        r->route->fn(r, NULL);
        send_response(c);
        return;
    }
    r->job.prepare = r->route->auth ? job_prepare : NULL;
    r->job.run = job_run;
    r->job.done = job_done;
    if (!pool_submit(c->srv->pool, &r->job)) {
        http_reply_kind(r, ERR_UNAVAILABLE, "The server is overloaded; retry later.");
        send_response(c);
        return;
    }
    c->srv->inflight++;
}

static bool parse_content_length(const char *s, size_t *out)
{
    if (!*s || strlen(s) > 15)
        return false;
    size_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (size_t)(*s - '0');
    }
    *out = v;
    return true;
}

/* Called with a complete head in head_buf; decides how the body is framed. */
static void begin_request(http_conn_t *c, char *head_buf, size_t len)
{
    http_req_t *r = c->req;
    r->head_buf = head_buf;
    http_parse_result_t pr = http_parse_head(head_buf, len, &r->head);
    if (pr == HP_TOO_MANY) {
        fail_request(c, ERR_HEADERS_TOO_LARGE, "Too many header fields.");
        return;
    }
    if (pr != HP_OK) {
        fail_request(c, ERR_MALFORMED,
                     pr == HP_BAD_VERSION ? "Only HTTP/1.0 and HTTP/1.1 are served here."
                                          : "The request line or a header field is malformed.");
        return;
    }
    make_request_id(r);
    snprintf(r->method, sizeof r->method, "%s", strlen(r->head.method) < 8 ? r->head.method : "?");
    r->path = (char *)r->head.target;
    r->query = strchr(r->path, '?');
    if (r->query)
        *r->query++ = '\0';
    const char *conn_hdr = http_head_get(&r->head, "Connection");
    if (r->head.minor_version == 0)
        r->keep_alive = conn_hdr && strcasecmp(conn_hdr, "keep-alive") == 0;
    else
        r->keep_alive = !(conn_hdr && strcasecmp(conn_hdr, "close") == 0);
    if (http_head_count(&r->head, "Host") > 1) {
        fail_request(c, ERR_MALFORMED, "More than one Host header field.");
        return;
    }
    if (http_head_get(&r->head, "Transfer-Encoding")) {
        fail_request(c, ERR_LENGTH_REQUIRED,
                     "Chunked request bodies are not accepted; send Content-Length.");
        return;
    }
    size_t clen = 0;
    const char *cl = http_head_get(&r->head, "Content-Length");
    if (cl && (http_head_count(&r->head, "Content-Length") > 1 || !parse_content_length(cl, &clen))) {
        fail_request(c, ERR_MALFORMED, "Content-Length is not a single decimal number.");
        return;
    }
    if (clen > c->srv->cfg->body_limit) {
        char detail[96];
        snprintf(detail, sizeof detail, "The body may be at most %zu bytes.", c->srv->cfg->body_limit);
        fail_request(c, ERR_TOO_LARGE, detail);
        return;
    }
    c->body_expected = clen;
    if (clen == 0) {
        dispatch(c);
        return;
    }
    bufferevent_setwatermark(c->bev, EV_READ, 0, clen + c->srv->cfg->head_limit + 1);
    const char *expect = http_head_get(&r->head, "Expect");
    if (expect && strcasecmp(expect, "100-continue") == 0 && r->head.minor_version == 1)
        evbuffer_add_printf(bufferevent_get_output(c->bev), "HTTP/1.1 100 Continue\r\n\r\n");
    c->state = CS_BODY;
}

/* Frames at most one request from the buffered input; returns true when a
 * request was completed and answered inline, so the caller may look for the
 * next pipelined one. */
static bool parse_one(http_conn_t *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t avail = evbuffer_get_length(in);
    const http_config_t *cfg = c->srv->cfg;

    if (c->state == CS_IDLE) {
        if (avail == 0)
            return false;
        c->state = CS_HEAD;
        c->req = req_new(c);
        conn_arm_timer(c, cfg->request_timeout_s); /* the whole request, however slowly it trickles */
    }
    if (c->state == CS_HEAD) {
        struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
        if (end.pos < 0) {
            if (avail > cfg->head_limit)
                fail_request(c, ERR_HEADERS_TOO_LARGE, "The request head is too large.");
            return false;
        }
        size_t head_len = (size_t)end.pos + 4;
        if (head_len > cfg->head_limit) {
            fail_request(c, ERR_HEADERS_TOO_LARGE, "The request head is too large.");
            return false;
        }
        char *head = malloc(head_len + 1);
        if (!head)
            abort();
        evbuffer_remove(in, head, head_len);
        head[head_len] = '\0';
        begin_request(c, head, head_len);
        if (c->state != CS_BODY)
            return c->state == CS_IDLE;
        avail = evbuffer_get_length(in);
    }
    if (c->state == CS_BODY) {
        if (avail < c->body_expected)
            return false;
        http_req_t *r = c->req;
        r->body = malloc(c->body_expected + 1);
        if (!r->body)
            abort();
        evbuffer_remove(in, r->body, c->body_expected);
        r->body[c->body_expected] = '\0';
        r->body_len = c->body_expected;
        bufferevent_setwatermark(c->bev, EV_READ, 0, cfg->head_limit + 1);
        dispatch(c);
        return c->state == CS_IDLE;
    }
    return false;
}

/* Consumes whatever input is buffered, as far as it completes requests; a
 * loop rather than recursion, so a deep pipeline cannot exhaust the stack. */
static void try_next(http_conn_t *c)
{
    c->parsing = true;
    while (parse_one(c))
        ;
    c->parsing = false;
}

/* ---------------------------------------------------------------- callbacks */

static void read_cb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    try_next(arg);
}

static void write_cb(struct bufferevent *bev, void *arg)
{
    http_conn_t *c = arg;
    if (c->state == CS_STREAMING)
        stream_drained(c);
    else if (c->state == CS_WRITING_LAST && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        conn_close(c);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
    http_conn_t *c = arg;
    /* A peer that half-closes after sending its request (shutdown(SHUT_WR),
     * as some scripts and health checkers do) still gets its answer: a
     * request in flight is answered with Connection: close, and output
     * already queued is drained before write_cb closes. */
    if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
        c->peer_eof = true;
        if (c->state == CS_HANDLING || c->state == CS_STREAMING)
            return; /* a stream goes on; a peer really gone fails the next write */
        if (evbuffer_get_length(bufferevent_get_output(bev)) > 0 &&
            (c->state == CS_IDLE || c->state == CS_WRITING_LAST)) {
            c->state = CS_WRITING_LAST;
            return;
        }
    }
    conn_close(c);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    http_conn_t *c = arg;
    switch (c->state) {
    case CS_IDLE:
    case CS_WRITING_LAST:
        conn_close(c);
        return;
    case CS_HEAD:
    case CS_BODY:
        fail_request(c, ERR_TIMEOUT, "The request was not received in time.");
        return;
    case CS_HANDLING:
        return;
    case CS_STREAMING:
        stream_timeout(c);
        return;
    default:
        log_event("error", "bad_connection_state", NULL);
        abort();
    }
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int socklen,
                      void *arg)
{
    (void)l;
    (void)socklen;
    http_server_t *srv = arg;
    if (srv->nconns >= srv->cfg->max_connections || srv->shutting_down) {
        evutil_closesocket(fd);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    http_conn_t *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->srv = srv;
    c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
    c->timer = evtimer_new(srv->base, timer_cb, c);
    if (!c->bev || !c->timer)
        abort();
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, c->peer, sizeof c->peer);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, c->peer, sizeof c->peer);
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->nconns++;
    bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
    /* Reading stays on while a handler runs (toggling it costs two epoll_ctl
     * calls a request); what a pipelining client sends meanwhile is bounded
     * by this watermark, above which libevent stops reading the socket. It is
     * raised only while a body is being received (begin_request). */
    bufferevent_setwatermark(c->bev, EV_READ, 0, srv->cfg->head_limit + 1);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    conn_arm_timer(c, srv->cfg->idle_timeout_s);
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    log_flush();
}

/* ------------------------------------------------------------------- server */

bool http_parse_listen_addr(const char *addr, struct sockaddr_storage *ss, int *len)
{
    char host[128];
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof host)
        return false;
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || colon[1] == '\0')
        return false;
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    size_t hl = strlen(host);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
            return false;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *len = sizeof *in6;
        return true;
    }
    if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
        return false;
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)port);
    *len = sizeof *in4;
    return true;
}

http_server_t *http_server_create(struct event_base *base, const http_config_t *cfg, pool_t *pool,
                                  char *msg, size_t msglen)
{
    struct sockaddr_storage ss;
    int sslen;
    if (!http_parse_listen_addr(cfg->http_addr, &ss, &sslen)) {
        snprintf(msg, msglen, "PROBITY_HTTP_ADDR '%s' is not HOST:PORT with a numeric IP address",
                 cfg->http_addr);
        return NULL;
    }
    http_server_t *srv = calloc(1, sizeof *srv);
    if (!srv)
        abort();
    srv->base = base;
    srv->cfg = cfg;
    srv->pool = pool;
    unsigned seed = (unsigned)http_now_ns() ^ (unsigned)getpid();
    snprintf(srv->id_prefix, sizeof srv->id_prefix, "%08x", seed * 2654435761u);
    srv->listener = evconnlistener_new_bind(base, accept_cb, srv,
                                            LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
                                                LEV_OPT_CLOSE_ON_EXEC,
                                            1024, (struct sockaddr *)&ss, sslen);
    if (!srv->listener) {
        snprintf(msg, msglen, "cannot listen on %s: %s", cfg->http_addr, strerror(errno));
        free(srv);
        return NULL;
    }
    srv->flush_timer = event_new(base, -1, EV_PERSIST, flush_cb, srv);
    struct timeval tv = {0, 200000};
    evtimer_add(srv->flush_timer, &tv);
    return srv;
}

static void shutdown_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    http_server_t *srv = arg;
    log_event("warn", "shutdown_timeout", "in-flight requests did not finish in time");
    event_base_loopbreak(srv->base);
}

void http_server_shutdown(http_server_t *srv)
{
    if (srv->shutting_down)
        return;
    srv->shutting_down = true;
    evconnlistener_disable(srv->listener);
    /* Idle connections and half-received requests go now; those with a
     * handler running are answered, with Connection: close, then closed. */
    for (http_conn_t *c = srv->conns, *next; c; c = next) {
        next = c->next;
        if (c->state != CS_HANDLING && c->state != CS_STREAMING && c->state != CS_WRITING_LAST)
            conn_close(c);
    }
    if (srv->nconns == 0) {
        event_base_loopbreak(srv->base);
        return;
    }
    srv->shutdown_timer = evtimer_new(srv->base, shutdown_timeout_cb, srv);
    struct timeval tv = {srv->cfg->shutdown_timeout_s, 0};
    evtimer_add(srv->shutdown_timer, &tv);
}

void http_server_free(http_server_t *srv)
{
    /* Called after pool_destroy, so no handler is in flight any more. */
    if (!srv)
        return;
    srv->shutting_down = false; /* no loopbreak from conn_free now */
    while (srv->conns)
        conn_free(srv->conns);
    evconnlistener_free(srv->listener);
    if (srv->shutdown_timer)
        event_free(srv->shutdown_timer);
    if (srv->flush_timer)
        event_free(srv->flush_timer);
    free(srv);
}
