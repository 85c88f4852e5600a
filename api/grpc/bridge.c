/* The methods answered by the REST routes (bridge.h). A call is decoded,
 * turned into the REST request it stands for (api/http/internal.c: the
 * same route table, authentication, handlers, permissions, audit trail and
 * idempotency), run on the pool as the HTTP server runs its own, and REST's
 * answer is turned into the method's message, or its problem into a gRPC
 * status by the one table (domain/error.c). This file holds the method
 * table, the REST request a call becomes and the call's jobs on the pool;
 * turning the answer into the call's message or status is bridge_answer.c.
 *
 * Entity services (api/proto/entity_services.h) map by method name: Get,
 * List, Create, Update, Delete on /v1/<entity>. The actions
 * (actions.proto) map by one table, ACTIONS below: REST method and path
 * template; the request's other fields go to the query (GET) or the body
 * (POST). Field violations name request fields: REST's "name" is
 * "organization.name" in a CreateOrganizationRequest, "limit" and "cursor"
 * are page_size and page_token. */
#include "bridge.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../domain/registry.h"
#include "../../domain/strbuf.h"
#include "../http/server.h"
#include "bridge_internal.h"
#include "entity_services.h"
#include "google/protobuf/field_mask.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "pbjson.h"
#include "probity/v1/actions.pb-c.h"

/* An action of actions.proto: the REST request it stands for. {field} in
 * path takes a request field; every other field that is set goes to the
 * query (GET) or the JSON body (POST). */
struct bridge_action {
    const char *service; /* full name */
    const char *method;
    const char *http_method;
    const char *path;
    bridge_out_t out;
    const char *accept;
};

static const bridge_action_t ACTIONS[] = {
    {"probity.v1.DisclosureComplianceService", "GetOrganizationCompliance", "GET",
     "/v1/organizations/{id}/disclosure-compliance", OUT_MESSAGE, "application/json"},
    {"probity.v1.DisclosureComplianceService", "GetBoard", "GET", "/v1/disclosure-compliance",
     OUT_MESSAGE, "application/json"},
    {"probity.v1.JobsService", "ListJobs", "GET", "/v1/jobs", OUT_MESSAGE, "application/json"},
    {"probity.v1.JobsService", "RunJob", "POST", "/v1/jobs/{kind}/runs", OUT_MESSAGE,
     "application/json"},
    {"probity.v1.NotificationsActionsService", "Resend", "POST", "/v1/notifications/{id}/resend",
     OUT_MESSAGE, "application/json"},
    {"probity.v1.ReceivablesActionsService", "GetTimeline", "GET", "/v1/receivables/{id}/timeline",
     OUT_MESSAGE, "application/json"},
    {"probity.v1.ReceivablesActionsService", "ListCollectionDeadlines", "GET",
     "/v1/collection-deadlines", OUT_MESSAGE, "application/json"},
    {"probity.v1.ReceivablesActionsService", "GetClaimDocument", "GET",
     "/v1/collection-actions/{id}/document", OUT_RAW, "text/plain"},
    {"probity.v1.CalendarsActionsService", "GetWorkingDays", "GET",
     "/v1/calendars/{jurisdiction}/working-days", OUT_MESSAGE, "application/json"},
    {"probity.v1.OrganizationsActionsService", "GetRelativeConflicts", "GET",
     "/v1/organizations/{id}/relative-conflicts", OUT_MESSAGE, "application/json"},
    {"probity.v1.ReportsActionsService", "GetReportTable", "GET", "/v1/reports/{id}", OUT_RAW,
     "text/csv"},
};

/* The services of actions.proto, whose every method must have a row above. */
static const ProtobufCServiceDescriptor *const ACTION_SERVICES[] = {
    &probity__v1__disclosure_compliance_service__descriptor,
    &probity__v1__jobs_service__descriptor,
    &probity__v1__notifications_actions_service__descriptor,
    &probity__v1__receivables_actions_service__descriptor,
    &probity__v1__calendars_actions_service__descriptor,
    &probity__v1__organizations_actions_service__descriptor,
    &probity__v1__reports_actions_service__descriptor,
};

/* The gRPC names of REST's paging parameters. */
static const struct {
    const char *field, *param;
} PAGING[] = {{"page_size", "limit"}, {"page_token", "cursor"}};

#define NACTIONS (sizeof ACTIONS / sizeof ACTIONS[0])
#define NACTION_SERVICES (sizeof ACTION_SERVICES / sizeof ACTION_SERVICES[0])

static pool_t *g_pool;
static size_t g_max_message = 4u << 20;
static grpc_method_t *g_methods;
static bridge_method_t *g_info;
static size_t g_n;
/* Per method, the REST route its last call took (routes_match_hinted);
 * touched on the loop thread only. */
static int *g_route_hint;

void grpc_bridge_set_max_message(size_t max)
{
    g_max_message = max;
}

/* ------------------------------------------------------------ the table */

const ProtobufCFieldDescriptor *bridge_field_named(const ProtobufCMessageDescriptor *d,
                                                   const char *name)
{
    return protobuf_c_message_descriptor_get_field_by_name(d, name);
}

/* A field that can go into a path or a query: a scalar or a Timestamp. */
static bool field_is_text(const ProtobufCFieldDescriptor *f)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED || f->type == PROTOBUF_C_TYPE_BYTES ||
        f->type == PROTOBUF_C_TYPE_FLOAT || f->type == PROTOBUF_C_TYPE_DOUBLE)
        return false;
    if (f->type == PROTOBUF_C_TYPE_MESSAGE)
        return strcmp(((const ProtobufCMessageDescriptor *)f->descriptor)->name,
                      "google.protobuf.Timestamp") == 0;
    return true;
}

/* A protos-and-table mismatch is a build mistake: say which, and stop. */
static void table_fail(const char *what, const char *name)
{
    fprintf(stderr, "grpc bridge: %s: %s\n", what, name);
    abort();
}

static void add_method(const ProtobufCServiceDescriptor *sd, const ProtobufCMethodDescriptor *md,
                       bridge_method_t info)
{
    bridge_method_t *b = &g_info[g_n];
    *b = info;
    b->md = md;
    snprintf(b->path, sizeof b->path, "/%s/%s", sd->name, md->name);
    g_n++;
}

static void add_entity(const entity_service_t *es)
{
    static const struct {
        const char *name;
        bridge_kind_t kind;
        bridge_out_t out;
    } KINDS[] = {{"Get", K_GET, OUT_MESSAGE},
                 {"List", K_LIST, OUT_LIST},
                 {"Create", K_CREATE, OUT_MESSAGE},
                 {"Update", K_UPDATE, OUT_MESSAGE},
                 {"Delete", K_DELETE, OUT_EMPTY}};
    const entity_t *e = registry_find(es->entity);
    if (!e)
        table_fail("no registry entity", es->entity);
    for (unsigned i = 0; i < es->service->n_methods; i++) {
        const ProtobufCMethodDescriptor *md = &es->service->methods[i];
        size_t k = 0;
        while (k < sizeof KINDS / sizeof KINDS[0] && strcmp(KINDS[k].name, md->name) != 0)
            k++;
        if (k == sizeof KINDS / sizeof KINDS[0])
            table_fail("an entity method the bridge does not know", md->name);
        bridge_method_t b = {
            .kind = KINDS[k].kind, .out = KINDS[k].out, .entity = e, .accept = "application/json"};
        if (b.kind == K_CREATE || b.kind == K_UPDATE) {
            for (unsigned f = 0; f < md->input->n_fields && !b.inner; f++)
                if (md->input->fields[f].type == PROTOBUF_C_TYPE_MESSAGE &&
                    md->input->fields[f].descriptor == es->message)
                    b.inner = &md->input->fields[f];
            if (!b.inner)
                table_fail("no entity message in", md->input->name);
        }
        if ((b.kind == K_GET || b.kind == K_DELETE) && !bridge_field_named(md->input, "id"))
            table_fail("no id in", md->input->name);
        add_method(es->service, md, b);
    }
}

static void add_action(const bridge_action_t *a)
{
    const ProtobufCServiceDescriptor *sd = NULL;
    for (size_t i = 0; i < NACTION_SERVICES && !sd; i++)
        if (strcmp(ACTION_SERVICES[i]->name, a->service) == 0)
            sd = ACTION_SERVICES[i];
    const ProtobufCMethodDescriptor *md =
        sd ? protobuf_c_service_descriptor_get_method_by_name(sd, a->method) : NULL;
    if (!md)
        table_fail("no such action method", a->method);
    /* Every path parameter is a field, and every field can be sent as text
     * (a POST's body takes any). */
    for (const char *p = strchr(a->path, '{'); p; p = strchr(p + 1, '{')) {
        char name[64];
        size_t n = strcspn(p + 1, "}");
        snprintf(name, sizeof name, "%.*s", (int)n, p + 1);
        if (!bridge_field_named(md->input, name))
            table_fail("a path parameter without a field", a->path);
    }
    if (strcmp(a->http_method, "GET") == 0)
        for (unsigned f = 0; f < md->input->n_fields; f++)
            if (!field_is_text(&md->input->fields[f]))
                table_fail("a query field that is no scalar", md->input->fields[f].name);
    add_method(
        sd, md,
        (bridge_method_t){.kind = K_ACTION, .out = a->out, .action = a, .accept = a->accept});
}

static void on_call(grpc_call_t *call, const uint8_t *msg, size_t len, void *arg);

const grpc_method_t *grpc_bridge_methods(pool_t *pool, size_t *n)
{
    g_pool = pool;
    if (!g_methods) {
        size_t cap = NACTIONS;
        for (size_t i = 0; i < ENTITY_SERVICES_COUNT; i++)
            cap += ENTITY_SERVICES[i].service->n_methods;
        g_info = calloc(cap, sizeof *g_info);
        g_methods = calloc(cap, sizeof *g_methods);
        g_route_hint = malloc(cap * sizeof *g_route_hint);
        if (!g_info || !g_methods || !g_route_hint)
            abort();
        for (size_t i = 0; i < cap; i++)
            g_route_hint[i] = -1;
        for (size_t i = 0; i < ENTITY_SERVICES_COUNT; i++)
            add_entity(&ENTITY_SERVICES[i]);
        size_t nactions = 0;
        for (size_t i = 0; i < NACTION_SERVICES; i++)
            nactions += ACTION_SERVICES[i]->n_methods;
        if (nactions != NACTIONS)
            table_fail("actions.proto and the ACTIONS table differ", "method count");
        for (size_t i = 0; i < NACTIONS; i++)
            add_action(&ACTIONS[i]);
        for (size_t i = 0; i < g_n; i++)
            g_methods[i] = (grpc_method_t){g_info[i].path, GRPC_UNARY, on_call, &g_info[i]};
    }
    *n = g_n;
    return g_methods;
}

void grpc_bridge_free(void)
{
    free(g_methods);
    free(g_info);
    free(g_route_hint);
    g_route_hint = NULL;
    g_methods = NULL;
    g_info = NULL;
    g_n = 0;
}

/* ------------------------------------------------- the REST request */

/* What a call becomes; filled by the builders, which return false with a
 * status when the request cannot be made (an empty id, a bad mask). */
typedef struct {
    const char *method;
    strbuf_t target;
    char *body; /* JSON text, or NULL */
    const char *content_type;
    char if_match[80];
    grpc_code_t code;
    char msg[200];
    char field[96]; /* the request field at fault, for a BadRequest */
} rest_t;

static bool refuse(rest_t *rr, const char *field, const char *fmt, const char *arg)
{
    rr->code = GRPC_INVALID_ARGUMENT;
    snprintf(rr->field, sizeof rr->field, "%s", field);
    snprintf(rr->msg, sizeof rr->msg, fmt, arg);
    return false;
}

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

/* s percent-encoded but for RFC 3986's unreserved bytes, which go in runs. */
static void pct_encode(strbuf_t *b, const char *s)
{
    static const char HEX[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        const unsigned char *run = p;
        while (*p && unreserved(*p))
            p++;
        if (p > run)
            strbuf_append(b, (const char *)run, (size_t)(p - run));
        if (*p) {
            char e[3] = {'%', HEX[*p >> 4], HEX[*p & 15]};
            strbuf_append(b, e, 3);
            p++;
        }
    }
}

/* A scalar or Timestamp field as the text REST reads; false when the
 * field is not present. */
static bool field_text(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, char *out,
                       size_t outlen, const char **str)
{
    *str = NULL;
    if (!pbjson_field_present(m, f))
        return false;
    const void *p = (const char *)m + f->offset;
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
        *str = *(char *const *)p;
        return true;
    case PROTOBUF_C_TYPE_MESSAGE: {
        const Google__Protobuf__Timestamp *t = *(Google__Protobuf__Timestamp *const *)p;
        char ts[36];
        if (!pbjson_format_timestamp(t->seconds, t->nanos, ts))
            snprintf(ts, sizeof ts, "invalid");
        snprintf(out, outlen, "%s", ts);
        return true;
    }
    default: {
        json_t *j = pbjson_encode_field(m, f, PBJSON_SET_ONLY);
        if (json_is_string(j))
            snprintf(out, outlen, "%s", json_string_value(j));
        else if (json_is_integer(j))
            snprintf(out, outlen, "%lld", (long long)json_integer_value(j));
        else
            snprintf(out, outlen, "%s", json_is_true(j) ? "true" : "false");
        json_decref(j);
        return true;
    }
    }
}

static void query_add(strbuf_t *t, bool *first, const char *name, const char *value)
{
    strbuf_append(t, *first ? "?" : "&", 1);
    *first = false;
    pct_encode(t, name);
    strbuf_append(t, "=", 1);
    pct_encode(t, value);
}

static const char *paging_param(const char *field)
{
    for (size_t i = 0; i < sizeof PAGING / sizeof PAGING[0]; i++)
        if (strcmp(PAGING[i].field, field) == 0)
            return PAGING[i].param;
    return NULL;
}

const char *bridge_paging_field(const char *param)
{
    for (size_t i = 0; i < sizeof PAGING / sizeof PAGING[0]; i++)
        if (strcmp(PAGING[i].param, param) == 0)
            return PAGING[i].field;
    return NULL;
}

/* Every present field not in `skip` (a path's parameters) as query
 * parameters, in field order. */
static void query_from(strbuf_t *t, const ProtobufCMessage *m, const char *skip_path)
{
    bool first = true;
    for (unsigned i = 0; i < m->descriptor->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &m->descriptor->fields[i];
        char pat[72];
        snprintf(pat, sizeof pat, "{%s}", f->name);
        if (skip_path && strstr(skip_path, pat))
            continue;
        char buf[64];
        const char *s;
        if (!field_text(m, f, buf, sizeof buf, &s))
            continue;
        const char *name = paging_param(f->name);
        query_add(t, &first, name ? name : f->name, s ? s : buf);
    }
}

/* "/v1/<entity>/<id>" with the id percent-encoded; false when it is empty. */
static bool entity_target(rest_t *rr, const bridge_method_t *bm, const char *id, const char *field)
{
    if (!id || !*id)
        return refuse(rr, field, "%s is required.", field);
    strbuf_reserve(&rr->target, 64 + strlen(id) * 3); /* each byte percent-encoded at most */
    strbuf_append(&rr->target, "/v1/", 4);
    strbuf_append(&rr->target, bm->entity->name, strlen(bm->entity->name));
    strbuf_append(&rr->target, "/", 1);
    pct_encode(&rr->target, id);
    return true;
}

static const char *string_field(const ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *f = bridge_field_named(m->descriptor, name);
    if (!f || f->type != PROTOBUF_C_TYPE_STRING || !pbjson_field_present(m, f))
        return NULL;
    return *(char *const *)((const char *)m + f->offset);
}

/* REST's If-Match: the etag as the ETag header showed it ("3", quoted), or
 * a bare version, which is quoted here. */
static void set_if_match(rest_t *rr, const char *etag)
{
    if (!etag || !*etag)
        return;
    if (etag[0] == '"' || strncmp(etag, "W/", 2) == 0 || strcmp(etag, "*") == 0)
        snprintf(rr->if_match, sizeof rr->if_match, "%s", etag);
    else
        snprintf(rr->if_match, sizeof rr->if_match, "\"%.76s\"", etag);
}

static bool field_read_only(const entity_t *e, const char *name)
{
    const field_t *f = registry_field(e, name);
    return f && (f->flags & F_READONLY);
}

static char *dump(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!s)
        abort();
    return s;
}

static bool build_create(rest_t *rr, const bridge_method_t *bm, const ProtobufCMessage *req)
{
    const ProtobufCMessage *inner =
        *(ProtobufCMessage *const *)((const char *)req + bm->inner->offset);
    json_t *body = inner ? pbjson_encode(inner, PBJSON_SET_ONLY) : json_object();
    /* REST refuses read-only members; the server sets them. */
    for (size_t i = 0; i < bm->entity->nfields; i++)
        if (bm->entity->fields[i].flags & F_READONLY)
            json_object_del(body, bm->entity->fields[i].name);
    rr->method = "POST";
    strbuf_printf(&rr->target, "/v1/%s", bm->entity->name);
    rr->body = dump(body);
    json_decref(body);
    return true;
}

static bool build_update(rest_t *rr, const bridge_method_t *bm, const ProtobufCMessage *req)
{
    const ProtobufCMessage *inner =
        *(ProtobufCMessage *const *)((const char *)req + bm->inner->offset);
    const ProtobufCFieldDescriptor *mf = bridge_field_named(req->descriptor, "update_mask");
    const Google__Protobuf__FieldMask *mask =
        mf && mf->type == PROTOBUF_C_TYPE_MESSAGE
            ? *(Google__Protobuf__FieldMask *const *)((const char *)req + mf->offset)
            : NULL;
    char idfield[96];
    snprintf(idfield, sizeof idfield, "%s.id", bm->inner->name);
    if (!entity_target(rr, bm, inner ? string_field(inner, "id") : NULL, idfield))
        return false;
    json_t *patch = json_object();
    if (mask && mask->n_paths) {
        /* Exactly the members the mask names; one unset is null. */
        for (size_t i = 0; i < mask->n_paths; i++) {
            const ProtobufCFieldDescriptor *f =
                bridge_field_named(bm->inner->descriptor, mask->paths[i]);
            if (!f) {
                json_decref(patch);
                return refuse(rr, "update_mask", "update_mask names %s, which is no field.",
                              mask->paths[i]);
            }
            json_object_set_new(patch, f->name,
                                inner ? pbjson_encode_field(inner, f, PBJSON_SET_ONLY)
                                      : json_null());
        }
    } else if (inner) {
        /* No mask: the fields that are set, as for a create. */
        json_decref(patch);
        patch = pbjson_encode(inner, PBJSON_SET_ONLY);
        for (size_t i = 0; i < bm->entity->nfields; i++)
            if (field_read_only(bm->entity, bm->entity->fields[i].name))
                json_object_del(patch, bm->entity->fields[i].name);
    }
    rr->method = "PATCH";
    rr->content_type = "application/merge-patch+json";
    rr->body = dump(patch);
    json_decref(patch);
    set_if_match(rr, string_field(req, "etag"));
    return true;
}

static bool build_action(rest_t *rr, const bridge_method_t *bm, const ProtobufCMessage *req)
{
    const bridge_action_t *a = bm->action;
    rr->method = a->http_method;
    /* The path, its {field}s filled in. */
    for (const char *p = a->path; *p;) {
        const char *open = strchr(p, '{');
        if (!open) {
            strbuf_append(&rr->target, p, strlen(p));
            break;
        }
        strbuf_append(&rr->target, p, (size_t)(open - p));
        size_t n = strcspn(open + 1, "}");
        char name[64], buf[64];
        snprintf(name, sizeof name, "%.*s", (int)n, open + 1);
        const char *s;
        const ProtobufCFieldDescriptor *f = bridge_field_named(req->descriptor, name);
        if (!field_text(req, f, buf, sizeof buf, &s) || (s && !*s))
            return refuse(rr, name, "%s is required.", name);
        pct_encode(&rr->target, s ? s : buf);
        p = open + 1 + n + 1;
    }
    if (strcmp(a->http_method, "GET") == 0) {
        query_from(&rr->target, req, a->path);
        return true;
    }
    json_t *body = pbjson_encode(req, PBJSON_SET_ONLY);
    for (const char *p = strchr(a->path, '{'); p; p = strchr(p + 1, '{')) {
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(p + 1, "}"), p + 1);
        json_object_del(body, name);
    }
    if (json_object_size(body))
        rr->body = dump(body);
    json_decref(body);
    return true;
}

static bool build(rest_t *rr, const bridge_method_t *bm, const ProtobufCMessage *req)
{
    rr->content_type = "application/json";
    switch (bm->kind) {
    case K_GET:
        rr->method = "GET";
        return entity_target(rr, bm, string_field(req, "id"), "id");
    case K_LIST:
        rr->method = "GET";
        strbuf_printf(&rr->target, "/v1/%s", bm->entity->name);
        query_from(&rr->target, req, NULL);
        return true;
    case K_CREATE:
        return build_create(rr, bm, req);
    case K_UPDATE:
        return build_update(rr, bm, req);
    case K_DELETE:
        rr->method = "DELETE";
        set_if_match(rr, string_field(req, "etag"));
        return entity_target(rr, bm, string_field(req, "id"), "id");
    case K_ACTION:
        return build_action(rr, bm, req);
    default:
        abort();
    }
}

/* ------------------------------------------------------------- calls */

typedef struct {
    pool_job_t job;
    grpc_call_t *call;
    const bridge_method_t *bm;
    http_req_t *r;
    bool cancelled; /* the call went (loop thread only) */
    bool producing; /* the job makes a streamed body's parts */
    strbuf_t body;  /* the streamed body */
    bool produce_failed, too_large;
    char msg[256];
    converted_t converted; /* the success as the call's message (job_finish) */
} bridge_call_t;

static bridge_call_t *job_call(pool_job_t *job)
{
    return (bridge_call_t *)((char *)job - offsetof(bridge_call_t, job));
}

static void bc_free(bridge_call_t *bc)
{
    http_req_free(bc->r); /* frees a producer's state too (on this, the loop thread) */
    free(bc->body.s);
    bridge_converted_free(&bc->converted);
    free(bc);
}

static void job_prepare(db_t *db, pool_job_t *job)
{
    http_req_prepare(db, job_call(job)->r);
}

static void job_run(db_t *db, pool_job_t *job)
{
    http_req_run(db, job_call(job)->r);
}

/* A streamed body (a report), made whole on the worker: a gRPC answer is one
 * message, so it is bounded by the message size. */
static void produce_run(db_t *db, pool_job_t *job)
{
    bridge_call_t *bc = job_call(job);
    http_req_t *r = bc->r;
    for (;;) {
        if (atomic_load(&job->cancelled))
            return;
        http_stream_step_t step =
            r->producer->next(db, r->producer_state, &bc->body, bc->msg, sizeof bc->msg);
        if (step == STREAM_FAILED) {
            bc->produce_failed = true;
            return;
        }
        if (bc->body.len > g_max_message) {
            bc->too_large = true;
            return;
        }
        if (step == STREAM_DONE)
            return;
    }
}

/* On the worker, the answer complete: a success becomes the call's
 * message here rather than on the loop. A body still to be gathered (a
 * stream) waits for its own job. */
static void job_finish(pool_job_t *job)
{
    bridge_call_t *bc = job_call(job);
    http_req_t *r = bc->r;
    if ((r->producer && !bc->producing) || r->status < 200 || r->status > 299 ||
        (bc->bm->out != OUT_MESSAGE && bc->bm->out != OUT_LIST) || bc->too_large ||
        bc->produce_failed)
        return;
    if (bc->producing)
        bridge_convert_answer(bc->bm, bc->body.s ? bc->body.s : "", bc->body.len, &bc->converted);
    else
        bridge_convert_answer(bc->bm, r->resp_body, r->resp_len, &bc->converted);
}

static void job_done(pool_job_t *job);

static bool submit(bridge_call_t *bc, void (*prepare)(db_t *, pool_job_t *),
                   void (*run)(db_t *, pool_job_t *))
{
    bc->job.prepare = prepare;
    bc->job.run = run;
    bc->job.finish = job_finish;
    bc->job.done = job_done;
    return pool_submit(g_pool, &bc->job);
}

static void job_done(pool_job_t *job)
{
    bridge_call_t *bc = job_call(job);
    http_req_t *r = bc->r;
    if (bc->cancelled) {
        grpc_call_release(bc->call);
        bc_free(bc);
        return;
    }
    if (r->producer && !bc->producing && r->status >= 200 && r->status <= 299) {
        bc->producing = true;
        if (submit(bc, NULL, produce_run))
            return;
        grpc_call_set_cancel(bc->call, NULL, NULL);
        grpc_call_finish(bc->call, GRPC_UNAVAILABLE, "The server is overloaded; retry later.", NULL,
                         0);
        bc_free(bc);
        return;
    }
    grpc_call_set_cancel(bc->call, NULL, NULL);
    if (bc->producing && bc->too_large) {
        char m[96];
        snprintf(m, sizeof m, "The answer is larger than the maximum message size (%zu bytes).",
                 g_max_message);
        grpc_call_finish(bc->call, GRPC_RESOURCE_EXHAUSTED, m, NULL, 0);
    } else if (bc->producing && bc->produce_failed) {
        bridge_finish_internal(bc->call, bc->bm, bc->msg);
    } else if (bc->producing) {
        bridge_answer(bc->call, bc->bm, r, bc->body.s ? bc->body.s : "", bc->body.len,
                      &bc->converted);
    } else {
        bridge_answer(bc->call, bc->bm, r, r->resp_body, r->resp_len, &bc->converted);
    }
    bc_free(bc);
}

/* The call went (deadline, RST_STREAM, connection): a queued job will not
 * run, a running one has its statement cancelled; job_done lets go. */
static void on_cancel(grpc_call_t *call, void *arg)
{
    (void)call;
    bridge_call_t *bc = arg;
    bc->cancelled = true;
    pool_cancel(g_pool, &bc->job);
}

/* The request message's memory: a buffer on on_call's stack, which it is
 * done with before it returns (past the buffer, malloc). */
typedef struct {
    _Alignas(max_align_t) unsigned char buf[2048];
    size_t used;
} req_arena_t;

static void *req_alloc(void *data, size_t size)
{
    req_arena_t *a = data;
    size_t n = (size + _Alignof(max_align_t) - 1) / _Alignof(max_align_t) * _Alignof(max_align_t);
    if (n <= sizeof a->buf - a->used) {
        void *p = a->buf + a->used;
        a->used += n;
        return p;
    }
    return malloc(size);
}

static void req_free(void *data, void *p)
{
    req_arena_t *a = data;
    uintptr_t u = (uintptr_t)p, lo = (uintptr_t)a->buf;
    if (u < lo || u >= lo + sizeof a->buf)
        free(p);
}

static void on_call(grpc_call_t *call, const uint8_t *msg, size_t len, void *arg)
{
    const bridge_method_t *bm = arg;
    req_arena_t arena;
    arena.used = 0;
    ProtobufCAllocator alloc = {.alloc = req_alloc, .free = req_free, .allocator_data = &arena};
    ProtobufCMessage *req = protobuf_c_message_unpack(bm->md->input, &alloc, len, msg);
    if (!req) {
        char m[200];
        snprintf(m, sizeof m, "The request is not a valid %s.", bm->md->input->name);
        grpc_call_finish(call, GRPC_INVALID_ARGUMENT, m, NULL, 0);
        return;
    }
    rest_t rr = {0};
    bool ok = build(&rr, bm, req);
    protobuf_c_message_free_unpacked(req, &alloc);
    if (!ok) {
        bridge_finish_invalid(call, rr.msg, rr.field);
        free(rr.target.s);
        free(rr.body);
        return;
    }
    /* The headers a REST client would send. A repeated authorization is
     * passed on as two fields, which REST refuses as it refuses two. */
    const char *h[20];
    int nh = 0;
    const char *auth = grpc_call_metadata(call, "authorization");
    int nauth = grpc_call_metadata_count(call, "authorization");
    for (int i = 0; auth && i < (nauth > 1 ? 2 : 1); i++) {
        h[nh++] = "Authorization";
        h[nh++] = auth;
    }
    const char *idem = grpc_call_metadata(call, "idempotency-key");
    if (idem && bm->kind == K_CREATE) {
        h[nh++] = "Idempotency-Key";
        h[nh++] = idem;
    }
    if (rr.if_match[0]) {
        h[nh++] = "If-Match";
        h[nh++] = rr.if_match;
    }
    h[nh++] = "Content-Type";
    h[nh++] = rr.content_type;
    h[nh++] = "Accept";
    h[nh++] = bm->accept;
    h[nh] = NULL;
    const char *rid = grpc_call_request_id(call);
    http_req_t *r = http_internal_new(rr.method, rr.target.s, h, rr.body,
                                      rr.body ? strlen(rr.body) : 0, grpc_call_peer(call), rid);
    free(rr.target.s);
    free(rr.body);
    if (!r) {
        grpc_call_finish(call, GRPC_INVALID_ARGUMENT,
                         "A metadata value cannot be passed on (a control character in it).", NULL, 0);
        return;
    }
    if (!http_internal_route(r, &g_route_hint[bm - g_info]) || r->route->on_loop) {
        if (r->route_index >= 0)
            r->route->fn(r, NULL); /* touches no database */
        bridge_answer(call, bm, r, r->resp_body, r->resp_len, NULL);
        http_req_free(r);
        return;
    }
    bridge_call_t *bc = calloc(1, sizeof *bc);
    if (!bc)
        abort();
    bc->call = call;
    bc->bm = bm;
    bc->r = r;
    if (!submit(bc, r->route->auth ? job_prepare : NULL, job_run)) {
        grpc_call_finish(call, GRPC_UNAVAILABLE, "The server is overloaded; retry later.", NULL, 0);
        bc_free(bc);
        return;
    }
    grpc_call_set_cancel(call, on_cancel, bc);
}
