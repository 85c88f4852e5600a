/* A gRPC call on one HTTP/2 stream: the request head checked (POST,
 * content-type, method, grpc-timeout), its DATA deframed into messages and
 * handed to the handler, the answer framed under flow control and ended
 * with trailers, or trailers-only when no message went out: the stream's
 * side. The handler's side, its API (grpc_server.h), is call_api.c.
 *
 * A call has two lasting owners: its stream (until on_stream_close, or the
 * connection's end) and its handler (from its first call until finish or
 * release). Whichever lets go last frees it; a handler that finishes after
 * the stream went finds its sends and finish turned into no-ops. */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../domain/textcheck.h"
#include "../../storage/log.h"
#include "transport.h"

#define MAX_TIMER_US (30LL * 86400 * 1000000) /* longer deadlines need no timer */

uint64_t grpc_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void *call_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort(); /* out of memory is fatal: see README, Operations */
    return p;
}

/* --------------------------------------------------------------- lifetime */

/* A call's first arena block is allocated with the call: a unary call's
 * head and metadata fit in it, so most calls make no other block. */
#define ARENA_FIRST 1024
#define ARENA_ALIGN _Alignof(grpc_arena_block_t)
#define ARENA_OFFSET ((sizeof(grpc_call_t) + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN)

grpc_call_t *call_new(grpc_conn_t *c, int32_t stream_id)
{
    /* The call is zeroed; the block's bytes need not be. */
    grpc_call_t *call = malloc(ARENA_OFFSET + sizeof(grpc_arena_block_t) + ARENA_FIRST);
    if (!call)
        abort();
    memset(call, 0, sizeof *call);
    grpc_arena_block_t *first = (grpc_arena_block_t *)((char *)call + ARENA_OFFSET);
    first->next = NULL;
    first->used = 0;
    first->size = ARENA_FIRST;
    call->arena = first;
    call->conn = c;
    call->stream_id = stream_id;
    call->refs = 1;
    call->stream_ref = true;
    call->start_ns = grpc_now_ns();
    call->http_status = 200;
    call->df.max = c->srv->cfg.max_message;
    memcpy(call->peer, c->peer, sizeof call->peer); /* both NUL-terminated, same size */
    call->next = c->calls;
    if (c->calls)
        c->calls->prev = call;
    c->calls = call;
    c->ncalls++;
    return call;
}

void *call_arena_alloc(grpc_call_t *call, size_t n)
{
    const size_t align = _Alignof(max_align_t);
    n = (n + align - 1) / align * align;
    grpc_arena_block_t *b = call->arena;
    if (b->size - b->used < n) {
        size_t size = n > 1024 ? n : 1024;
        b = call_xmalloc(sizeof *b + size);
        b->next = call->arena;
        b->used = 0;
        b->size = size;
        call->arena = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

static char *arena_strndup(grpc_call_t *call, const void *s, size_t n)
{
    char *p = call_arena_alloc(call, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void call_md_add(grpc_call_t *call, grpc_md_t **list, int *n, int *cap, const void *name,
                 size_t namelen, const void *value, size_t valuelen)
{
    if (*n == *cap) {
        int grown = *cap ? 2 * *cap : 8;
        grpc_md_t *l = call_arena_alloc(call, (size_t)grown * sizeof *l);
        if (*n)
            memcpy(l, *list, (size_t)*n * sizeof *l);
        *list = l;
        *cap = grown;
    }
    (*list)[(*n)++] =
        (grpc_md_t){arena_strndup(call, name, namelen), arena_strndup(call, value, valuelen)};
}

static void out_free(grpc_call_t *call)
{
    while (call->out) {
        grpc_out_msg_t *m = call->out;
        call->out = m->next;
        free(m);
    }
    call->out_tail = NULL;
    call->out_bytes = 0;
}

static void call_free(grpc_call_t *call)
{
    if (call->deadline_timer)
        event_free(call->deadline_timer);
    if (call->in)
        evbuffer_free(call->in);
    grpc_deframer_free(&call->df);
    out_free(call);
    /* Every block but the last of the chain, the first made, which lies
     * within the call's own allocation. */
    while (call->arena->next) {
        grpc_arena_block_t *b = call->arena;
        call->arena = b->next;
        free(b);
    }
    free(call->status_message);
    free(call->status_details);
    free(call);
}

void call_ref(grpc_call_t *call)
{
    call->refs++;
}

void call_unref(grpc_call_t *call)
{
    if (--call->refs == 0)
        call_free(call);
}

/* DATA buffered and not yet deframed (the buffer is made on first need). */
static size_t in_len(const grpc_call_t *call)
{
    return call->in ? evbuffer_get_length(call->in) : 0;
}

/* Bytes of DATA the call will not read: the windows open for them. */
static void call_discard_input(grpc_call_t *call)
{
    size_t n = in_len(call);
    if (n == 0)
        return;
    evbuffer_drain(call->in, n);
    if (call->conn)
        nghttp2_session_consume(call->conn->session, call->stream_id, n);
}

/* ------------------------------------------------------------------ logging */

/* One line per call, like the HTTP server's request line: written by hand
 * on the hot path; the path's quotes, backslashes, controls and non-ASCII
 * bytes are escaped or replaced so the line stays JSON. */
static void call_log(const grpc_call_t *call)
{
    log_line_t l;
    log_line_begin(&l, "grpc_call");
    log_line_str(&l, "request_id", call->request_id[0] ? call->request_id : "-");
    log_line_str(&l, "path", call->path);
    log_line_int(&l, "status", call->http_status);
    if (call->http_status == 200)
        log_line_int(&l, "grpc_status", (int)call->code);
    else
        log_line_null(&l, "grpc_status");
    log_line_ms(&l, "duration_ms", (grpc_now_ns() - call->start_ns + 500) / 1000);
    log_line_str(&l, "client", call->peer);
    log_line_end(&l, "info");
}

/* ---------------------------------------------------------- status framing */

/* grpc-message: percent-encoded bytes outside 0x20-0x7E, and '%' itself
 * (PROTOCOL-HTTP2.md, "Responses"). */
static char *percent_encode(const char *s)
{
    static const char HEX[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = call_xmalloc(3 * n + 1), *o = out;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x20 || ch > 0x7e || ch == '%') {
            *o++ = '%';
            *o++ = HEX[ch >> 4];
            *o++ = HEX[ch & 15];
        } else {
            *o++ = (char)ch;
        }
    }
    *o = '\0';
    return out;
}

/* -bin values: base64 without padding, which the spec says to emit (and
 * every decoder accepts). */
char *call_base64_unpadded(const uint8_t *p, size_t n)
{
    static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = call_xmalloc(4 * ((n + 2) / 3) + 1), *o = out;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = B64[v >> 18];
        *o++ = B64[(v >> 12) & 63];
        *o++ = B64[(v >> 6) & 63];
        *o++ = B64[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        *o++ = B64[v >> 18];
        *o++ = B64[(v >> 12) & 63];
        if (i + 1 < n)
            *o++ = B64[(v >> 6) & 63];
    }
    *o = '\0';
    return out;
}

#define NV(n, v)                                                                                   \
    {                                                                                              \
        (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE             \
    }

/* The status fields (grpc-status, grpc-message, grpc-status-details-bin)
 * into nva from index i; returns the new count. code_buf outlives nva. */
static size_t status_nv(const grpc_call_t *call, nghttp2_nv *nva, size_t i, char code_buf[8])
{
    unsigned code = (unsigned)call->code; /* 0 to 16 */
    if (code >= 10) {
        code_buf[0] = (char)('0' + code / 10);
        code_buf[1] = (char)('0' + code % 10);
        code_buf[2] = '\0';
    } else {
        code_buf[0] = (char)('0' + code);
        code_buf[1] = '\0';
    }
    nva[i++] = (nghttp2_nv)NV("grpc-status", code_buf);
    if (call->status_message && call->status_message[0])
        nva[i++] = (nghttp2_nv)NV("grpc-message", call->status_message);
    if (call->status_details)
        nva[i++] = (nghttp2_nv)NV("grpc-status-details-bin", call->status_details);
    return i;
}

/* The response head: :status 200 and the call's initial metadata, with
 * the status fields too when answering trailers-only. */
void call_submit_head(grpc_call_t *call, bool trailers_only)
{
    size_t n = 0, cap = 6 + (size_t)call->nresp_md;
    nghttp2_nv stack[16];
    nghttp2_nv *nva = cap <= 16 ? stack : call_xmalloc(cap * sizeof *nva);
    nva[n++] = (nghttp2_nv)NV(":status", "200");
    nva[n++] = (nghttp2_nv)NV("content-type", "application/grpc");
    nva[n++] = (nghttp2_nv)NV("grpc-accept-encoding", "identity");
    /* A request id is new on every call: kept out of HPACK's table, where
     * it would only push out the fields that do repeat. */
    for (int i = 0; i < call->nresp_md; i++)
        nva[n++] = (nghttp2_nv){(uint8_t *)call->resp_md[i].name, (uint8_t *)call->resp_md[i].value,
                                strlen(call->resp_md[i].name), strlen(call->resp_md[i].value),
                                strcmp(call->resp_md[i].name, "x-request-id") == 0
                                    ? NGHTTP2_NV_FLAG_NO_INDEX
                                    : NGHTTP2_NV_FLAG_NONE};
    char code[8];
    nghttp2_data_provider dp = {.source.ptr = call, .read_callback = call_read_data};
    if (trailers_only)
        n = status_nv(call, nva, n, code);
    /* nghttp2 copies names and values. */
    int rv = nghttp2_submit_response(call->conn->session, call->stream_id, nva, n,
                                     trailers_only ? NULL : &dp);
    if (nva != stack)
        free(nva);
    if (rv != 0)
        nghttp2_submit_rst_stream(call->conn->session, NGHTTP2_FLAG_NONE, call->stream_id,
                                  NGHTTP2_INTERNAL_ERROR);
    call->headers_submitted = !trailers_only;
    call->conn->want_send = true;
}

/* An answer in plain HTTP (405, 415), before any gRPC began. */
static void call_http_error(grpc_call_t *call, int status, const char *text)
{
    call->ended = true;
    call->http_status = status;
    call_log(call);
    char st[8];
    snprintf(st, sizeof st, "%d", status);
    nghttp2_nv nva[] = {NV(":status", st), NV("content-type", "text/plain; charset=utf-8"),
                        NV("allow", "POST")};
    nghttp2_data_provider dp = {.source.ptr = call, .read_callback = call_read_data};
    size_t len = strlen(text);
    grpc_out_msg_t *m = call_xmalloc(sizeof *m + len);
    m->next = NULL;
    m->len = len;
    m->off = 0;
    memcpy(m->data, text, len);
    call->out = call->out_tail = m; /* unframed: the body of the plain answer */
    call->out_bytes = len;
    nghttp2_submit_response(call->conn->session, call->stream_id, nva, status == 405 ? 3 : 2, &dp);
    call->conn->want_send = true;
}

/* Decides the call's status and sends it: trailers-only when nothing was
 * sent yet, else trailers after the messages queued before. When the
 * transport ends the call (drop), the whole messages not yet begun are
 * dropped; one begun on the wire is finished, so the client never sees a
 * cut message. details_b64 is taken. */
void call_send_status(grpc_call_t *call, grpc_code_t code, const char *message, char *details_b64,
                      bool drop)
{
    if (call->ended) {
        free(details_b64);
        return;
    }
    call->ended = true;
    call->code = code;
    call->status_message = message ? percent_encode(message) : NULL;
    call->status_details = details_b64;
    if (call->deadline_timer)
        event_del(call->deadline_timer);
    call_log(call);
    call_discard_input(call);
    grpc_conn_t *c = call->conn;
    if (!c)
        return;
    if (!call->headers_submitted) {
        call_submit_head(call, true);
        return;
    }
    if (call->out && drop) {
        grpc_out_msg_t *keep = call->out->off > 0 ? call->out : NULL;
        grpc_out_msg_t *rest = keep ? keep->next : call->out;
        if (keep)
            keep->next = NULL;
        while (rest) {
            grpc_out_msg_t *m = rest;
            rest = m->next;
            call->out_bytes -= m->len - m->off;
            free(m);
        }
        call->out = call->out_tail = keep;
    }
    call->trailers_pending = true;
    if (call->data_deferred) {
        call->data_deferred = false;
        nghttp2_session_resume_data(c->session, call->stream_id);
    }
    c->want_send = true;
}

/* The handler is told, once, that its call ended without it. */
static void call_notify_cancel(grpc_call_t *call)
{
    call->cancelled = true;
    if (call->started && call->handler_ref && call->cancel_fn && !call->cancel_called) {
        call->cancel_called = true;
        call->cancel_fn(call, call->cancel_arg);
    }
}

void call_end(grpc_call_t *call, grpc_code_t code, const char *message)
{
    if (call->ended)
        return;
    call_ref(call);
    call_notify_cancel(call);
    call_send_status(call, code, message, NULL, true);
    call_unref(call);
}

/* ---------------------------------------------------------------- the head */

void call_header(grpc_call_t *call, const uint8_t *name, size_t namelen, const uint8_t *value,
                 size_t valuelen)
{
    call->md_bytes += namelen + valuelen + 32;
    if (call->md_bytes > GRPC_MAX_HEADER_LIST) {
        call->md_too_large = true;
        return;
    }
    if (namelen > 0 && name[0] == ':') {
        char **slot = namelen == 5 && memcmp(name, ":path", 5) == 0     ? &call->path
                      : namelen == 7 && memcmp(name, ":method", 7) == 0 ? &call->method
                                                                        : NULL;
        if (slot && !*slot)
            *slot = arena_strndup(call, value, valuelen);
        return;
    }
    call_md_add(call, &call->md, &call->nmd, &call->capmd, name, namelen, value, valuelen);
    if (namelen == 12 && memcmp(name, "content-type", 12) == 0 && !call->content_type)
        call->content_type = call->md[call->nmd - 1].value;
}

static void make_request_id(grpc_call_t *call)
{
    const char *given = grpc_call_metadata(call, "x-request-id");
    if (given && text_is_request_id(given)) {
        memcpy(call->request_id, given, strlen(given) + 1);
        return;
    }
    /* <prefix>-<12 hex digits of the counter>, written by hand: once per call. */
    static const char HEX[] = "0123456789abcdef";
    grpc_server_t *srv = call->conn->srv;
    unsigned long long id = ++srv->id_counter;
    size_t n = strlen(srv->id_prefix);
    char *o = call->request_id;
    memcpy(o, srv->id_prefix, n);
    o[n] = '-';
    for (int i = 11; i >= 0; i--, id >>= 4)
        o[n + 1 + (size_t)i] = HEX[id & 15];
    o[n + 13] = '\0';
}

/* application/grpc, application/grpc+proto, application/grpc;params... */
static bool grpc_content_type(const char *ct)
{
    static const char BASE[] = "application/grpc";
    if (!ct || strncmp(ct, BASE, sizeof BASE - 1) != 0)
        return false;
    const char *rest = ct + sizeof BASE - 1;
    return *rest == '\0' || *rest == ';' || strncmp(rest, "+proto", 6) == 0;
}

/* grpc-timeout: 1 to 8 digits and a unit (H M S m u n); false when
 * malformed. Microseconds, a nanosecond count rounded up. */
static bool parse_timeout(const char *s, int64_t *us)
{
    size_t n = strlen(s);
    if (n < 2 || n > 9)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    static const struct {
        char unit;
        int64_t mul, div;
    } UNITS[] = {{'H', 3600000000LL, 1}, {'M', 60000000LL, 1}, {'S', 1000000, 1},
                 {'m', 1000, 1},         {'u', 1, 1},          {'n', 1, 1000}};
    for (size_t i = 0; i < sizeof UNITS / sizeof UNITS[0]; i++)
        if (UNITS[i].unit == s[n - 1]) {
            *us = (v * UNITS[i].mul + UNITS[i].div - 1) / UNITS[i].div;
            return true;
        }
    return false;
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    grpc_call_t *call = arg;
    grpc_conn_t *c = call->conn;
    call_ref(call);
    if (c)
        conn_enter(c);
    call_end(call, GRPC_DEADLINE_EXCEEDED, "Deadline Exceeded");
    if (c)
        conn_leave(c);
    call_unref(call);
}

void call_head_done(grpc_call_t *call)
{
    grpc_conn_t *c = call->conn;
    make_request_id(call);
    if (call->md_too_large) {
        call_send_status(call, GRPC_RESOURCE_EXHAUSTED, "The request metadata is too large.", NULL,
                         false);
        return;
    }
    if (!call->method || strcmp(call->method, "POST") != 0) {
        call_http_error(call, 405, "gRPC calls are POST requests.\n");
        return;
    }
    if (!grpc_content_type(call->content_type)) {
        call_http_error(call, 415, "content-type must be application/grpc.\n");
        return;
    }
    const grpc_method_t *m = call->path ? server_find_method(c->srv, call->path) : NULL;
    if (!m) {
        char msg[300];
        snprintf(msg, sizeof msg, "Unknown method %.200s", call->path ? call->path : "");
        call_send_status(call, GRPC_UNIMPLEMENTED, msg, NULL, false);
        return;
    }
    call->m = m;
    const char *t = grpc_call_metadata(call, "grpc-timeout");
    if (t) {
        int64_t us;
        if (!parse_timeout(t, &us)) {
            call_send_status(call, GRPC_INTERNAL, "Malformed grpc-timeout.", NULL, false);
            return;
        }
        call->deadline_us = (int64_t)(grpc_now_ns() / 1000) + us;
        if (us <= MAX_TIMER_US) {
            call->deadline_timer = evtimer_new(c->srv->base, deadline_cb, call);
            if (!call->deadline_timer)
                abort();
            struct timeval tv = {(time_t)(us / 1000000), (suseconds_t)(us % 1000000)};
            evtimer_add(call->deadline_timer, &tv);
        }
    }
}

/* ------------------------------------------------------------------- input */

static void call_start(grpc_call_t *call, const uint8_t *msg, size_t len)
{
    if (!call->started) {
        call->started = true;
        call->handler_ref = true;
        call->refs++;
    }
    call->m->fn(call, msg, len, call->m->arg);
}

static void on_message(const uint8_t *msg, size_t len, void *arg)
{
    grpc_call_t *call = arg;
    if (call->ended)
        return;
    if (call->m->kind == GRPC_BIDI_STREAMING) {
        call_start(call, msg, len);
        return;
    }
    if (++call->nreq > 1) {
        /* As grpc-java and grpc-go answer a protocol violation. */
        call_end(call, GRPC_INTERNAL,
                 "More than one request message on a unary or "
                 "server-streaming call.");
        return;
    }
    call->req = call_arena_alloc(call, len ? len : 1);
    memcpy(call->req, msg, len);
    call->req_len = len;
}

/* Bytes the deframer needs to finish what it is reading (a prefix or a
 * message), so that a bidi call is fed one message at a time. */
static size_t deframe_next(const grpc_deframer_t *d)
{
    if (d->have_prefix < 5)
        return 5 - d->have_prefix;
    return d->want > d->len ? d->want - d->len : 1;
}

static void call_input_error(grpc_call_t *call, grpc_code_t rc)
{
    char msg[160];
    switch (rc) {
    case GRPC_RESOURCE_EXHAUSTED: {
        const uint8_t *p = call->df.prefix;
        unsigned long want =
            (unsigned long)p[1] << 24 | (unsigned long)p[2] << 16 | (unsigned long)p[3] << 8 | p[4];
        snprintf(msg, sizeof msg, "Received message larger than max (%lu vs. %zu).", want,
                 call->df.max);
        break;
    }
    case GRPC_UNIMPLEMENTED:
        snprintf(msg, sizeof msg,
                 "Compressed messages are not supported (grpc-accept-encoding: "
                 "identity).");
        break;
    default:
        snprintf(msg, sizeof msg, "Invalid message flags.");
        break;
    }
    call_end(call, rc, msg);
}

void call_pump(grpc_call_t *call)
{
    if (!call->conn || !call->m)
        return;
    call_ref(call);
    bool bidi = call->m->kind == GRPC_BIDI_STREAMING;
    size_t avail;
    while (!call->ended && (avail = in_len(call)) > 0) {
        size_t take = avail;
        if (bidi) {
            if (call->out)
                break; /* the last answer is still going out: read on when it drained */
            size_t next = deframe_next(&call->df);
            take = next < avail ? next : avail;
        }
        const uint8_t *p = evbuffer_pullup(call->in, (ssize_t)take);
        grpc_code_t rc = grpc_deframe(&call->df, p, take, on_message, call);
        evbuffer_drain(call->in, take);
        if (call->conn) /* the stream's window opens for what was read */
            nghttp2_session_consume(call->conn->session, call->stream_id, take);
        if (rc != GRPC_OK)
            call_input_error(call, rc);
    }
    if (!call->ended && call->half_closed && !call->end_delivered &&
        in_len(call) == 0) {
        call->end_delivered = true;
        if (call->df.have_prefix > 0)
            call_end(call, GRPC_INTERNAL, "The request ended inside a message.");
        else if (bidi)
            call_start(call, NULL, 0);
        else if (call->nreq == 0)
            call_end(call, GRPC_INTERNAL, "The request has no message.");
        else
            call_start(call, call->req, call->req_len);
    }
    call_unref(call);
}

void call_data(grpc_call_t *call, const uint8_t *data, size_t len)
{
    if (call->ended || !call->m) {
        nghttp2_session_consume(call->conn->session, call->stream_id, len);
        return;
    }
    if (call->m->kind != GRPC_BIDI_STREAMING && in_len(call) == 0) {
        /* Nothing waits before these bytes, and nothing holds a unary or
         * server-streaming call's input back: deframed where they lie. */
        call_ref(call);
        grpc_code_t rc = grpc_deframe(&call->df, data, len, on_message, call);
        if (call->conn)
            nghttp2_session_consume(call->conn->session, call->stream_id, len);
        if (rc != GRPC_OK)
            call_input_error(call, rc);
        call_unref(call);
        return;
    }
    if (!call->in && !(call->in = evbuffer_new()))
        abort();
    if (evbuffer_add(call->in, data, len) != 0)
        abort();
    call_pump(call);
}

void call_half_close(grpc_call_t *call)
{
    call->half_closed = true;
    call_pump(call);
}

/* ------------------------------------------------------------------ output */

ssize_t call_read_data(nghttp2_session *session, int32_t stream_id, uint8_t *buf, size_t length,
                       uint32_t *data_flags, nghttp2_data_source *source, void *user_data)
{
    (void)user_data;
    grpc_call_t *call = source->ptr;
    size_t n = 0;
    while (n < length && call->out) {
        grpc_out_msg_t *m = call->out;
        size_t k = m->len - m->off < length - n ? m->len - m->off : length - n;
        memcpy(buf + n, m->data + m->off, k);
        m->off += k;
        n += k;
        call->out_bytes -= k;
        if (m->off == m->len) {
            call->out = m->next;
            if (!call->out)
                call->out_tail = NULL;
            free(m);
        }
    }
    call->bytes_out += n;
    if (call->out)
        return (ssize_t)n;
    if (call->http_status != 200) { /* a plain answer's body: the stream ends with it */
        *data_flags |= NGHTTP2_DATA_FLAG_EOF;
        return (ssize_t)n;
    }
    if (call->trailers_pending) {
        /* GRPC.md: the DATA does not end the stream; the trailers do. */
        call->trailers_pending = false;
        *data_flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
        nghttp2_nv nva[3];
        char code[8];
        size_t nn = status_nv(call, nva, 0, code);
        if (nghttp2_submit_trailer(session, stream_id, nva, nn) != 0)
            nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream_id,
                                      NGHTTP2_INTERNAL_ERROR);
        return (ssize_t)n;
    }
    if (call->conn && in_len(call) > 0) {
        call->want_pump = true; /* a bidi call reads its next message */
        conn_kick(call->conn);
    }
    if (n > 0)
        return (ssize_t)n;
    call->data_deferred = true;
    return NGHTTP2_ERR_DEFERRED;
}

void call_end_sent(grpc_call_t *call)
{
    /* RFC 7540 §8.1: the answer is complete before the request; the client
     * is told to stop sending (GRPC.md: nghttp2 does not do this itself). */
    if (!call->half_closed && call->conn)
        nghttp2_submit_rst_stream(call->conn->session, NGHTTP2_FLAG_NONE, call->stream_id,
                                  NGHTTP2_NO_ERROR);
}

void call_stream_closed(grpc_call_t *call, uint32_t error_code)
{
    (void)error_code;
    grpc_conn_t *c = call->conn;
    call_ref(call);
    call_discard_input(call);
    if (call->prev)
        call->prev->next = call->next;
    else
        c->calls = call->next;
    if (call->next)
        call->next->prev = call->prev;
    call->prev = call->next = NULL;
    c->ncalls--;
    call->conn = NULL;
    if (call->deadline_timer) {
        event_free(call->deadline_timer);
        call->deadline_timer = NULL;
    }
    out_free(call);
    if (!call->ended) {
        /* The client reset the stream, or the connection went, before the
         * status: the handler stops, and nothing more is written. */
        call->ended = true;
        call->code = GRPC_CANCELLED;
        call_log(call);
        call_notify_cancel(call);
    }
    conn_idle_check(c);
    call->stream_ref = false;
    call_unref(call); /* the stream's */
    call_unref(call);
}
