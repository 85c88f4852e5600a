/* libFuzzer target: JSON text to protobuf wire (api/grpc/pbwire.c) against
 * the general way it stands in for (Jansson, pbjson_decode,
 * protobuf_c_message_pack). The input's first byte picks the message type
 * (an organization, a list answer with its cursor, an employee, an audit
 * event with Values, a calendar, a Struct); the rest is the JSON text, in an
 * exact-size heap copy. Whenever pbwire takes a text, the general way must
 * take it too and give the same bytes. Aborts otherwise. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/grpc/pbjson.h"
#include "api/grpc/pbwire.h"
#include "tests/unit/pbwire_general.h"
#include "google/protobuf/struct.pb-c.h"
#include "probity/v1/audit_events.pb-c.h"
#include "probity/v1/calendars.pb-c.h"
#include "probity/v1/employees.pb-c.h"
#include "probity/v1/organizations.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const ProtobufCMessageDescriptor *const TYPES[] = {
    &probity__v1__organization__descriptor,
    &probity__v1__list_organizations_response__descriptor,
    &probity__v1__employee__descriptor,
    &probity__v1__audit_event__descriptor,
    &probity__v1__calendar__descriptor,
    &google__protobuf__struct__descriptor,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const ProtobufCMessageDescriptor *d = TYPES[data[0] % (sizeof TYPES / sizeof TYPES[0])];
    bool list = d == &probity__v1__list_organizations_response__descriptor;
    size_t len = size - 1;
    char *text = malloc(len ? len : 1);
    if (!text)
        abort();
    memcpy(text, data + 1, len);
    uint8_t *fast = NULL;
    size_t fn = 0, sn = 0;
    bool taken = pbwire_from_json(d, text, len, list ? "next_cursor" : NULL,
                                  list ? "next_page_token" : NULL, &fast, &fn);
    if (taken) {
        uint8_t *slow = pbwire_general(d, text, len, list, &sn);
        if (!slow) {
            fprintf(stderr, "pbwire took what the general way refuses (%s)\n", d->name);
            abort();
        }
        if (fn != sn || memcmp(fast, slow, fn) != 0) {
            fprintf(stderr, "pbwire and the general way differ (%s: %zu and %zu bytes)\n",
                    d->name, fn, sn);
            abort();
        }
        free(slow);
        free(fast);
    }
    free(text);
    return 0;
}
