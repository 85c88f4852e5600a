/* Server reflection (grpc.reflection.v1 and v1alpha, whose messages are the
 * same on the wire, so v1's generated code serves both), answered from the
 * FileDescriptorSet embedded at build time. protobuf-c does not generate
 * google/protobuf/descriptor.proto, so the set is walked here in its wire
 * format, for just what reflection needs: file names, dependencies, and
 * the fully-qualified names each file declares. Files are returned as the
 * exact bytes protoc wrote. */
#include <protobuf-c/protobuf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "descriptor_set.h"
#include "grpc/reflection/v1/reflection.pb-c.h"
#include "reflection.h"

/* ------------------------------------------------------------- wire format */

typedef struct {
    const uint8_t *p, *end;
} wire_t;

/* One field: its number, wire type, and (length-delimited) its bytes or
 * (varint) its value. False at the end or on malformed input. */
typedef struct {
    uint32_t number;
    int type;
    const uint8_t *data;
    size_t len;
    uint64_t value;
} wire_field_t;

static bool wire_varint(wire_t *w, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && w->p < w->end; shift += 7) {
        uint8_t b = *w->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

static bool wire_next(wire_t *w, wire_field_t *f)
{
    uint64_t key;
    if (w->p >= w->end || !wire_varint(w, &key))
        return false;
    f->number = (uint32_t)(key >> 3);
    f->type = (int)(key & 7);
    f->data = NULL;
    f->len = 0;
    switch (f->type) {
    case 0:
        return wire_varint(w, &f->value);
    case 1:
        if (w->end - w->p < 8)
            return false;
        w->p += 8;
        return true;
    case 2: {
        uint64_t len;
        if (!wire_varint(w, &len) || len > (uint64_t)(w->end - w->p))
            return false;
        f->data = w->p;
        f->len = (size_t)len;
        w->p += len;
        return true;
    }
    case 5:
        if (w->end - w->p < 4)
            return false;
        w->p += 4;
        return true;
    default:
        return false; /* groups: not in descriptors protoc writes */
    }
}

/* ------------------------------------------------------------ the indexes */

typedef struct {
    char *name;
    const uint8_t *data;
    size_t len;
    char **deps;
    int ndeps;
} refl_file_t;

typedef struct {
    char *name; /* fully qualified, without a leading dot */
    int file;
    bool message;
} refl_symbol_t;

static struct {
    bool loaded;
    refl_file_t *files;
    int nfiles;
    refl_symbol_t *symbols;
    size_t nsymbols, capsymbols;
    char **services;
    size_t nservices;
} R;

static char *dup_n(const uint8_t *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        abort();
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static char *qualify(const char *scope, const uint8_t *name, size_t n)
{
    size_t sl = strlen(scope);
    char *p = malloc(sl + 1 + n + 1);
    if (!p)
        abort();
    if (sl) {
        memcpy(p, scope, sl);
        p[sl++] = '.';
    }
    memcpy(p + sl, name, n);
    p[sl + n] = '\0';
    return p;
}

static void add_symbol(char *name, int file, bool message)
{
    if (R.nsymbols == R.capsymbols) {
        R.capsymbols = R.capsymbols ? 2 * R.capsymbols : 256;
        R.symbols = realloc(R.symbols, R.capsymbols * sizeof *R.symbols);
        if (!R.symbols)
            abort();
    }
    R.symbols[R.nsymbols++] = (refl_symbol_t){name, file, message};
}

/* The name (field 1) of a descriptor message. */
static bool name_of(const uint8_t *data, size_t len, const uint8_t **name, size_t *n)
{
    wire_t w = {data, data + len};
    wire_field_t f;
    while (wire_next(&w, &f))
        if (f.number == 1 && f.type == 2) {
            *name = f.data;
            *n = f.len;
            return true;
        }
    return false;
}

/* An EnumDescriptorProto: its name. */
static void index_enum(const uint8_t *data, size_t len, const char *scope, int file)
{
    const uint8_t *name;
    size_t n;
    if (name_of(data, len, &name, &n))
        add_symbol(qualify(scope, name, n), file, false);
}

/* A DescriptorProto: its name, nested messages (3) and enums (4). */
static void index_message(const uint8_t *data, size_t len, const char *scope, int file)
{
    const uint8_t *name;
    size_t n;
    if (!name_of(data, len, &name, &n))
        return;
    char *fqn = qualify(scope, name, n);
    add_symbol(fqn, file, true);
    wire_t w = {data, data + len};
    wire_field_t f;
    while (wire_next(&w, &f)) {
        if (f.type != 2)
            continue;
        if (f.number == 3)
            index_message(f.data, f.len, fqn, file);
        else if (f.number == 4)
            index_enum(f.data, f.len, fqn, file);
    }
}

/* A ServiceDescriptorProto: its name and its methods (2). */
static void index_service(const uint8_t *data, size_t len, const char *scope, int file)
{
    const uint8_t *name;
    size_t n;
    if (!name_of(data, len, &name, &n))
        return;
    char *fqn = qualify(scope, name, n);
    add_symbol(fqn, file, false);
    R.services = realloc(R.services, (R.nservices + 1) * sizeof *R.services);
    if (!R.services)
        abort();
    R.services[R.nservices++] = fqn; /* shared with the symbol */
    wire_t w = {data, data + len};
    wire_field_t f;
    while (wire_next(&w, &f)) {
        const uint8_t *mname;
        size_t mn;
        if (f.number == 2 && f.type == 2 && name_of(f.data, f.len, &mname, &mn))
            add_symbol(qualify(fqn, mname, mn), file, false);
    }
}

/* A FileDescriptorProto: name 1, package 2, dependency 3, message_type 4,
 * enum_type 5, service 6. The package comes first in protoc's output, but
 * it is read before the rest here all the same. */
static void index_file(const uint8_t *data, size_t len)
{
    int idx = R.nfiles;
    R.files = realloc(R.files, (size_t)(R.nfiles + 1) * sizeof *R.files);
    if (!R.files)
        abort();
    refl_file_t *file = &R.files[R.nfiles++];
    *file = (refl_file_t){.data = data, .len = len};
    char *package = NULL;
    wire_t w = {data, data + len};
    wire_field_t f;
    while (wire_next(&w, &f)) {
        if (f.type != 2)
            continue;
        if (f.number == 1 && !file->name) {
            file->name = dup_n(f.data, f.len);
        } else if (f.number == 2 && !package) {
            package = dup_n(f.data, f.len);
        } else if (f.number == 3) {
            file->deps = realloc(file->deps, (size_t)(file->ndeps + 1) * sizeof *file->deps);
            if (!file->deps)
                abort();
            file->deps[file->ndeps++] = dup_n(f.data, f.len);
        }
    }
    if (!file->name)
        file->name = dup_n((const uint8_t *)"", 0);
    const char *scope = package ? package : "";
    w = (wire_t){data, data + len};
    while (wire_next(&w, &f)) {
        if (f.type != 2)
            continue;
        if (f.number == 4)
            index_message(f.data, f.len, scope, idx);
        else if (f.number == 5)
            index_enum(f.data, f.len, scope, idx);
        else if (f.number == 6)
            index_service(f.data, f.len, scope, idx);
    }
    free(package);
}

static int symbol_cmp(const void *a, const void *b)
{
    return strcmp(((const refl_symbol_t *)a)->name, ((const refl_symbol_t *)b)->name);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Indexes the embedded set once; it lives as long as the process. */
static void refl_load(void)
{
    if (R.loaded)
        return;
    R.loaded = true;
    wire_t w = {PROBITY_DESCRIPTOR_SET, PROBITY_DESCRIPTOR_SET + PROBITY_DESCRIPTOR_SET_LEN};
    wire_field_t f;
    while (wire_next(&w, &f))
        if (f.number == 1 && f.type == 2)
            index_file(f.data, f.len);
    qsort(R.symbols, R.nsymbols, sizeof *R.symbols, symbol_cmp);
    qsort(R.services, R.nservices, sizeof *R.services, str_cmp);
}

static const refl_symbol_t *find_symbol(const char *name)
{
    if (name[0] == '.')
        name++;
    refl_symbol_t key = {.name = (char *)name};
    return bsearch(&key, R.symbols, R.nsymbols, sizeof *R.symbols, symbol_cmp);
}

static int find_file(const char *name)
{
    for (int i = 0; i < R.nfiles; i++)
        if (strcmp(R.files[i].name, name) == 0)
            return i;
    return -1;
}

bool grpc_reflection_service_known(const char *name)
{
    refl_load();
    return bsearch(&name, R.services, R.nservices, sizeof *R.services, str_cmp) != NULL;
}

size_t grpc_reflection_services(const char *const **names)
{
    refl_load();
    *names = (const char *const *)R.services;
    return R.nservices;
}

/* ---------------------------------------------------------------- answers */

/* The file, then every file it depends on, transitively, each once. */
static void collect_files(int idx, bool *seen, ProtobufCBinaryData *out, size_t *n)
{
    if (idx < 0 || seen[idx])
        return;
    seen[idx] = true;
    out[(*n)++] = (ProtobufCBinaryData){R.files[idx].len, (uint8_t *)R.files[idx].data};
    for (int i = 0; i < R.files[idx].ndeps; i++)
        collect_files(find_file(R.files[idx].deps[i]), seen, out, n);
}

static void reply(grpc_call_t *call, Grpc__Reflection__V1__ServerReflectionResponse *resp)
{
    size_t len = grpc__reflection__v1__server_reflection_response__get_packed_size(resp);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        abort();
    grpc__reflection__v1__server_reflection_response__pack(resp, buf);
    grpc_call_send(call, buf, len);
    free(buf);
}

static void answer_files(grpc_call_t *call, Grpc__Reflection__V1__ServerReflectionResponse *resp,
                         int idx)
{
    bool *seen = calloc((size_t)R.nfiles + 1, sizeof *seen);
    ProtobufCBinaryData *files = calloc((size_t)R.nfiles + 1, sizeof *files);
    if (!seen || !files)
        abort();
    size_t n = 0;
    collect_files(idx, seen, files, &n);
    Grpc__Reflection__V1__FileDescriptorResponse fdr =
        GRPC__REFLECTION__V1__FILE_DESCRIPTOR_RESPONSE__INIT;
    fdr.n_file_descriptor_proto = n;
    fdr.file_descriptor_proto = files;
    resp->message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE;
    resp->file_descriptor_response = &fdr;
    reply(call, resp);
    free(files);
    free(seen);
}

static void answer_error(grpc_call_t *call, Grpc__Reflection__V1__ServerReflectionResponse *resp,
                         grpc_code_t code, const char *fmt, const char *what)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, what);
    Grpc__Reflection__V1__ErrorResponse err = GRPC__REFLECTION__V1__ERROR_RESPONSE__INIT;
    err.error_code = (int32_t)code;
    err.error_message = msg;
    resp->message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE;
    resp->error_response = &err;
    reply(call, resp);
}

static void answer_services(grpc_call_t *call, Grpc__Reflection__V1__ServerReflectionResponse *resp)
{
    Grpc__Reflection__V1__ServiceResponse *items = calloc(R.nservices + 1, sizeof *items);
    Grpc__Reflection__V1__ServiceResponse **ptrs = calloc(R.nservices + 1, sizeof *ptrs);
    if (!items || !ptrs)
        abort();
    for (size_t i = 0; i < R.nservices; i++) {
        grpc__reflection__v1__service_response__init(&items[i]);
        items[i].name = R.services[i];
        ptrs[i] = &items[i];
    }
    Grpc__Reflection__V1__ListServiceResponse list =
        GRPC__REFLECTION__V1__LIST_SERVICE_RESPONSE__INIT;
    list.n_service = R.nservices;
    list.service = ptrs;
    resp->message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_LIST_SERVICES_RESPONSE;
    resp->list_services_response = &list;
    reply(call, resp);
    free(ptrs);
    free(items);
}

/* The stream went between two requests: nothing runs, only the hold goes. */
static void reflection_cancel(grpc_call_t *call, void *arg)
{
    (void)arg;
    grpc_call_release(call);
}

/* ServerReflectionInfo, bidi: each request answered as it arrives (the
 * transport reads the next one once this answer has drained). The call is
 * held from the first request to the client's half-close. */
static void reflection_info(grpc_call_t *call, const uint8_t *msg, size_t len, void *arg)
{
    (void)arg;
    grpc_call_set_cancel(call, reflection_cancel, NULL);
    if (!msg) { /* the client half-closed: every request was answered */
        grpc_call_finish(call, GRPC_OK, NULL, NULL, 0);
        return;
    }
    Grpc__Reflection__V1__ServerReflectionRequest *req =
        grpc__reflection__v1__server_reflection_request__unpack(NULL, len, msg);
    if (!req) {
        grpc_call_finish(call, GRPC_INVALID_ARGUMENT, "The reflection request does not parse.",
                         NULL, 0);
        return;
    }
    refl_load();
    Grpc__Reflection__V1__ServerReflectionResponse resp =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__INIT;
    resp.valid_host = req->host;
    resp.original_request = req;
    switch (req->message_request_case) {
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES:
        answer_services(call, &resp);
        break;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME: {
        int idx = find_file(req->file_by_filename);
        if (idx < 0)
            answer_error(call, &resp, GRPC_NOT_FOUND, "File not found: %.400s",
                         req->file_by_filename);
        else
            answer_files(call, &resp, idx);
        break;
    }
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL: {
        const refl_symbol_t *s = find_symbol(req->file_containing_symbol);
        if (!s)
            answer_error(call, &resp, GRPC_NOT_FOUND, "Symbol not found: %.400s",
                         req->file_containing_symbol);
        else
            answer_files(call, &resp, s->file);
        break;
    }
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_EXTENSION:
        answer_error(call, &resp, GRPC_NOT_FOUND, "%s", "No extension is defined here.");
        break;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_ALL_EXTENSION_NUMBERS_OF_TYPE: {
        const char *type = req->all_extension_numbers_of_type;
        const refl_symbol_t *s = find_symbol(type);
        if (!s || !s->message) {
            answer_error(call, &resp, GRPC_NOT_FOUND, "Type not found: %.400s", type);
            break;
        }
        Grpc__Reflection__V1__ExtensionNumberResponse ext =
            GRPC__REFLECTION__V1__EXTENSION_NUMBER_RESPONSE__INIT;
        ext.base_type_name = s->name;
        resp.message_response_case =
            GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ALL_EXTENSION_NUMBERS_RESPONSE;
        resp.all_extension_numbers_response = &ext;
        reply(call, &resp);
        break;
    }
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST__NOT_SET:
    default:
        answer_error(call, &resp, GRPC_INVALID_ARGUMENT, "%s", "The request names no question.");
        break;
    }
    grpc__reflection__v1__server_reflection_request__free_unpacked(req, NULL);
}

static const grpc_method_t METHODS[] = {
    {"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", GRPC_BIDI_STREAMING,
     reflection_info, NULL},
    {"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", GRPC_BIDI_STREAMING,
     reflection_info, NULL},
};

const grpc_method_t *grpc_reflection_methods(size_t *n)
{
    refl_load();
    *n = sizeof METHODS / sizeof METHODS[0];
    return METHODS;
}
