/* The gRPC transport's connections: a listener, TLS with ALPN h2 or
 * cleartext with prior knowledge, one nghttp2 server session per
 * connection driven from a bufferevent, and the graceful shutdown (GOAWAY
 * notice, final GOAWAY, in-flight calls finish, close). What a stream
 * carries is call.c's business.
 *
 * Re-entrancy: nghttp2 forbids sending from inside its callbacks, and a
 * connection must not be freed while one of its callbacks is on the stack.
 * Every way into a connection (libevent callbacks, a handler answering
 * later) goes through conn_enter/conn_leave: the outermost leave sends
 * what was submitted and frees a connection that was closed meanwhile. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../storage/log.h"
#include "../http/server.h"
#include "h2mem.h"
#include "transport.h"

/* Output queued in the bufferevent above which nghttp2 is not asked for
 * more frames and reading stops: a peer that does not read holds back its
 * own input instead of filling our memory. */
#define OUT_HIGH (256 * 1024)
#define OUT_LOW (32 * 1024)
#define CONN_WINDOW (1 << 20) /* connection-level receive window */
#define GOAWAY_RTT_S 1        /* the wait between the shutdown notice and the GOAWAY */

static void conn_free(grpc_conn_t *c);
static void conn_flush(grpc_conn_t *c);

/* ------------------------------------------------------------- re-entrancy */

void conn_enter(grpc_conn_t *c)
{
    c->depth++;
}

void conn_leave(grpc_conn_t *c)
{
    if (c->depth == 1 && !c->dead && c->want_send)
        conn_flush(c);
    if (--c->depth == 0 && c->dead)
        conn_free(c);
}

void conn_leave_later(grpc_conn_t *c)
{
    if (c->depth == 1 && !c->dead && c->want_send)
        conn_kick(c);
    if (--c->depth == 0 && c->dead)
        conn_free(c);
}

/* The one teardown path: marks c, which the outermost conn_leave frees. */
static void conn_close(grpc_conn_t *c)
{
    c->dead = true;
}

static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    grpc_conn_t *c = arg;
    conn_enter(c);
    /* Calls whose answer drained go on reading (a bidi call's next message). */
    for (grpc_call_t *call = c->calls, *next; call && !c->dead; call = next) {
        call_ref(call);
        if (call->want_pump) {
            call->want_pump = false;
            call_pump(call);
        }
        next = call->next;
        call_unref(call);
    }
    c->want_send = true;
    conn_leave(c);
}

void conn_kick(grpc_conn_t *c)
{
    event_active(c->kick, EV_TIMEOUT, 0);
}

/* Asks nghttp2 for frames while the output is below OUT_HIGH. Closes c
 * when the session is done both ways and everything went out. */
static void conn_flush(grpc_conn_t *c)
{
    c->want_send = false;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    while (evbuffer_get_length(out) < OUT_HIGH) {
        const uint8_t *data;
        ssize_t n = nghttp2_session_mem_send(c->session, &data);
        if (n < 0) {
            conn_close(c);
            return;
        }
        if (n == 0)
            break;
        if (evbuffer_add(out, data, (size_t)n) != 0)
            abort(); /* out of memory is fatal: see README, Operations */
    }
    if (!nghttp2_session_want_read(c->session) && !nghttp2_session_want_write(c->session) &&
        evbuffer_get_length(out) == 0)
        conn_close(c);
}

/* Feeds the buffered input to nghttp2, unless the output is backed up. */
static void conn_recv(grpc_conn_t *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) >= OUT_HIGH) {
        bufferevent_disable(c->bev, EV_READ); /* write_cb turns it on again */
        return;
    }
    size_t len = evbuffer_get_length(in);
    if (len == 0)
        return;
    unsigned char *data = evbuffer_pullup(in, -1);
    ssize_t n = nghttp2_session_mem_recv(c->session, data, len);
    if (n < 0) {
        /* A broken preface or an internal failure: protocol errors in frames
         * were answered with a GOAWAY by nghttp2 and end in conn_flush. */
        log_event("info", "grpc_connection_error", nghttp2_strerror((int)n));
        conn_close(c);
        return;
    }
    evbuffer_drain(in, len);
    c->want_send = true;
}

/* The shutdown's second GOAWAY, with the last stream processed: streams
 * after it were never seen. Streaming calls (a health Watch goes on until
 * the client cancels) are ended UNAVAILABLE, so that they do not hold the
 * shutdown until its timeout; unary calls finish on their own. */
static void conn_goaway_final(grpc_conn_t *c)
{
    c->goaway_final = true;
    nghttp2_submit_goaway(c->session, NGHTTP2_FLAG_NONE,
                          nghttp2_session_get_last_proc_stream_id(c->session), NGHTTP2_NO_ERROR,
                          NULL, 0);
    for (grpc_call_t *call = c->calls; call; call = call->next)
        if (call->m && call->m->kind != GRPC_UNARY && !call->ended)
            call_end(call, GRPC_UNAVAILABLE, "The server is shutting down.");
    c->want_send = true;
}

/* ------------------------------------------------------ nghttp2 callbacks */

static grpc_call_t *stream_call(nghttp2_session *session, int32_t stream_id)
{
    return nghttp2_session_get_stream_user_data(session, stream_id);
}

static int on_begin_headers(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    grpc_conn_t *c = user_data;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    grpc_call_t *call = call_new(c, frame->hd.stream_id);
    nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, call);
    if (c->timer && !c->srv->shutting_down)
        event_del(c->timer); /* not idle any more */
    return 0;
}

static int on_header(nghttp2_session *session, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *user_data)
{
    (void)flags;
    (void)user_data;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0; /* a client's trailers carry nothing gRPC reads */
    grpc_call_t *call = stream_call(session, frame->hd.stream_id);
    if (call)
        call_header(call, name, namelen, value, valuelen);
    return 0;
}

static int on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    grpc_conn_t *c = user_data;
    switch (frame->hd.type) {
    case NGHTTP2_HEADERS:
    case NGHTTP2_DATA: {
        grpc_call_t *call = stream_call(session, frame->hd.stream_id);
        if (!call)
            return 0;
        call_ref(call);
        if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST)
            call_head_done(call);
        if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)
            call_half_close(call);
        call_unref(call);
        return 0;
    }
    case NGHTTP2_PING:
        /* The shutdown notice was followed by a PING: its ACK means the
         * client has seen the notice, so the final GOAWAY may go. */
        if ((frame->hd.flags & NGHTTP2_FLAG_ACK) && c->goaway_notice && !c->goaway_final &&
            memcmp(frame->ping.opaque_data, "probity!", 8) == 0)
            conn_goaway_final(c);
        return 0;
    default:
        return 0;
    }
}

static int on_data_chunk_recv(nghttp2_session *session, uint8_t flags, int32_t stream_id,
                              const uint8_t *data, size_t len, void *user_data)
{
    (void)flags;
    (void)user_data;
    grpc_call_t *call = stream_call(session, stream_id);
    if (!call) {
        nghttp2_session_consume(session, stream_id, len);
        return 0;
    }
    call_data(call, data, len);
    return 0;
}

static int on_frame_send(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    (void)user_data;
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
        grpc_call_t *call = stream_call(session, frame->hd.stream_id);
        if (call)
            call_end_sent(call);
    }
    return 0;
}

static int on_stream_close(nghttp2_session *session, int32_t stream_id, uint32_t error_code,
                           void *user_data)
{
    (void)user_data;
    grpc_call_t *call = stream_call(session, stream_id);
    if (call) {
        nghttp2_session_set_stream_user_data(session, stream_id, NULL);
        call_stream_closed(call, error_code);
    }
    return 0;
}

static nghttp2_session_callbacks *make_callbacks(void)
{
    nghttp2_session_callbacks *cb;
    if (nghttp2_session_callbacks_new(&cb) != 0)
        abort();
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk_recv);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    return cb;
}

/* ------------------------------------------------------------ connections */

static void conn_arm_timer(grpc_conn_t *c, int seconds)
{
    struct timeval tv = {seconds, 0};
    evtimer_add(c->timer, &tv);
}

static void conn_free(grpc_conn_t *c)
{
    grpc_server_t *srv = c->srv;
    /* nghttp2_session_del does not close open streams: the calls are
     * cancelled here, before the session goes. */
    while (c->calls) {
        grpc_call_t *call = c->calls;
        if (c->session)
            nghttp2_session_set_stream_user_data(c->session, call->stream_id, NULL);
        call_stream_closed(call, NGHTTP2_CANCEL);
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->nconns--;
    nghttp2_session_del(c->session);
    if (c->bev)
        bufferevent_free(c->bev);
    event_free(c->timer);
    event_free(c->kick);
    free(c);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    grpc_conn_t *c = arg;
    conn_enter(c);
    conn_recv(c);
    conn_leave(c);
}

static void write_cb(struct bufferevent *bev, void *arg)
{
    grpc_conn_t *c = arg;
    conn_enter(c);
    if (!(bufferevent_get_enabled(bev) & EV_READ)) {
        bufferevent_enable(bev, EV_READ);
        conn_recv(c); /* what waited in the input buffer meanwhile */
    }
    c->want_send = true;
    conn_leave(c);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    grpc_conn_t *c = arg;
    if (what & BEV_EVENT_CONNECTED)
        return; /* the TLS handshake is done; ALPN chose h2 or it failed */
    conn_enter(c);
    conn_close(c);
    conn_leave(c);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    grpc_conn_t *c = arg;
    conn_enter(c);
    if (c->goaway_notice && !c->goaway_final) {
        conn_goaway_final(c); /* no PING ACK within the wait: the final GOAWAY anyway */
    } else if (c->ncalls == 0 && !c->srv->shutting_down) {
        /* Idle: a GOAWAY, and the connection closes once it went out. */
        nghttp2_session_terminate_session(c->session, NGHTTP2_NO_ERROR);
    }
    c->want_send = true;
    conn_leave(c);
}

/* The idle timer runs while c has no call (call.c calls this when a call's
 * stream closes). */
void conn_idle_check(grpc_conn_t *c)
{
    if (c->ncalls == 0 && !c->srv->shutting_down && !c->dead)
        conn_arm_timer(c, c->srv->cfg.idle_timeout_s);
}

static void peer_text(const struct sockaddr *sa, char *out, size_t outlen)
{
    out[0] = '\0';
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)outlen);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)outlen);
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg)
{
    (void)l;
    (void)socklen;
    grpc_server_t *srv = arg;
    if (srv->nconns >= srv->cfg.max_connections || srv->shutting_down) {
        evutil_closesocket(fd);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    grpc_conn_t *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->srv = srv;
    peer_text(sa, c->peer, sizeof c->peer);
    if (srv->ssl_ctx) {
        SSL *ssl = SSL_new(srv->ssl_ctx);
        if (!ssl)
            abort();
        c->bev = bufferevent_openssl_socket_new(srv->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                BEV_OPT_CLOSE_ON_FREE);
        if (c->bev)
            bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
    } else {
        c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
    }
    c->timer = evtimer_new(srv->base, timer_cb, c);
    c->kick = event_new(srv->base, -1, 0, kick_cb, c);
    if (!c->bev || !c->timer || !c->kick ||
        nghttp2_session_server_new3(&c->session, srv->callbacks, c, srv->option, h2mem()) != 0)
        abort();
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, srv->cfg.max_streams},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, GRPC_MAX_HEADER_LIST},
    };
    if (nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]) != 0 ||
        nghttp2_session_set_local_window_size(c->session, NGHTTP2_FLAG_NONE, 0, CONN_WINDOW) != 0)
        abort();
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->nconns++;
    bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
    bufferevent_setwatermark(c->bev, EV_WRITE, OUT_LOW, 0);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    conn_arm_timer(c, srv->cfg.idle_timeout_s); /* also bounds a TLS handshake that never ends */
    conn_enter(c);
    c->want_send = true; /* the server's SETTINGS */
    conn_leave(c);
}

/* ------------------------------------------------------------------ server */

/* ALPN: h2 or nothing (a gRPC client always offers h2). */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    (void)arg;
    static const unsigned char H2[] = "\x02h2";
    if (SSL_select_next_proto((unsigned char **)out, outlen, H2, sizeof H2 - 1, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    return SSL_TLSEXT_ERR_OK;
}

static SSL_CTX *tls_context(const grpc_config_t *cfg, char *msg, size_t msglen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        abort();
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION); /* RFC 7540 §9.2 */
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    const char *what = NULL, *file = NULL;
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert_file) != 1)
        what = "cannot load the certificate chain", file = cfg->tls_cert_file;
    else if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key_file, SSL_FILETYPE_PEM) != 1)
        what = "cannot load the private key", file = cfg->tls_key_file;
    else if (SSL_CTX_check_private_key(ctx) != 1)
        what = "the private key does not match the certificate", file = cfg->tls_key_file;
    if (what) {
        char reason[200];
        ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
        ERR_clear_error();
        snprintf(msg, msglen, "PROBITY_GRPC_TLS: %s (%s): %s", what, file, reason);
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
    return ctx;
}

static int method_cmp(const void *a, const void *b)
{
    return strcmp((*(const grpc_method_t *const *)a)->path,
                  (*(const grpc_method_t *const *)b)->path);
}

const grpc_method_t *server_find_method(const grpc_server_t *srv, const char *path)
{
    grpc_method_t key = {.path = path};
    const grpc_method_t *kp = &key;
    const grpc_method_t **found =
        bsearch(&kp, srv->sorted, srv->nmethods, sizeof *srv->sorted, method_cmp);
    return found ? *found : NULL;
}

grpc_server_t *grpc_server_create(struct event_base *base, const grpc_config_t *cfg,
                                  const grpc_method_t *methods, size_t nmethods, char *msg,
                                  size_t msglen)
{
    struct sockaddr_storage ss;
    int sslen;
    if (!http_parse_listen_addr(cfg->addr, &ss, &sslen)) {
        snprintf(msg, msglen, "PROBITY_GRPC_ADDR '%s' is not HOST:PORT with a numeric IP address",
                 cfg->addr);
        return NULL;
    }
    if (!cfg->tls_cert_file != !cfg->tls_key_file) {
        snprintf(msg, msglen,
                 "PROBITY_GRPC_TLS_CERT and PROBITY_GRPC_TLS_KEY go together: "
                 "set both for TLS, or neither for cleartext");
        return NULL;
    }
    grpc_server_t *srv = calloc(1, sizeof *srv);
    if (!srv)
        abort();
    srv->base = base;
    srv->cfg = *cfg;
    if (cfg->tls_cert_file && !(srv->ssl_ctx = tls_context(cfg, msg, msglen))) {
        free(srv);
        return NULL;
    }
    srv->nmethods = nmethods;
    srv->sorted = calloc(nmethods ? nmethods : 1, sizeof *srv->sorted);
    if (!srv->sorted)
        abort();
    for (size_t i = 0; i < nmethods; i++)
        srv->sorted[i] = &methods[i];
    qsort(srv->sorted, nmethods, sizeof *srv->sorted, method_cmp);
    srv->callbacks = make_callbacks();
    if (nghttp2_option_new(&srv->option) != 0)
        abort();
    /* Windows are opened as the calls take their input (call.c). */
    nghttp2_option_set_no_auto_window_update(srv->option, 1);
    unsigned seed = (unsigned)grpc_now_ns() ^ (unsigned)getpid() ^ 0x9e3779b9u;
    snprintf(srv->id_prefix, sizeof srv->id_prefix, "%08x", seed * 2654435761u);
    srv->listener = evconnlistener_new_bind(
        base, accept_cb, srv, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
        1024, (struct sockaddr *)&ss, sslen);
    if (!srv->listener) {
        snprintf(msg, msglen, "cannot listen on %s (PROBITY_GRPC_ADDR): %s", cfg->addr,
                 strerror(errno));
        grpc_server_free(srv);
        return NULL;
    }
    return srv;
}

static void shutdown_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    grpc_server_t *srv = arg;
    if (srv->nconns > 0)
        log_event("warn", "grpc_shutdown_timeout", "in-flight gRPC calls did not finish in time");
    while (srv->conns) {
        grpc_conn_t *c = srv->conns;
        conn_enter(c);
        conn_close(c);
        conn_leave(c); /* frees c: it is off the list */
    }
}

void grpc_server_shutdown(grpc_server_t *srv)
{
    if (srv->shutting_down)
        return;
    srv->shutting_down = true;
    evconnlistener_disable(srv->listener);
    /* RFC 7540 §6.8: a GOAWAY announcing the last possible stream, then a
     * PING; once it is answered (or after GOAWAY_RTT_S), the real GOAWAY
     * with the last stream processed. Calls in flight go on. */
    for (grpc_conn_t *c = srv->conns, *next; c; c = next) {
        next = c->next;
        conn_enter(c);
        c->goaway_notice = true;
        nghttp2_submit_shutdown_notice(c->session);
        nghttp2_submit_ping(c->session, NGHTTP2_FLAG_NONE, (const uint8_t *)"probity!");
        conn_arm_timer(c, GOAWAY_RTT_S);
        c->want_send = true;
        conn_leave(c);
    }
    srv->shutdown_timer = evtimer_new(srv->base, shutdown_timeout_cb, srv);
    struct timeval tv = {srv->cfg.shutdown_timeout_s, 0};
    evtimer_add(srv->shutdown_timer, &tv);
}

struct event_base *grpc_server_base(const grpc_server_t *srv)
{
    return srv->base;
}

bool grpc_server_drained(const grpc_server_t *srv)
{
    return !srv || (srv->shutting_down && srv->nconns == 0);
}

void grpc_server_free(grpc_server_t *srv)
{
    if (!srv)
        return;
    while (srv->conns) {
        grpc_conn_t *c = srv->conns;
        c->depth = 1;
        conn_close(c);
        conn_leave(c);
    }
    if (srv->listener)
        evconnlistener_free(srv->listener);
    if (srv->shutdown_timer)
        event_free(srv->shutdown_timer);
    if (srv->ssl_ctx)
        SSL_CTX_free(srv->ssl_ctx);
    if (srv->callbacks)
        nghttp2_session_callbacks_del(srv->callbacks);
    if (srv->option)
        nghttp2_option_del(srv->option);
    free(srv->sorted);
    free(srv);
    h2mem_trim();
}

void grpc_server_each_call(grpc_server_t *srv, const char *path,
                           void (*fn)(grpc_call_t *call, void *arg), void *arg)
{
    /* Collected first, with a reference each: fn may end calls, and ending
     * one may close its stream and its connection. */
    size_t n = 0, cap = 16;
    grpc_call_t **list = malloc(cap * sizeof *list);
    if (!list)
        abort();
    for (grpc_conn_t *c = srv->conns; c; c = c->next) {
        for (grpc_call_t *call = c->calls; call; call = call->next) {
            if (!call->m || call->ended || !call->started || strcmp(call->m->path, path) != 0)
                continue;
            if (n == cap) {
                cap *= 2;
                list = realloc(list, cap * sizeof *list);
                if (!list)
                    abort();
            }
            call_ref(call);
            list[n++] = call;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!list[i]->ended && list[i]->conn)
            fn(list[i], arg);
        call_unref(list[i]);
    }
    free(list);
}
