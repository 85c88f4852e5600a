/* Unit tests for api/grpc/pbjson.c and pbjson_decode.c: protobuf ⇄ JSON by
 * descriptor, with the generated messages of api/proto (an Organization's
 * optional scalars as single-field oneofs, repeated strings, Timestamps and
 * int64; an Employee's nested repeated messages; an AuditEvent's Values; the
 * list messages; the actions' Struct answers). Round trips go through the
 * wire format too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/grpc/pbjson.h"
#include "google/protobuf/struct.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "probity/v1/actions.pb-c.h"
#include "probity/v1/audit_events.pb-c.h"
#include "probity/v1/employees.pb-c.h"
#include "probity/v1/organizations.pb-c.h"

/* An organization as REST renders it (entity_sql.c): every member, null
 * for the unset nullable ones, timestamps with milliseconds. */
static const char ORG_JSON[] =
    "{\"id\":\"6f1c2a3e-0000-4000-8000-000000000001\",\"parent_id\":null,\"code\":\"MOF-01\","
    "\"name\":\"Ministry of Finance\",\"kind\":\"ministry\",\"jurisdiction\":\"MN\","
    "\"timezone\":\"Asia/Ulaanbaatar\",\"locale\":\"mn\",\"currency\":\"MNT\","
    "\"disclosure_frequency\":\"quarterly\",\"contact_emails\":[\"a@mof.mn\",\"b@mof.mn\"],"
    "\"created_at\":\"2026-11-22T09:00:00.000Z\",\"updated_at\":\"2026-11-22T09:30:15.123Z\","
    "\"version\":3}";

static json_t *load(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (!j)
        fail_msg("bad test JSON: %s", e.text);
    return j;
}

static ProtobufCMessage *decode_ok(const ProtobufCMessageDescriptor *d, const json_t *j)
{
    char msg[300] = "";
    ProtobufCMessage *m = pbjson_decode(d, j, msg, sizeof msg);
    if (!m)
        fail_msg("decode failed: %s", msg);
    return m;
}

/* Through the wire and back: what a client would receive. */
static ProtobufCMessage *wire(const ProtobufCMessage *m)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(n ? n : 1);
    assert_non_null(buf);
    protobuf_c_message_pack(m, buf);
    ProtobufCMessage *back = protobuf_c_message_unpack(m->descriptor, NULL, n, buf);
    free(buf);
    assert_non_null(back);
    return back;
}

static void assert_json_equal(const json_t *a, const json_t *b)
{
    if (!json_equal(a, b)) {
        char *sa = json_dumps(a, JSON_COMPACT), *sb = json_dumps(b, JSON_COMPACT);
        fail_msg("JSON differs:\n  %s\n  %s", sa, sb);
    }
}

static void test_organization_round_trip(void **state)
{
    (void)state;
    json_t *j = load(ORG_JSON);
    ProtobufCMessage *m = decode_ok(&probity__v1__organization__descriptor, j);
    Probity__V1__Organization *o = (Probity__V1__Organization *)m;
    assert_string_equal(o->name, "Ministry of Finance");
    assert_int_equal(o->_parent_id_case, PROBITY__V1__ORGANIZATION___PARENT_ID__NOT_SET);
    assert_int_equal(o->_code_case, PROBITY__V1__ORGANIZATION___CODE_CODE);
    assert_string_equal(o->code, "MOF-01");
    assert_int_equal(o->n_contact_emails, 2);
    assert_string_equal(o->contact_emails[1], "b@mof.mn");
    assert_int_equal(o->version, 3);
    assert_non_null(o->created_at);
    assert_int_equal(o->created_at->seconds, 1795338000); /* 2026-11-22T09:00:00Z */
    assert_int_equal(o->created_at->nanos, 0);
    assert_int_equal(o->updated_at->nanos, 123000000);

    ProtobufCMessage *back = wire(m);
    json_t *out = pbjson_encode(back, PBJSON_ALL);
    assert_json_equal(out, j); /* the object equals REST's, nulls included */
    json_decref(out);

    /* Only what is set: the nulls and nothing else go. */
    out = pbjson_encode(back, PBJSON_SET_ONLY);
    assert_null(json_object_get(out, "parent_id"));
    assert_string_equal(json_string_value(json_object_get(out, "code")), "MOF-01");
    assert_int_equal(json_object_size(out), json_object_size(j) - 1);
    json_decref(out);

    protobuf_c_message_free_unpacked(back, NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    json_decref(j);
}

/* Unset optional scalars and messages are null on output; null and absence
 * leave them unset on input; an optional set to "" stays set. */
static void test_nulls_and_presence(void **state)
{
    (void)state;
    Probity__V1__Organization o = PROBITY__V1__ORGANIZATION__INIT;
    json_t *out = pbjson_encode(&o.base, PBJSON_ALL);
    assert_true(json_is_null(json_object_get(out, "parent_id")));
    assert_true(json_is_null(json_object_get(out, "created_at")));
    assert_string_equal(json_string_value(json_object_get(out, "name")), "");
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 0);
    assert_int_equal(json_array_size(json_object_get(out, "contact_emails")), 0);
    json_decref(out);
    out = pbjson_encode(&o.base, PBJSON_SET_ONLY);
    assert_int_equal(json_object_size(out), 0);
    json_decref(out);

    o._code_case = PROBITY__V1__ORGANIZATION___CODE_CODE;
    o.code = "";
    out = pbjson_encode(&o.base, PBJSON_SET_ONLY);
    assert_string_equal(json_string_value(json_object_get(out, "code")), "");
    json_decref(out);

    json_t *j = load("{\"parent_id\":null,\"created_at\":null,\"name\":\"x\"}");
    ProtobufCMessage *m = decode_ok(&probity__v1__organization__descriptor, j);
    Probity__V1__Organization *d = (Probity__V1__Organization *)m;
    assert_int_equal(d->_parent_id_case, PROBITY__V1__ORGANIZATION___PARENT_ID__NOT_SET);
    assert_null(d->created_at);
    assert_false(pbjson_field_present(m, protobuf_c_message_descriptor_get_field_by_name(
                                             m->descriptor, "parent_id")));
    assert_true(pbjson_field_present(
        m, protobuf_c_message_descriptor_get_field_by_name(m->descriptor, "name")));
    ProtobufCMessage *back = wire(m);
    assert_int_equal(((Probity__V1__Organization *)back)->_parent_id_case,
                     PROBITY__V1__ORGANIZATION___PARENT_ID__NOT_SET);
    protobuf_c_message_free_unpacked(back, NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    json_decref(j);
}

static void test_nested_repeated(void **state)
{
    (void)state;
    json_t *j = load(
        "{\"id\":\"e1\",\"organization_id\":\"o1\",\"full_name\":\"B. Bat\",\"unit\":null,"
        "\"position\":\"head\",\"email\":null,\"phone\":null,\"unit_head\":true,"
        "\"relatives\":[{\"employee_id\":\"e2\",\"relation\":\"sibling\"},"
        "{\"employee_id\":\"e3\",\"relation\":\"spouse\"}],"
        "\"created_at\":\"2026-01-01T00:00:00.000Z\",\"updated_at\":\"2026-01-01T00:00:00.000Z\","
        "\"version\":1}");
    ProtobufCMessage *m = decode_ok(&probity__v1__employee__descriptor, j);
    Probity__V1__Employee *e = (Probity__V1__Employee *)m;
    assert_int_equal(e->n_relatives, 2);
    assert_string_equal(e->relatives[1]->relation, "spouse");
    assert_true(e->unit_head);
    ProtobufCMessage *back = wire(m);
    json_t *out = pbjson_encode(back, PBJSON_ALL);
    assert_json_equal(out, j);
    json_decref(out);
    /* One field alone, as an update mask names it. */
    out = pbjson_encode_field(back,
                              protobuf_c_message_descriptor_get_field_by_name(back->descriptor,
                                                                              "relatives"),
                              PBJSON_SET_ONLY);
    assert_int_equal(json_array_size(out), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(out, 0), "employee_id")),
                        "e2");
    json_decref(out);
    out = pbjson_encode_field(
        back, protobuf_c_message_descriptor_get_field_by_name(back->descriptor, "unit"),
        PBJSON_SET_ONLY);
    assert_true(json_is_null(out)); /* a masked field that is unset: null in the patch */
    json_decref(out);
    protobuf_c_message_free_unpacked(back, NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    json_decref(j);
}

/* google.protobuf.Value holds any JSON: the audit trail's before and after. */
static void test_values(void **state)
{
    (void)state;
    json_t *j = load(
        "{\"id\":\"a1\",\"created_at\":\"2026-03-04T05:06:07.089Z\",\"actor\":\"key:abc\","
        "\"role\":\"admin\",\"action\":\"update\",\"entity\":\"organizations\","
        "\"entity_id\":\"o1\",\"organization_id\":null,"
        "\"before\":{\"name\":\"A\",\"n\":1,\"big\":9007199254740992,\"f\":2.5,\"ok\":false,"
        "\"nil\":null,\"list\":[1,\"two\",[3],{\"four\":4}],\"empty\":{},\"none\":[]},"
        "\"after\":null,\"request_id\":\"r-1\",\"client_addr\":\"127.0.0.1\"}");
    ProtobufCMessage *m = decode_ok(&probity__v1__audit_event__descriptor, j);
    Probity__V1__AuditEvent *a = (Probity__V1__AuditEvent *)m;
    assert_non_null(a->before);
    assert_int_equal(a->before->kind_case, GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE);
    ProtobufCMessage *back = wire(m);
    json_t *out = pbjson_encode(back, PBJSON_ALL);
    assert_json_equal(out, j); /* integers stay integers through the doubles */
    json_decref(out);
    protobuf_c_message_free_unpacked(back, NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    json_decref(j);

    /* A Struct at the top: the actions' answers. */
    j = load("{\"items\":[{\"kind\":\"x\",\"month\":null,\"day\":15}],\"next_cursor\":null}");
    m = decode_ok(&google__protobuf__struct__descriptor, j);
    back = wire(m);
    out = pbjson_encode(back, PBJSON_ALL);
    assert_json_equal(out, j);
    json_decref(out);
    protobuf_c_message_free_unpacked(back, NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    json_decref(j);
}

static void test_timestamps(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
        int64_t s;
        int32_t ns;
    } C[] = {
        {"2026-11-22T09:00:00.000Z", "2026-11-22T09:00:00.000Z", 1795338000, 0},
        {"2026-11-22T09:00:00Z", "2026-11-22T09:00:00.000Z", 1795338000, 0},
        {"2026-11-22T17:00:00+08:00", "2026-11-22T09:00:00.000Z", 1795338000, 0},
        {"1970-01-01T00:00:00.5Z", "1970-01-01T00:00:00.500Z", 0, 500000000},
        {"1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z", -1, 999000000},
        {"2024-02-29T12:00:00.123456789Z", "2024-02-29T12:00:00.123456789Z", 1709208000,
         123456789},
        {"0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z", -62135596800LL, 0},
        {"9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z", 253402300799LL, 999000000},
    };
    for (size_t i = 0; i < sizeof C / sizeof C[0]; i++) {
        int64_t s;
        int32_t ns;
        char buf[36];
        assert_true(pbjson_parse_timestamp(C[i].in, &s, &ns));
        assert_int_equal(s, C[i].s);
        assert_int_equal(ns, C[i].ns);
        assert_true(pbjson_format_timestamp(s, ns, buf));
        assert_string_equal(buf, C[i].out);
    }
    static const char *const BAD[] = {"2026-02-29T00:00:00Z", "2026-11-22 09:00:00Z",
                                      "2026-11-22T24:00:00Z", "2026-11-22T09:00:00",
                                      "2026-11-22T09:00:00.Z", "2026-11-22T09:00:00.1234567890Z",
                                      "2026-11-22T09:00:00+8:00", "10000-01-01T00:00:00Z", ""};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        int64_t s;
        int32_t ns;
        assert_false(pbjson_parse_timestamp(BAD[i], &s, &ns));
    }
    char buf[36];
    assert_false(pbjson_format_timestamp(253402300800LL, 0, buf));
    assert_false(pbjson_format_timestamp(0, 1000000000, buf));

    /* A Timestamp field as REST's string. */
    Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    ts.seconds = 1795338000;
    ts.nanos = 7000000;
    json_t *j = pbjson_encode(&ts.base, PBJSON_ALL);
    assert_string_equal(json_string_value(j), "2026-11-22T09:00:00.007Z");
    json_decref(j);
}

/* List responses and requests: repeated messages, the page token, int32
 * and an unset Timestamp filter. */
static void test_list_messages(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof text, "{\"items\":[%s,%s],\"next_page_token\":\"AQID\"}", ORG_JSON,
             ORG_JSON);
    json_t *j = load(text);
    ProtobufCMessage *m = decode_ok(&probity__v1__list_organizations_response__descriptor, j);
    Probity__V1__ListOrganizationsResponse *l = (Probity__V1__ListOrganizationsResponse *)m;
    assert_int_equal(l->n_items, 2);
    assert_string_equal(l->next_page_token, "AQID");
    ProtobufCMessage *back = wire(m);
    json_t *out = pbjson_encode(back, PBJSON_ALL);
    assert_json_equal(out, j);
    json_decref(out);
    protobuf_c_message_free_unpacked(back, NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    json_decref(j);

    Probity__V1__ListOrganizationsRequest rq = PROBITY__V1__LIST_ORGANIZATIONS_REQUEST__INIT;
    rq.page_size = 20;
    rq._kind_case = PROBITY__V1__LIST_ORGANIZATIONS_REQUEST___KIND_KIND;
    rq.kind = "ministry";
    out = pbjson_encode(&rq.base, PBJSON_SET_ONLY);
    assert_json_equal(out, j = load("{\"page_size\":20,\"kind\":\"ministry\"}"));
    json_decref(out);
    json_decref(j);

    /* An action's oneof int64: 0 is a value once set. */
    Probity__V1__GetWorkingDaysRequest wd = PROBITY__V1__GET_WORKING_DAYS_REQUEST__INIT;
    wd._add_case = PROBITY__V1__GET_WORKING_DAYS_REQUEST___ADD_ADD;
    wd.add = 0;
    out = pbjson_encode(&wd.base, PBJSON_SET_ONLY);
    assert_json_equal(out, j = load("{\"add\":0}"));
    json_decref(out);
    json_decref(j);
}

/* JSON that does not fit the message is refused, with the path. */
static void test_refusals(void **state)
{
    (void)state;
    static const struct {
        const ProtobufCMessageDescriptor *d;
        const char *json, *msg;
    } C[] = {
        {&probity__v1__organization__descriptor, "{\"nope\":1}",
         "nope: no such field in probity.v1.Organization"},
        {&probity__v1__organization__descriptor, "{\"name\":5}", "name: not a string"},
        {&probity__v1__organization__descriptor, "{\"version\":\"3\"}", "version: not an integer"},
        {&probity__v1__organization__descriptor, "{\"version\":1.5}", "version: not an integer"},
        {&probity__v1__organization__descriptor, "{\"contact_emails\":\"a\"}",
         "contact_emails: not an array"},
        {&probity__v1__organization__descriptor, "{\"contact_emails\":[\"a\",2]}",
         "contact_emails[1]: not a string"},
        {&probity__v1__organization__descriptor, "{\"contact_emails\":[null]}",
         "contact_emails[0]: null in an array"},
        {&probity__v1__organization__descriptor, "{\"created_at\":\"yesterday\"}",
         "created_at: not an RFC 3339 timestamp"},
        {&probity__v1__organization__descriptor, "[]", "not an object"},
        {&probity__v1__employee__descriptor,
         "{\"relatives\":[{\"employee_id\":\"e\",\"relation\":\"x\"},{\"relation\":true}]}",
         "relatives[1].relation: not a string"},
        {&probity__v1__employee__descriptor, "{\"unit_head\":\"yes\"}",
         "unit_head: not a boolean"},
        {&probity__v1__list_organizations_request__descriptor, "{\"page_size\":4294967296}",
         "page_size: out of range"},
        {&google__protobuf__struct__descriptor, "[1]", "not an object"},
    };
    for (size_t i = 0; i < sizeof C / sizeof C[0]; i++) {
        json_t *j = load(C[i].json);
        char msg[300] = "";
        ProtobufCMessage *m = pbjson_decode(C[i].d, j, msg, sizeof msg);
        if (m)
            fail_msg("case %zu decoded", i);
        assert_string_equal(msg, C[i].msg);
        json_decref(j);
    }
}

/* Strings with characters beyond ASCII and escapes survive both ways. */
static void test_unicode(void **state)
{
    (void)state;
    json_t *j = load("{\"name\":\"\\u041c\\u0438\\u043d\\u0444\\u0438\\u043d \\\"q\\\" \\u2713\"}");
    ProtobufCMessage *m = decode_ok(&probity__v1__organization__descriptor, j);
    ProtobufCMessage *back = wire(m);
    json_t *out = pbjson_encode(back, PBJSON_SET_ONLY);
    assert_json_equal(out, j);
    json_decref(out);
    protobuf_c_message_free_unpacked(back, NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_organization_round_trip),
        cmocka_unit_test(test_nulls_and_presence),
        cmocka_unit_test(test_nested_repeated),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_list_messages),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_unicode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
