/* The gRPC transport's own state, shared by the connection code (server.c)
 * and the call code (call.c, and call_api.c for the handler's side);
 * handlers see only grpc_server.h.
 *
 * Three levels, as in nghttp2's libevent server example: the server, its
 * connections (a bufferevent and an nghttp2 session each), and their calls
 * (one per HTTP/2 stream). A call outlives its stream when its handler still
 * holds it: the stream side and the handler side each hold a reference, and
 * the call is freed when both have let go. */
#ifndef PROBITY_GRPC_TRANSPORT_H
#define PROBITY_GRPC_TRANSPORT_H

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "grpc_server.h"

/* SETTINGS_MAX_HEADER_LIST_SIZE as advertised (server.c) and enforced on
 * each request head (call.c): larger is RESOURCE_EXHAUSTED. */
#define GRPC_MAX_HEADER_LIST 16384

typedef struct grpc_conn grpc_conn_t;

/* A framed message waiting to be written (5-byte prefix included). */
typedef struct grpc_out_msg {
    struct grpc_out_msg *next;
    size_t len, off;
    uint8_t data[];
} grpc_out_msg_t;

/* A metadata entry; its text lives in the call's arena. */
typedef struct {
    char *name, *value;
} grpc_md_t;

/* The call's arena: the request head's text and both metadata lists, freed
 * with the call; a call's dozen small strings cost one allocation. */
typedef struct grpc_arena_block {
    struct grpc_arena_block *next;
    size_t used, size;
    _Alignas(max_align_t) unsigned char data[];
} grpc_arena_block_t;

struct grpc_call {
    grpc_conn_t *conn;        /* NULL once the stream is gone */
    grpc_call_t *prev, *next; /* in conn->calls */
    int32_t stream_id;
    int refs;                     /* the stream's, the handler's, and temporary ones */
    bool stream_ref, handler_ref; /* which of the two lasting references are held */
    bool kept;                    /* grpc_call_hold: finish leaves the handler's hold */

    grpc_arena_block_t *arena;

    /* The request. */
    char *path, *method, *content_type;
    grpc_md_t *md;
    int nmd, capmd;
    size_t md_bytes; /* header list size so far (RFC 7540 §6.5.2 counting) */
    bool md_too_large;
    const grpc_method_t *m; /* NULL until the head was accepted */
    char peer[64];
    char request_id[132];
    int64_t deadline_us;
    struct event *deadline_timer;
    uint64_t start_ns;

    /* Input: DATA not yet deframed (a bidi call waits for its answer to drain
     * before it reads on, leaving the bytes unconsumed so that the stream's
     * flow-control window holds the client back). NULL until needed: other
     * calls deframe DATA where it lies. */
    struct evbuffer *in;
    grpc_deframer_t df;
    uint8_t *req; /* unary and server streaming: the one message */
    size_t req_len;
    int nreq;
    bool half_closed;   /* the client sent END_STREAM */
    bool end_delivered; /* the handler got its request, or bidi its NULL */
    bool want_pump;

    /* The handler. */
    bool started; /* the handler was called */
    grpc_cancel_fn cancel_fn;
    void *cancel_arg;
    bool cancel_called;
    bool cancelled;

    /* Output. */
    grpc_md_t *resp_md;
    int nresp_md, capresp_md;
    bool headers_submitted; /* response HEADERS with a data provider */
    bool data_deferred;     /* the provider said NGHTTP2_ERR_DEFERRED */
    grpc_out_msg_t *out, *out_tail;
    size_t out_bytes;
    bool ended;            /* the status is decided (and on its way when conn) */
    bool trailers_pending; /* to go once out has drained */
    bool rst_after;        /* reset the stream once its end went out */
    int http_status;       /* for the log: 200, or 405/415 */
    grpc_code_t code;
    char *status_message; /* percent-encoded */
    char *status_details; /* base64 */
    size_t bytes_out;
};

struct grpc_conn {
    grpc_server_t *srv;
    grpc_conn_t *prev, *next;
    struct bufferevent *bev;
    nghttp2_session *session;
    struct event *timer; /* idle, then the shutdown's final GOAWAY */
    struct event *kick;  /* deferred work: pumping calls, sending */
    grpc_call_t *calls;
    int ncalls;
    int depth; /* callbacks of this connection on the stack */
    bool want_send;
    bool dead; /* closed while on the stack: freed when depth is 0 */
    bool goaway_notice, goaway_final;
    char peer[64];
};

struct grpc_server {
    struct event_base *base;
    grpc_config_t cfg;
    const grpc_method_t **sorted; /* by path, for bsearch */
    size_t nmethods;
    struct evconnlistener *listener;
    SSL_CTX *ssl_ctx; /* NULL: cleartext with prior knowledge */
    nghttp2_session_callbacks *callbacks;
    nghttp2_option *option;
    grpc_conn_t *conns;
    int nconns;
    bool shutting_down;
    struct event *shutdown_timer;
    char id_prefix[12];
    uint64_t id_counter;
};

/* call.c */
grpc_call_t *call_new(grpc_conn_t *c, int32_t stream_id);
void call_ref(grpc_call_t *call);
void call_unref(grpc_call_t *call);
/* A request header field; false when it cannot be kept (too large: the
 * call is answered RESOURCE_EXHAUSTED once the head is complete). */
void call_header(grpc_call_t *call, const uint8_t *name, size_t namelen, const uint8_t *value,
                 size_t valuelen);
/* The head is complete: checks it, finds the method, arms the deadline. */
void call_head_done(grpc_call_t *call);
void call_data(grpc_call_t *call, const uint8_t *data, size_t len);
void call_half_close(grpc_call_t *call);
/* Feeds buffered input to the deframer as far as the call takes it. */
void call_pump(grpc_call_t *call);
/* The stream closed (or its connection went): cancels what is unfinished,
 * and drops the stream's reference. */
void call_stream_closed(grpc_call_t *call, uint32_t error_code);
/* The data provider's read callback. */
ssize_t call_read_data(nghttp2_session *session, int32_t stream_id, uint8_t *buf, size_t length,
                       uint32_t *data_flags, nghttp2_data_source *source, void *user_data);
/* The stream's last frame went out: its end is sent. */
void call_end_sent(grpc_call_t *call);
/* Ends the call with a status (no-op once ended). */
void call_end(grpc_call_t *call, grpc_code_t code, const char *message);
uint64_t grpc_now_ns(void);

/* call.c, for the handler's API (call_api.c) */
/* malloc that aborts when out of memory (README, Operations). */
void *call_xmalloc(size_t n);
/* n bytes from the call's arena, aligned for any type. */
void *call_arena_alloc(grpc_call_t *call, size_t n);
/* Appends a copy of name and value to *list (in the arena, grown by doubling). */
void call_md_add(grpc_call_t *call, grpc_md_t **list, int *n, int *cap, const void *name,
                 size_t namelen, const void *value, size_t valuelen);
/* A -bin metadata value: base64 without padding (malloc'd). */
char *call_base64_unpadded(const uint8_t *p, size_t n);
/* The response head (:status 200, initial metadata; the status too when trailers_only). */
void call_submit_head(grpc_call_t *call, bool trailers_only);
/* Decides the call's status and sends it (call.c says how); details_b64 is taken. */
void call_send_status(grpc_call_t *call, grpc_code_t code, const char *message, char *details_b64,
                      bool drop);

/* server.c */
const grpc_method_t *server_find_method(const grpc_server_t *srv, const char *path);
/* Around any work on c from outside its own callbacks: sends what was
 * submitted when the outermost level leaves, and frees a connection closed
 * meanwhile. */
void conn_enter(grpc_conn_t *c);
void conn_leave(grpc_conn_t *c);
/* conn_leave for a handler answering from outside c's callbacks: the
 * sending is left to c's kick, later in the same pass of the loop, so that
 * the answers of every call finished in that pass (the pool's completions
 * come in batches) go out together, and a message and its trailers in one
 * run of nghttp2. */
void conn_leave_later(grpc_conn_t *c);
/* Deferred work on c (event_active on c->kick). */
void conn_kick(grpc_conn_t *c);
/* Arms the idle timer when c has no call left. */
void conn_idle_check(grpc_conn_t *c);

#endif
