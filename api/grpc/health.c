/* grpc.health.v1.Health: Check and Watch, for the whole server ("") and
 * each service reflection lists. The status is the database's, decided as
 * /readyz decides it (ops_database_ready) by a pool job, never on the loop:
 * SERVING when it answers with the schema this build needs, NOT_SERVING
 * otherwise. One check at a time serves every Check waiting for it; while
 * anyone watches, the database is checked again every second and watchers
 * get a message at each change. */
#include <stdlib.h>
#include <string.h>

#include "../http/routes.h"
#include "grpc/health/v1/health.pb-c.h"
#include "health.h"
#include "reflection.h"

#define HEALTH_RECHECK_S 1

enum {
    ST_UNKNOWN = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__UNKNOWN,
    ST_SERVING = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING,
    ST_NOT_SERVING = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING,
    ST_SERVICE_UNKNOWN = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN,
};

/* A Check waiting for the database check, or a Watch. */
typedef struct health_call {
    grpc_call_t *call;
    bool watch;
    bool known; /* Watch: the service exists (else SERVICE_UNKNOWN, and no updates) */
    int sent;   /* Watch: the status last sent (ST_UNKNOWN: none yet) */
    struct health_call *prev, *next;
} health_call_t;

static struct {
    pool_t *pool;
    grpc_server_t *srv;
    int status;    /* the last check's verdict; ST_UNKNOWN before the first */
    bool checking; /* the job is on the pool */
    bool job_ok;   /* the worker's verdict, read in its done callback */
    pool_job_t job;
    health_call_t *checks; /* Checks waiting for the job */
    health_call_t *watches;
    struct event *timer; /* the next re-check while there are watchers */
} H;

/* ------------------------------------------------------------------ lists */

static void list_add(health_call_t **head, health_call_t *h)
{
    h->prev = NULL;
    h->next = *head;
    if (*head)
        (*head)->prev = h;
    *head = h;
}

static void list_remove(health_call_t **head, health_call_t *h)
{
    if (h->prev)
        h->prev->next = h->next;
    else
        *head = h->next;
    if (h->next)
        h->next->prev = h->prev;
}

/* The call ended without us (reset, deadline, connection lost, shutdown). */
static void health_cancel(grpc_call_t *call, void *arg)
{
    health_call_t *h = arg;
    list_remove(h->watch ? &H.watches : &H.checks, h);
    free(h);
    grpc_call_release(call);
}

/* ------------------------------------------------------------ the answers */

static void send_status(grpc_call_t *call, int status)
{
    Grpc__Health__V1__HealthCheckResponse resp = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
    resp.status = (Grpc__Health__V1__HealthCheckResponse__ServingStatus)status;
    uint8_t buf[16];
    size_t len = grpc__health__v1__health_check_response__pack(&resp, buf);
    grpc_call_send(call, buf, len);
}

/* Answers every waiting Check, and tells each watcher a change. */
static void health_publish(void)
{
    while (H.checks) {
        health_call_t *h = H.checks;
        list_remove(&H.checks, h);
        send_status(h->call, H.status);
        grpc_call_finish(h->call, GRPC_OK, NULL, NULL, 0);
        free(h);
    }
    for (health_call_t *h = H.watches; h; h = h->next) {
        if (!h->known || h->sent == H.status)
            continue;
        h->sent = H.status;
        send_status(h->call, H.status);
    }
}

/* ----------------------------------------------------- the database check */

static void job_run(db_t *db, pool_job_t *job)
{
    (void)job;
    app_error_t err;
    err_clear(&err);
    int version;
    H.job_ok = ops_database_ready(db, &version, &err);
}

static void health_arm(void);

static void job_done(pool_job_t *job)
{
    (void)job;
    H.checking = false;
    H.status = H.job_ok ? ST_SERVING : ST_NOT_SERVING;
    health_publish();
    health_arm();
}

static void health_check_start(void)
{
    if (H.checking)
        return;
    H.job = (pool_job_t){.run = job_run, .done = job_done};
    if (pool_submit(H.pool, &H.job)) {
        H.checking = true;
        return;
    }
    /* The pool's queue is full: the server is overloaded, which is not
     * serving, and the waiting Checks should not wait for a later check. */
    H.status = ST_NOT_SERVING;
    health_publish();
    health_arm();
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    if (H.watches)
        health_check_start();
}

/* Another check in HEALTH_RECHECK_S while there are watchers. */
static void health_arm(void)
{
    if (!H.watches || !H.timer || evtimer_pending(H.timer, NULL))
        return;
    struct timeval tv = {HEALTH_RECHECK_S, 0};
    evtimer_add(H.timer, &tv);
}

/* --------------------------------------------------------------- handlers */

/* The request's service: "" (the server) or a service reflection lists.
 * NULL when the request does not parse. *known says which. */
static Grpc__Health__V1__HealthCheckRequest *health_request(grpc_call_t *call, const uint8_t *msg,
                                                            size_t len, bool *known)
{
    Grpc__Health__V1__HealthCheckRequest *req =
        grpc__health__v1__health_check_request__unpack(NULL, len, msg);
    if (!req) {
        grpc_call_finish(call, GRPC_INVALID_ARGUMENT, "The HealthCheckRequest does not parse.",
                         NULL, 0);
        return NULL;
    }
    *known = !req->service[0] || grpc_reflection_service_known(req->service);
    return req;
}

static health_call_t *health_track(grpc_call_t *call, bool watch, bool known)
{
    health_call_t *h = calloc(1, sizeof *h);
    if (!h)
        abort();
    h->call = call;
    h->watch = watch;
    h->known = known;
    list_add(watch ? &H.watches : &H.checks, h);
    grpc_call_set_cancel(call, health_cancel, h);
    return h;
}

static void health_check(grpc_call_t *call, const uint8_t *msg, size_t len, void *arg)
{
    (void)arg;
    bool known;
    Grpc__Health__V1__HealthCheckRequest *req = health_request(call, msg, len, &known);
    if (!req)
        return;
    if (!known) {
        grpc_call_finish(call, GRPC_NOT_FOUND, "Unknown service.", NULL, 0);
    } else {
        health_track(call, false, true);
        health_check_start(); /* each Check looks at the database (or joins a look) */
    }
    grpc__health__v1__health_check_request__free_unpacked(req, NULL);
}

/* Server streaming until the client cancels: the current status at once
 * (or after the first check), then each change. An unknown service gets
 * SERVICE_UNKNOWN and the call stays open, as the protocol says. */
static void health_watch(grpc_call_t *call, const uint8_t *msg, size_t len, void *arg)
{
    (void)arg;
    bool known;
    Grpc__Health__V1__HealthCheckRequest *req = health_request(call, msg, len, &known);
    if (!req)
        return;
    grpc__health__v1__health_check_request__free_unpacked(req, NULL);
    health_call_t *h = health_track(call, true, known);
    if (!known) {
        h->sent = ST_SERVICE_UNKNOWN;
        send_status(call, ST_SERVICE_UNKNOWN);
        return;
    }
    if (H.status != ST_UNKNOWN) {
        h->sent = H.status;
        send_status(call, H.status);
    }
    if (!H.checking && (H.status == ST_UNKNOWN || !H.timer || !evtimer_pending(H.timer, NULL)))
        health_check_start();
}

static const grpc_method_t METHODS[] = {
    {"/grpc.health.v1.Health/Check", GRPC_UNARY, health_check, NULL},
    {"/grpc.health.v1.Health/Watch", GRPC_SERVER_STREAMING, health_watch, NULL},
};

const grpc_method_t *grpc_health_methods(pool_t *pool, size_t *n)
{
    H.pool = pool;
    *n = sizeof METHODS / sizeof METHODS[0];
    return METHODS;
}

void grpc_health_attach(grpc_server_t *srv)
{
    H.srv = srv;
    if (srv && !H.timer) {
        H.timer = evtimer_new(grpc_server_base(srv), timer_cb, NULL);
        if (!H.timer)
            abort();
    } else if (!srv && H.timer) {
        event_free(H.timer);
        H.timer = NULL;
    }
}
