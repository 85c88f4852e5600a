/* The gRPC transport (issue 6): HTTP/2 with nghttp2 on the event loop,
 * cleartext with prior knowledge, or TLS with ALPN h2 when a certificate
 * and key are configured. It frames and deframes messages and speaks the
 * gRPC status protocol; what a method does is a handler's business
 * (bridge.c: the REST routes' service functions; health.c; reflection.c).
 *
 * Every callback below runs on the loop thread. A handler that needs the
 * database submits a pool job and answers from its done callback. */
#ifndef PROBITY_GRPC_SERVER_H
#define PROBITY_GRPC_SERVER_H

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../storage/pool.h"

/* gRPC status codes (grpc/doc/statuscodes.md). */
typedef enum {
    GRPC_OK = 0,
    GRPC_CANCELLED = 1,
    GRPC_UNKNOWN = 2,
    GRPC_INVALID_ARGUMENT = 3,
    GRPC_DEADLINE_EXCEEDED = 4,
    GRPC_NOT_FOUND = 5,
    GRPC_ALREADY_EXISTS = 6,
    GRPC_PERMISSION_DENIED = 7,
    GRPC_RESOURCE_EXHAUSTED = 8,
    GRPC_FAILED_PRECONDITION = 9,
    GRPC_ABORTED = 10,
    GRPC_OUT_OF_RANGE = 11,
    GRPC_UNIMPLEMENTED = 12,
    GRPC_INTERNAL = 13,
    GRPC_UNAVAILABLE = 14,
    GRPC_DATA_LOSS = 15,
    GRPC_UNAUTHENTICATED = 16,
} grpc_code_t;

typedef struct grpc_call grpc_call_t;
typedef struct grpc_server grpc_server_t;

typedef enum { GRPC_UNARY, GRPC_SERVER_STREAMING, GRPC_BIDI_STREAMING } grpc_call_kind_t;

/* A method: its full path ("/probity.v1.OrganizationsService/Get"), how it
 * streams, and its handler. Unary and server-streaming handlers get the
 * one request message once the client has half-closed; bidi handlers get
 * each message as it arrives, then a NULL message (len 0, msg NULL) at the
 * client's half-close. */
typedef void (*grpc_handler_fn)(grpc_call_t *call, const uint8_t *msg, size_t len, void *arg);
typedef struct {
    const char *path;
    grpc_call_kind_t kind;
    grpc_handler_fn fn;
    void *arg;
} grpc_method_t;

/* Called when the call ends before the handler finished it: the client
 * reset the stream, its deadline passed, or the connection went. The
 * handler stops its work (cancels a database query) and must still let go
 * of the call (grpc_call_release, or grpc_call_finish, which then sends
 * nothing), possibly later; sends are ignored. Called at most once. */
typedef void (*grpc_cancel_fn)(grpc_call_t *call, void *arg);

typedef struct {
    const char *addr;           /* host:port, PROBITY_GRPC_ADDR */
    const char *tls_cert_file;  /* both set: TLS with ALPN h2; else cleartext */
    const char *tls_key_file;
    size_t max_message;         /* PROBITY_GRPC_MAX_MESSAGE, default 4 MiB, both ways */
    uint32_t max_streams;       /* SETTINGS_MAX_CONCURRENT_STREAMS per connection */
    int max_connections;
    int idle_timeout_s;
    int shutdown_timeout_s;
} grpc_config_t;

/* Binds and listens; NULL with a one-line reason in msg. methods (sorted or
 * not) must outlive the server. */
grpc_server_t *grpc_server_create(struct event_base *base, const grpc_config_t *cfg,
                                  const grpc_method_t *methods, size_t nmethods, char *msg,
                                  size_t msglen);
/* GOAWAY to every connection, lets calls in flight finish (bounded by
 * shutdown_timeout_s), then closes. */
void grpc_server_shutdown(grpc_server_t *srv);
/* After grpc_server_shutdown: every connection is closed (calls done, or
 * the shutdown timeout passed). True for NULL (no gRPC server). The loop's
 * owner runs the loop until then; the server does not break it. */
bool grpc_server_drained(const grpc_server_t *srv);
/* The loop the server runs on (a handler's own timers). */
struct event_base *grpc_server_base(const grpc_server_t *srv);
void grpc_server_free(grpc_server_t *srv);

/* About a call, for its handler. */
const char *grpc_call_path(const grpc_call_t *call);
/* A request metadata value (lower-case name), or NULL; binary ("-bin")
 * values are returned still base64-encoded, as sent. */
const char *grpc_call_metadata(const grpc_call_t *call, const char *name);
/* How many values a metadata name has (a repeated authorization is refused). */
int grpc_call_metadata_count(const grpc_call_t *call, const char *name);
const char *grpc_call_peer(const grpc_call_t *call);
/* The call's request id: the client's x-request-id when it is 1-128 of
 * [A-Za-z0-9._:-], else one made here; the log line of the call carries it. */
const char *grpc_call_request_id(const grpc_call_t *call);
/* The absolute deadline (CLOCK_MONOTONIC microseconds) from grpc-timeout;
 * 0 when the client set none. */
int64_t grpc_call_deadline_us(const grpc_call_t *call);
void grpc_call_set_cancel(grpc_call_t *call, grpc_cancel_fn fn, void *arg);
bool grpc_call_cancelled(const grpc_call_t *call);

/* Answers. Response headers go out before the first message; a call
 * finished without a message is answered trailers-only. Each message is
 * framed (5-byte prefix, uncompressed) and sent under flow control; a
 * message over max_message is not sent and the call ends
 * RESOURCE_EXHAUSTED instead. Adding initial metadata is possible until the
 * first message or the finish. */
void grpc_call_add_metadata(grpc_call_t *call, const char *name, const char *value);
void grpc_call_send(grpc_call_t *call, const uint8_t *msg, size_t len);
/* Ends the call with status, a message (percent-encoded on the wire) and,
 * unless NULL, grpc-status-details-bin (a serialized google.rpc.Status,
 * base64-encoded here). Releases the handler's hold: don't touch call after
 * (unless it is a streaming call kept with grpc_call_hold). */
void grpc_call_finish(grpc_call_t *call, grpc_code_t code, const char *message,
                      const uint8_t *details, size_t details_len);
/* The handler's hold: taken when the handler is first called, whatever
 * the kind, and kept after it returns (a pool job answers later) until
 * grpc_call_finish or grpc_call_release. grpc_call_hold marks it kept past
 * grpc_call_finish too (a streaming handler that still looks at the call
 * after finishing it); only grpc_call_release then lets go. After letting
 * go, don't touch the call (it may be freed at once). A release of a call
 * not yet finished nor cancelled ends it INTERNAL. */
void grpc_call_hold(grpc_call_t *call);
void grpc_call_release(grpc_call_t *call);

/* Visits every open call of a method path (health Watch pushes a change). */
void grpc_server_each_call(grpc_server_t *srv, const char *path,
                           void (*fn)(grpc_call_t *call, void *arg), void *arg);

/* The deframer, apart so that it can be fuzzed (tests/fuzz): feeds n bytes
 * of a stream's DATA into d; each complete message is handed to fn. Returns
 * GRPC_OK, or the status the call must end with (a compressed message:
 * UNIMPLEMENTED; one over max: RESOURCE_EXHAUSTED). Buffers at most one
 * message (never more than max bytes). */
typedef struct {
    uint8_t prefix[5];
    size_t have_prefix;
    uint8_t *buf;
    size_t len, want;
    size_t max;
} grpc_deframer_t;
grpc_code_t grpc_deframe(grpc_deframer_t *d, const uint8_t *data, size_t n,
                         void (*fn)(const uint8_t *msg, size_t len, void *arg), void *arg);
void grpc_deframer_free(grpc_deframer_t *d);

#endif
