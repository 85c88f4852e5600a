/* The bridge's answers (bridge_internal.h): REST's answer to the request a
 * call stood for, turned into the call's answer. A success becomes the
 * method's output message (a list's next_cursor its next_page_token, a
 * document its head's facts and its bytes, a 204 google.protobuf.Empty),
 * REST's ETag its metadata; a problem becomes a gRPC status by the one
 * table (domain/error.c), its field errors a google.rpc.BadRequest naming
 * request fields. The method table and the calls are bridge.c. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../domain/error.h"
#include "../../storage/log.h"
#include "../http/server.h"
#include "bridge_internal.h"
#include "google/protobuf/any.pb-c.h"
#include "google/rpc/error_details.pb-c.h"
#include "google/rpc/status.pb-c.h"
#include "pbjson.h"
#include "pbwire.h"

/* A response header REST set (resp_headers: "Name: value\r\n" lines);
 * false when absent. */
static bool resp_header(const http_req_t *r, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    for (const char *p = r->resp_headers; *p;) {
        const char *eol = strstr(p, "\r\n");
        if (!eol)
            break;
        if ((size_t)(eol - p) > nl + 1 && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            size_t n = (size_t)(eol - v) < outlen ? (size_t)(eol - v) : outlen - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return true;
        }
        p = eol + 2;
    }
    return false;
}

/* The request field a REST problem's field names. */
static void violation_field(const bridge_method_t *bm, const char *rest_field, char *out,
                            size_t outlen)
{
    const char *param = bridge_paging_field(rest_field);
    if (param && bm->md->input && bridge_field_named(bm->md->input, param)) {
        snprintf(out, outlen, "%s", param);
        return;
    }
    if (bm->inner) {
        char head[96];
        snprintf(head, sizeof head, "%.*s", (int)strcspn(rest_field, ".["), rest_field);
        if (bridge_field_named(bm->inner->descriptor, head)) {
            snprintf(out, outlen, "%s.%s", bm->inner->name, rest_field);
            return;
        }
    }
    snprintf(out, outlen, "%s", rest_field);
}

/* google.rpc.Status{code, message, details: [BadRequest]} packed into
 * *out (malloc'd). */
static size_t status_details(grpc_code_t code, const char *message, size_t n,
                             const char *const *fields, const char *const *descs, uint8_t **out)
{
    Google__Rpc__BadRequest br = GOOGLE__RPC__BAD_REQUEST__INIT;
    Google__Rpc__BadRequest__FieldViolation *fv = calloc(n ? n : 1, sizeof *fv);
    Google__Rpc__BadRequest__FieldViolation **fvp = calloc(n ? n : 1, sizeof *fvp);
    if (!fv || !fvp)
        abort();
    for (size_t i = 0; i < n; i++) {
        google__rpc__bad_request__field_violation__init(&fv[i]);
        fv[i].field = (char *)fields[i];
        fv[i].description = (char *)descs[i];
        fvp[i] = &fv[i];
    }
    br.n_field_violations = n;
    br.field_violations = fvp;
    size_t blen = google__rpc__bad_request__get_packed_size(&br);
    uint8_t *bbuf = malloc(blen ? blen : 1);
    if (!bbuf)
        abort();
    google__rpc__bad_request__pack(&br, bbuf);
    Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
    any.type_url = "type.googleapis.com/google.rpc.BadRequest";
    any.value.data = bbuf;
    any.value.len = blen;
    Google__Protobuf__Any *anyp = &any;
    Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
    st.code = (int32_t)code;
    st.message = (char *)message;
    st.n_details = 1;
    st.details = &anyp;
    size_t len = google__rpc__status__get_packed_size(&st);
    *out = malloc(len ? len : 1);
    if (!*out)
        abort();
    google__rpc__status__pack(&st, *out);
    free(bbuf);
    free(fvp);
    free(fv);
    return len;
}

void bridge_finish_invalid(grpc_call_t *call, const char *message, const char *field)
{
    uint8_t *det = NULL;
    size_t dlen = 0;
    if (field && *field) {
        const char *const fields[] = {field}, *const descs[] = {message};
        dlen = status_details(GRPC_INVALID_ARGUMENT, message, 1, fields, descs, &det);
    }
    grpc_call_finish(call, GRPC_INVALID_ARGUMENT, message, det, dlen);
    free(det);
}

/* REST's problem as the call's status. */
static void answer_problem(grpc_call_t *call, const bridge_method_t *bm, const http_req_t *r,
                           const char *body, size_t len)
{
    json_t *p = body ? json_loadb(body, len, 0, NULL) : NULL;
    const char *type = json_string_value(json_object_get(p, "type"));
    const err_info_t *info = NULL;
    if (type && strncmp(type, "urn:probity:problem:", 20) == 0)
        info = err_info_by_slug(type + 20);
    for (int k = 0; !info && k < ERR__COUNT; k++)
        if (err_info((err_kind_t)k)->http_status == r->status && k != ERR_NONE)
            info = err_info((err_kind_t)k);
    grpc_code_t code = info ? (grpc_code_t)info->grpc_code : GRPC_UNKNOWN;
    if (info && info->kind == ERR_CONFLICT && bm->kind == K_CREATE)
        code = GRPC_ALREADY_EXISTS; /* a unique key taken */
    const char *detail = json_string_value(json_object_get(p, "detail"));
    char fallback[64];
    if (!detail) {
        snprintf(fallback, sizeof fallback, "%s (HTTP %d)", info ? info->title : "Error",
                 r->status);
        detail = fallback;
    }
    char retry[16];
    if (resp_header(r, "Retry-After", retry, sizeof retry))
        grpc_call_add_metadata(call, "retry-after", retry);
    json_t *errors = json_object_get(p, "errors");
    uint8_t *det = NULL;
    size_t dlen = 0;
    if (info && info->kind == ERR_INVALID) {
        size_t n = json_array_size(errors);
        char(*fields)[128] = calloc(n ? n : 1, sizeof *fields);
        const char **fp = calloc(n ? n : 1, sizeof *fp), **dp = calloc(n ? n : 1, sizeof *dp);
        if (!fields || !fp || !dp)
            abort();
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(errors, i);
            const char *f = json_string_value(json_object_get(e, "field"));
            const char *m = json_string_value(json_object_get(e, "message"));
            violation_field(bm, f ? f : "", fields[i], sizeof fields[i]);
            fp[i] = fields[i];
            dp[i] = m ? m : "";
        }
        dlen = status_details(code, detail, n, fp, dp, &det);
        free(fields);
        free(fp);
        free(dp);
    }
    grpc_call_finish(call, code, detail, det, dlen);
    free(det);
    json_decref(p);
}

void bridge_finish_internal(grpc_call_t *call, const bridge_method_t *bm, const char *why)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s: %s", bm->path, why);
    log_event("error", "grpc_bridge_answer", msg);
    grpc_call_finish(call, GRPC_INTERNAL, "The answer could not be converted.", NULL, 0);
}

/* Sets a document message's string field from text, if it has one. */
static void set_doc_field(json_t *doc, const ProtobufCMessageDescriptor *d, const char *name,
                          const char *value)
{
    const ProtobufCFieldDescriptor *f = bridge_field_named(d, name);
    json_t *j = f && f->type == PROTOBUF_C_TYPE_STRING && value ? json_string(value) : NULL;
    if (j)
        json_object_set_new(doc, name, j);
}

/* OUT_RAW: the head's facts and the body as the output message. */
static ProtobufCMessage *raw_message(const bridge_method_t *bm, const http_req_t *r,
                                     const char *body, size_t len, char *why, size_t whylen)
{
    const ProtobufCMessageDescriptor *d = bm->md->output;
    json_t *doc = json_object();
    char v[256];
    set_doc_field(doc, d, "content_type", r->content_type);
    if (resp_header(r, "Content-Language", v, sizeof v))
        set_doc_field(doc, d, "content_language", v);
    if (resp_header(r, "Content-Disposition", v, sizeof v)) {
        const char *fn = strstr(v, "filename=\"");
        if (fn) {
            fn += 10;
            char name[200];
            snprintf(name, sizeof name, "%.*s", (int)strcspn(fn, "\""), fn);
            set_doc_field(doc, d, "filename", name);
        }
    }
    ProtobufCMessage *m = pbjson_decode(d, doc, why, whylen);
    json_decref(doc);
    const ProtobufCFieldDescriptor *f = bridge_field_named(d, "body");
    if (!m || !f || f->label != PROTOBUF_C_LABEL_NONE)
        return m;
    void *p = (char *)m + f->offset;
    if (f->type == PROTOBUF_C_TYPE_BYTES) {
        ProtobufCBinaryData *b = p;
        b->data = malloc(len ? len : 1);
        if (!b->data)
            abort();
        memcpy(b->data, body, len);
        b->len = len;
    } else if (f->type == PROTOBUF_C_TYPE_STRING) {
        char *s = malloc(len + 1);
        if (!s)
            abort();
        memcpy(s, body, len);
        s[len] = '\0';
        *(char **)p = s;
    }
    return m;
}

/* POST /v1/api-keys answers the key plus its token, shown this once. When
 * the ApiKey message has no token field, the token goes out as the initial
 * metadata api-key-token instead of being lost (the key exists by now):
 * taken out of j and returned (malloc'd), else NULL. */
static bool token_as_metadata(const bridge_method_t *bm)
{
    return bm->kind == K_CREATE && strcmp(bm->entity->name, "api-keys") == 0 &&
           !bridge_field_named(bm->md->output, "token");
}

static char *take_token(const bridge_method_t *bm, json_t *j)
{
    const char *token = json_string_value(json_object_get(j, "token"));
    if (!token || !token_as_metadata(bm))
        return NULL;
    char *t = strdup(token);
    if (!t)
        abort();
    json_object_del(j, "token");
    return t;
}

void bridge_converted_free(converted_t *c)
{
    free(c->packed);
    free(c->token);
}

/* REST's JSON answer as the method's output message. Touches neither the
 * call nor the loop, so it runs on the pool worker that made the answer
 * (job_finish). The text goes straight to wire bytes when pbwire takes it
 * (every answer REST makes of a row); else through Jansson and
 * pbjson_decode, which also says what is wrong with an answer. */
void bridge_convert_answer(const bridge_method_t *bm, const char *body, size_t len, converted_t *c)
{
    c->done = true;
    if (body && !token_as_metadata(bm) &&
        pbwire_from_json(bm->md->output, body, len, bm->out == OUT_LIST ? "next_cursor" : NULL,
                         "next_page_token", &c->packed, &c->plen))
        return;
    json_error_t jerr;
    json_t *j = body ? json_loadb(body, len, 0, &jerr) : NULL;
    if (!j) {
        snprintf(c->why, sizeof c->why, "a success without a JSON body");
        return;
    }
    if (bm->out == OUT_LIST) { /* REST's cursor is the page token */
        json_t *cur = json_object_get(j, "next_cursor");
        if (json_is_string(cur))
            json_object_set(j, "next_page_token", cur);
        json_object_del(j, "next_cursor");
    }
    c->token = take_token(bm, j);
    ProtobufCMessage *m = pbjson_decode(bm->md->output, j, c->why, sizeof c->why);
    json_decref(j);
    if (!m)
        return;
    c->plen = protobuf_c_message_get_packed_size(m);
    c->packed = malloc(c->plen ? c->plen : 1);
    if (!c->packed)
        abort();
    protobuf_c_message_pack(m, c->packed);
    protobuf_c_message_free_unpacked(m, NULL);
}

/* REST's answer to r as the call's answer. body: the whole body (the
 * response's, or a streamed one gathered); pre: the success already
 * converted on the worker, or NULL. */
void bridge_answer(grpc_call_t *call, const bridge_method_t *bm, const http_req_t *r,
                   const char *body, size_t len, const converted_t *pre)
{
    grpc_call_add_metadata(call, "x-request-id", r->request_id);
    if (r->status < 200 || r->status > 299) {
        answer_problem(call, bm, r, body, len);
        return;
    }
    char v[128];
    if (resp_header(r, "ETag", v, sizeof v))
        grpc_call_add_metadata(call, "etag", v);
    if (resp_header(r, "Idempotent-Replayed", v, sizeof v))
        grpc_call_add_metadata(call, "idempotent-replayed", v);
    if (bm->out == OUT_EMPTY) {
        grpc_call_send(call, (const uint8_t *)"", 0);
        grpc_call_finish(call, GRPC_OK, NULL, NULL, 0);
        return;
    }
    converted_t here = {0};
    const converted_t *c = pre && pre->done ? pre : &here;
    if (bm->out == OUT_RAW) {
        ProtobufCMessage *m = raw_message(bm, r, body ? body : "", len, here.why, sizeof here.why);
        here.done = true;
        if (m) {
            here.plen = protobuf_c_message_get_packed_size(m);
            here.packed = malloc(here.plen ? here.plen : 1);
            if (!here.packed)
                abort();
            protobuf_c_message_pack(m, here.packed);
            protobuf_c_message_free_unpacked(m, NULL);
        }
    } else if (c == &here) {
        bridge_convert_answer(bm, body, len, &here);
    }
    if (c->token)
        grpc_call_add_metadata(call, "api-key-token", c->token);
    if (c->packed) {
        grpc_call_send(call, c->packed, c->plen);
        grpc_call_finish(call, GRPC_OK, NULL, NULL, 0);
    } else {
        bridge_finish_internal(call, bm, c->why);
    }
    bridge_converted_free(&here);
}
