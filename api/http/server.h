/* The HTTP/1.1 server: connections on a libevent loop, request heads and
 * bodies read under size and time limits, handlers run on the database pool
 * (or inline when they touch no database), responses written back on the
 * loop. evhttp was not used: it cannot answer its own 408/413/431 errors
 * with problem+json or bound a slow sender's whole request. */
#ifndef PROBITY_HTTP_SERVER_H
#define PROBITY_HTTP_SERVER_H

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../domain/error.h"
#include "../../domain/strbuf.h"
#include "../../domain/registry.h"
#include "../../storage/pool.h"
#include "../auth/auth.h"
#include "http_parser.h"

typedef struct http_conn http_conn_t;
typedef struct http_req http_req_t;
typedef struct route route_t;
typedef struct http_stream http_stream_t;

/* A response body made a part at a time (stream.c), for bodies too large
 * to hold: each part is made on a pool worker, and the next only once the
 * connection's output has drained below a low watermark, so a slow reader
 * holds back the making instead of filling memory. */
typedef enum { STREAM_MORE, STREAM_DONE, STREAM_FAILED } http_stream_step_t;
typedef struct {
    /* On a pool worker, one call at a time: appends the next part of the
     * body to out (an empty part is fine). STREAM_FAILED: msg says why; if
     * nothing was sent yet the client gets a 500, else the connection is
     * closed without ending the body, so the client sees it truncated. */
    http_stream_step_t (*next)(db_t *db, void *state, strbuf_t *out, char *msg, size_t msglen);
    /* On the loop thread, exactly once, however the response ended (done,
     * failed, the client gone, or never started); never while next runs. */
    void (*free)(void *state);
} http_producer_t;

typedef struct {
    const char *http_addr;
    size_t body_limit;
    size_t head_limit;
    int request_timeout_s;  /* whole request (head and body) must arrive within this */
    int idle_timeout_s;     /* keep-alive connections with nothing to say */
    int shutdown_timeout_s; /* how long in-flight requests may finish after SIGTERM */
    int max_connections;
    const char *docs_dir;
} http_config_t;

#define HTTP_MAX_PARAMS 2

struct http_req {
    http_conn_t *conn;
    char *head_buf; /* owns every string in head */
    http_head_t head;
    char method[8];
    char *path;     /* within head_buf */
    char *query;    /* within head_buf, NULL when absent */
    char *body;
    size_t body_len;
    bool keep_alive;
    bool head_only; /* HEAD: send the GET response without its body */

    const route_t *route;
    int route_index;
    const entity_t *entity;
    char params[HTTP_MAX_PARAMS][64];
    char request_id[132];
    uint64_t start_ns;

    int status;
    const char *content_type;
    char *resp_body;     /* owned unless resp_static */
    size_t resp_len;
    bool resp_static;
    char resp_headers[1024];
    app_error_t *err;    /* allocated only when an error is answered */
    auth_state_t auth;   /* the caller, on routes that need one (route->auth) */
    const http_producer_t *producer; /* a streamed body, with its state; NULL: resp_body */
    void *producer_state;
    http_stream_t *stream; /* once the stream has started (stream.c) */
    char peer[64];         /* the client's address when there is no conn (internal.c) */

    pool_job_t job;
};

typedef void (*route_fn)(http_req_t *r, db_t *db);

struct route {
    const char *method;
    const char *pattern;   /* segments; "{name}" captures one segment */
    route_fn fn;
    bool on_loop;          /* runs inline: touches no database */
    const entity_t *entity;
    bool auth;             /* needs a bearer token: every /v1 route */
};

/* Response helpers for handlers. Each sets the whole response once. */
void http_reply(http_req_t *r, int status, const char *content_type, char *body, size_t len);
void http_reply_static(http_req_t *r, int status, const char *content_type, const char *body,
                       size_t len);
void http_reply_error(http_req_t *r, const app_error_t *e);
void http_reply_kind(http_req_t *r, err_kind_t kind, const char *detail);
/* Answers status with a body that p makes in parts from state (which p->free
 * releases), sent with Transfer-Encoding: chunked (to an HTTP/1.0 client:
 * delimited by closing the connection); HEAD sends the head only. */
void http_reply_stream(http_req_t *r, int status, const char *content_type,
                       const http_producer_t *p, void *state);
/* Adds "Name: value\r\n" to the response; silently drops past 1 KiB. */
void http_add_header(http_req_t *r, const char *name, const char *value);
const char *http_req_header(const http_req_t *r, const char *name);
/* The client's IP address as text. */
const char *http_req_peer(const http_req_t *r);

/* Requests made inside the process (internal.c; the gRPC bridge): the
 * same route table, authentication and handlers as a client's request.
 * headers: name, value pairs, NULL-terminated; target: path and query.
 * NULL when the head cannot be a request (a field value with a control
 * character, a name that is no token, a target not in origin form). */
http_req_t *http_internal_new(const char *method, const char *target,
                              const char *const *headers, const char *body, size_t len,
                              const char *peer, const char *request_id);
/* Matches r's route; false with r answered (404, 405) when none does.
 * *hint: the route the caller's last request of this kind took (-1 at
 * first), tried first (routes_match_hinted) and updated. */
bool http_internal_route(http_req_t *r, int *hint);
/* On a pool worker, as the server runs its own: http_req_prepare for every
 * job of a batch (the credential lookup), then http_req_run (the rest of
 * authentication, then the handler). */
void http_req_prepare(db_t *db, http_req_t *r);
void http_req_run(db_t *db, http_req_t *r);
void http_req_free(http_req_t *r);

/* "host:port" or "[v6]:port" as a socket address to listen on; false when
 * it is not one. The gRPC server's address is read the same way. */
struct sockaddr_storage;
bool http_parse_listen_addr(const char *addr, struct sockaddr_storage *ss, int *len);

typedef struct http_server http_server_t;

/* Binds and listens; false with a one-line reason in msg. */
http_server_t *http_server_create(struct event_base *base, const http_config_t *cfg,
                                  pool_t *pool, char *msg, size_t msglen);
/* Stops accepting, lets in-flight requests finish (bounded by
 * shutdown_timeout_s), then breaks the loop. */
void http_server_shutdown(http_server_t *srv);
void http_server_free(http_server_t *srv);

#endif
