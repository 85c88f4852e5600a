/* Streamed responses: a body made a part at a time by a producer on the
 * pool, sent with chunked transfer coding. One part at most is being made
 * per response, and the next is asked for only when the connection's output
 * has drained below STREAM_LOW_WATER, so what a response holds in memory is
 * that watermark plus one part, however long the body and however slow the
 * reader. The head goes out with the first part: a producer that fails at
 * once still gets a proper 500. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../storage/log.h"
#include "conn.h"
#include "metrics.h"
#include "reply.h"

#define STREAM_LOW_WATER (64 * 1024)

struct http_stream {
    http_conn_t *conn;
    const http_producer_t *producer;
    void *state;
    pool_job_t job;
    strbuf_t part;           /* made by the worker, taken by the loop */
    http_stream_step_t step;
    char msg[256];
    bool busy;               /* a part is being made on a worker */
    bool waiting;            /* for the output to drain */
    bool head_sent, chunked, ended;
    size_t sent;             /* body bytes queued */
    size_t stall_len;        /* output length when the stall timer was armed */
};

static void part_cleanup(const void *data, size_t len, void *arg)
{
    (void)len;
    (void)arg;
    free((void *)data);
}

static void stream_run(db_t *db, pool_job_t *job)
{
    http_stream_t *s = (http_stream_t *)((char *)job - offsetof(http_stream_t, job));
    s->step = s->producer->next(db, s->state, &s->part, s->msg, sizeof s->msg);
}

static void stream_done(pool_job_t *job);

/* Asks the pool for the next part; false (and msg set) when it is full. */
static bool ask(http_stream_t *s)
{
    s->job.prepare = NULL;
    s->job.run = stream_run;
    s->job.done = stream_done;
    if (!pool_submit(s->conn->srv->pool, &s->job)) {
        snprintf(s->msg, sizeof s->msg, "the database pool is full");
        return false;
    }
    s->busy = true;
    s->conn->srv->inflight++;
    return true;
}

static void finish(http_conn_t *c, int status)
{
    http_req_t *r = c->req;
    double secs = (double)(http_now_ns() - r->start_ns) / 1e9;
    metrics_observe(r->route_index, status, secs);
    http_log_request(r, r->stream->sent, secs);
    r->stream->ended = true;
}

/* The stream cannot go on. Before the head: a 500 like any handler's.
 * After it: closing without the last chunk is the only way left to tell
 * the client that what it got is not the whole body. */
static void fail(http_conn_t *c)
{
    http_req_t *r = c->req;
    http_stream_t *s = r->stream;
    char line[400];
    snprintf(line, sizeof line, "%s: %s", r->request_id, s->msg);
    log_event("error", "stream_failed", line);
    if (!s->head_sent) {
        stream_free(r);
        r->resp_headers[0] = '\0'; /* the ETag and file name were the body's */
        http_reply_kind(r, ERR_INTERNAL, "The response could not be produced; retry later.");
        c->state = CS_HANDLING;
        conn_send_response(c);
        return;
    }
    finish(c, 500);
    conn_close(c);
}

/* Queues the part just made, then ends the body or asks for more. */
static void stream_done(pool_job_t *job)
{
    http_stream_t *s = (http_stream_t *)((char *)job - offsetof(http_stream_t, job));
    http_conn_t *c = s->conn;
    c->srv->inflight--;
    s->busy = false;
    if (c->dead) {
        conn_free(c);
        return;
    }
    if (s->step == STREAM_FAILED) {
        fail(c);
        return;
    }
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (!s->head_sent) {
        conn_write_head(c, c->req, s->chunked ? "Transfer-Encoding: chunked\r\n" : "");
        s->head_sent = true;
    }
    if (s->part.len) {
        if (s->chunked)
            evbuffer_add_printf(out, "%zx\r\n", s->part.len);
        /* No copy: the output buffer frees the part once it is sent. */
        evbuffer_add_reference(out, s->part.s, s->part.len, part_cleanup, NULL);
        if (s->chunked)
            evbuffer_add(out, "\r\n", 2);
        s->sent += s->part.len;
        s->part = (strbuf_t){0};
    }
    if (s->step == STREAM_DONE) {
        if (s->chunked)
            evbuffer_add(out, "0\r\n\r\n", 5);
        finish(c, c->req->status);
        conn_response_queued(c);
        return;
    }
    if (evbuffer_get_length(out) > STREAM_LOW_WATER) {
        s->waiting = true; /* write_cb resumes it */
        s->stall_len = evbuffer_get_length(out);
        conn_arm_timer(c, c->srv->cfg->request_timeout_s);
        return;
    }
    if (!ask(s))
        fail(c);
}

void stream_begin(http_conn_t *c)
{
    http_req_t *r = c->req;
    http_stream_t *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->conn = c;
    s->producer = r->producer;
    s->state = r->producer_state;
    r->producer = NULL; /* the stream owns it now */
    r->producer_state = NULL;
    r->stream = s;
    /* HTTP/1.0 has no chunked coding: there the end of the body is the
     * end of the connection. */
    s->chunked = r->head.minor_version >= 1;
    if (!s->chunked)
        r->keep_alive = false;
    c->state = CS_STREAMING;
    event_del(c->timer);
    if (r->head_only) {
        conn_write_head(c, r, s->chunked ? "Transfer-Encoding: chunked\r\n" : "");
        s->head_sent = true;
        finish(c, r->status);
        conn_response_queued(c);
        return;
    }
    bufferevent_setwatermark(c->bev, EV_WRITE, STREAM_LOW_WATER, 0);
    if (!ask(s))
        fail(c);
}

bool stream_busy(const http_req_t *r)
{
    return r && r->stream && r->stream->busy;
}

void stream_drained(http_conn_t *c)
{
    http_stream_t *s = c->req ? c->req->stream : NULL;
    if (!s || !s->waiting ||
        evbuffer_get_length(bufferevent_get_output(c->bev)) > STREAM_LOW_WATER)
        return;
    s->waiting = false;
    event_del(c->timer);
    if (!ask(s))
        fail(c);
}

void stream_timeout(http_conn_t *c)
{
    http_stream_t *s = c->req ? c->req->stream : NULL;
    if (s && s->waiting) {
        size_t len = evbuffer_get_length(bufferevent_get_output(c->bev));
        if (len < s->stall_len) { /* slow, but reading */
            s->stall_len = len;
            conn_arm_timer(c, c->srv->cfg->request_timeout_s);
            return;
        }
        snprintf(s->msg, sizeof s->msg, "the client stopped reading");
        log_event("warn", "stream_stalled", c->req->request_id);
        finish(c, 499);
    }
    conn_close(c);
}

void stream_free(http_req_t *r)
{
    http_stream_t *s = r->stream;
    if (!s)
        return;
    if (!s->ended && s->head_sent) { /* the client left mid-body */
        double secs = (double)(http_now_ns() - r->start_ns) / 1e9;
        metrics_observe(r->route_index, 499, secs);
        http_log_request(r, s->sent, secs);
    }
    s->producer->free(s->state);
    free(s->part.s);
    if (r->conn->bev && !r->conn->dead)
        bufferevent_setwatermark(r->conn->bev, EV_WRITE, 0, 0);
    free(s);
    r->stream = NULL;
}
