/* Problem documents. Strings that echo client input (field names, the path)
 * may be invalid UTF-8; Jansson refuses those, so they are replaced rather
 * than lost or allowed to break the document. */
#include "problem.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *safe_string(const char *s)
{
    json_t *v = json_string(s);
    return v ? v : json_string("(not valid UTF-8)");
}

char *problem_render(const app_error_t *e, const char *instance, const char *request_id,
                     size_t *len)
{
    const err_info_t *info = err_info(e->kind);
    char type[96] = "urn:probity:problem:";
    strcat(type, info->slug);
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(type));
    json_object_set_new(o, "title", json_string(info->title));
    json_object_set_new(o, "status", json_integer(info->http_status));
    json_object_set_new(o, "detail", safe_string(e->detail[0] ? e->detail : info->title));
    json_object_set_new(o, "instance", safe_string(instance));
    json_object_set_new(o, "request_id", safe_string(request_id));
    if (e->kind == ERR_INVALID) {
        json_t *arr = json_array();
        for (size_t i = 0; i < e->nfields; i++) {
            json_t *f = json_object();
            json_object_set_new(f, "field", safe_string(e->fields[i].field));
            json_object_set_new(f, "code", json_string(e->fields[i].code));
            json_object_set_new(f, "message", safe_string(e->fields[i].message));
            json_array_append_new(arr, f);
        }
        json_object_set_new(o, "errors", arr);
    }
    char *out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!out)
        abort();
    *len = strlen(out);
    return out;
}
