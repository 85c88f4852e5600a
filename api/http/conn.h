/* The connection and server state, shared by the connection code
 * (server.c) and the streamed responses (stream.c); handlers never see it. */
#ifndef PROBITY_HTTP_CONN_H
#define PROBITY_HTTP_CONN_H

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdbool.h>
#include <stdint.h>

#include "server.h"

/* CS_STREAMING: the head is answered and a producer (stream.c) makes the
 * body a part at a time; like CS_HANDLING, a connection in it whose page
 * is being made on a worker is only marked dead when the peer goes. */
typedef enum { CS_IDLE, CS_HEAD, CS_BODY, CS_HANDLING, CS_STREAMING, CS_WRITING_LAST } conn_state_t;

struct http_conn {
    http_server_t *srv;
    struct bufferevent *bev;
    struct event *timer;
    conn_state_t state;
    http_req_t *req;
    size_t body_expected;
    bool dead;           /* peer gone while a worker holds the request; free when it returns */
    bool parsing;        /* inside try_next: responses must not re-enter it */
    bool peer_eof;       /* the peer half-closed: answer what was asked, then close */
    char peer[64];
    http_conn_t *prev, *next;
};

struct http_server {
    struct event_base *base;
    struct evconnlistener *listener;
    const http_config_t *cfg;
    pool_t *pool;
    http_conn_t *conns;
    int nconns;
    int inflight;
    bool shutting_down;
    struct event *shutdown_timer;
    struct event *flush_timer;
    char id_prefix[12];
    uint64_t id_counter;
};

uint64_t http_now_ns(void);
/* The request's line in the log. */
void http_log_request(http_req_t *r, size_t bytes, double secs);
/* The status line and header fields of r's response, then framing (a
 * Content-Length or Transfer-Encoding line, or "") and the blank line. */
void conn_write_head(http_conn_t *c, http_req_t *r, const char *framing);
/* After the last byte of c's response is queued: frees the request and
 * moves on to the next pipelined one, or to closing once output drains. */
void conn_response_queued(http_conn_t *c);
/* Sends r's response as it stands (not a stream): used when a stream fails
 * before its head went out. */
void conn_send_response(http_conn_t *c);
/* The one teardown path (see server.c). */
void conn_close(http_conn_t *c);
void conn_free(http_conn_t *c);
void conn_arm_timer(http_conn_t *c, int seconds);

/* stream.c: the connection's side of a streamed response. */
/* Takes r's producer and starts the body (send_response's stream branch). */
void stream_begin(http_conn_t *c);
/* Whether a part is being made on a worker right now. */
bool stream_busy(const http_req_t *r);
/* The output drained below the low watermark (write_cb). */
void stream_drained(http_conn_t *c);
/* c->timer fired while streaming: a reader that stopped reading. */
void stream_timeout(http_conn_t *c);
/* Frees the stream of r, and its producer's state (req_free). */
void stream_free(http_req_t *r);

#endif
