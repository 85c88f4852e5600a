/* The handler's side of a gRPC call (grpc_server.h): what it reads of the
 * request (path, metadata, peer, deadline) and how it answers (initial
 * metadata, messages, a status), and its hold on the call. The stream's
 * side, which frames and sends what is decided here, is call.c.
 *
 * A handler that finishes after its stream went finds its sends and finish
 * turned into no-ops; the call is freed when both sides have let go
 * (transport.h). */
#include <stdlib.h>
#include <string.h>

#include "transport.h"

const char *grpc_call_path(const grpc_call_t *call)
{
    return call->path;
}

const char *grpc_call_metadata(const grpc_call_t *call, const char *name)
{
    for (int i = 0; i < call->nmd; i++)
        if (strcmp(call->md[i].name, name) == 0)
            return call->md[i].value;
    return NULL;
}

int grpc_call_metadata_count(const grpc_call_t *call, const char *name)
{
    int n = 0;
    for (int i = 0; i < call->nmd; i++)
        n += strcmp(call->md[i].name, name) == 0;
    return n;
}

const char *grpc_call_peer(const grpc_call_t *call)
{
    return call->peer;
}

const char *grpc_call_request_id(const grpc_call_t *call)
{
    return call->request_id;
}

int64_t grpc_call_deadline_us(const grpc_call_t *call)
{
    return call->deadline_us;
}

void grpc_call_set_cancel(grpc_call_t *call, grpc_cancel_fn fn, void *arg)
{
    call->cancel_fn = fn;
    call->cancel_arg = arg;
}

bool grpc_call_cancelled(const grpc_call_t *call)
{
    return call->cancelled;
}

/* Names a handler may add: lower-case tokens, not pseudo-headers, not the
 * transport's own (grpc-*, content-type); values without CR, LF or NUL. */
static bool metadata_ok(const char *name, const char *value)
{
    if (!name[0] || strncmp(name, "grpc-", 5) == 0 || strcmp(name, "content-type") == 0 ||
        strcmp(name, "te") == 0)
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
              *p == '.'))
            return false;
    return !strpbrk(value, "\r\n");
}

void grpc_call_add_metadata(grpc_call_t *call, const char *name, const char *value)
{
    if (call->headers_submitted || call->ended || !metadata_ok(name, value))
        return;
    call_md_add(call, &call->resp_md, &call->nresp_md, &call->capresp_md, name, strlen(name), value,
                strlen(value));
}

void grpc_call_send(grpc_call_t *call, const uint8_t *msg, size_t len)
{
    grpc_conn_t *c = call->conn;
    if (call->ended || call->cancelled || !c)
        return;
    size_t max = c->srv->cfg.max_message;
    call_ref(call);
    conn_enter(c);
    if (len > max) {
        call->cancelled = true; /* the handler's further sends go nowhere */
        call_send_status(call, GRPC_RESOURCE_EXHAUSTED,
                         "The response message is larger than the maximum.", NULL, false);
    } else if (call->out && call->out_bytes + len > 2 * max) {
        /* A message waiting behind one on its way is fine; a reader further
         * behind than that would only grow our memory. */
        call->cancelled = true;
        call_send_status(call, GRPC_RESOURCE_EXHAUSTED, "The client is not reading.", NULL, true);
    } else {
        grpc_out_msg_t *m = call_xmalloc(sizeof *m + 5 + len);
        m->next = NULL;
        m->len = 5 + len;
        m->off = 0;
        m->data[0] = 0;
        m->data[1] = (uint8_t)(len >> 24);
        m->data[2] = (uint8_t)(len >> 16);
        m->data[3] = (uint8_t)(len >> 8);
        m->data[4] = (uint8_t)len;
        if (len)
            memcpy(m->data + 5, msg, len);
        if (call->out_tail)
            call->out_tail->next = m;
        else
            call->out = m;
        call->out_tail = m;
        call->out_bytes += m->len;
        if (!call->headers_submitted) {
            call_submit_head(call, false);
        } else if (call->data_deferred) {
            call->data_deferred = false;
            nghttp2_session_resume_data(c->session, call->stream_id);
        }
        c->want_send = true;
    }
    conn_leave_later(c);
    call_unref(call);
}

/* Lets go of the handler's hold (once). */
static void handler_let_go(grpc_call_t *call)
{
    if (!call->handler_ref)
        return;
    call->handler_ref = false;
    call->kept = false;
    call_unref(call);
}

void grpc_call_finish(grpc_call_t *call, grpc_code_t code, const char *message,
                      const uint8_t *details, size_t details_len)
{
    grpc_conn_t *c = call->conn;
    call_ref(call);
    if (!call->ended && !call->cancelled && c) {
        conn_enter(c);
        call_send_status(call, code, message,
                         details ? call_base64_unpadded(details, details_len) : NULL, false);
        conn_leave_later(c);
    }
    /* Else the call already ended (its stream gone, or the transport ending
     * it: a deadline, a reset): nothing is sent. */
    if (!call->kept)
        handler_let_go(call);
    call_unref(call);
}

void grpc_call_hold(grpc_call_t *call)
{
    if (call->handler_ref)
        call->kept = true;
}

void grpc_call_release(grpc_call_t *call)
{
    if (!call->ended && !call->cancelled && call->conn) {
        grpc_conn_t *c = call->conn;
        call_ref(call);
        conn_enter(c);
        call_send_status(call, GRPC_INTERNAL, "The handler ended without a status.", NULL, false);
        conn_leave_later(c);
        call_unref(call);
    }
    handler_let_go(call);
}
