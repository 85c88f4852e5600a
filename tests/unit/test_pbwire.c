/* Unit tests for api/grpc/pbwire.c against the general way it stands in
 * for: Jansson, pbjson_decode and protobuf_c_message_pack. For every text,
 * pbwire either declines or gives exactly the bytes of the general way, and
 * it declines every text the general way refuses. REST's answers (an
 * organization, a list with its cursor, an employee's nested relatives, an
 * audit event's Values, a calendar's packed int64s, an action's Struct) must
 * be taken by pbwire, not only declined; and thousands of mutations of them
 * (bytes changed, dropped, doubled) hold the same rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/grpc/pbjson.h"
#include "api/grpc/pbwire.h"
#include "pbwire_general.h"
#include "google/protobuf/struct.pb-c.h"
#include "probity/v1/audit_events.pb-c.h"
#include "probity/v1/calendars.pb-c.h"
#include "probity/v1/employees.pb-c.h"
#include "probity/v1/organizations.pb-c.h"

#define ORG                                                                                        \
    "{\"id\":\"6f1c2a3e-0000-4000-8000-000000000001\",\"parent_id\":null,\"code\":\"MOF-01\","    \
    "\"name\":\"Сангийн яам \\u00e9\\ud83d\\ude00 \\\"q\\\" \\\\ \\/ \\b\\f\\n\\r\\t\","          \
    "\"kind\":\"ministry\",\"jurisdiction\":\"MN\",\"timezone\":\"Asia/Ulaanbaatar\","            \
    "\"locale\":\"mn\",\"currency\":\"MNT\",\"disclosure_frequency\":\"quarterly\","              \
    "\"contact_emails\":[\"a@mof.mn\",\"\",\"b@mof.mn\"],"                                        \
    "\"created_at\":\"2026-11-22T09:00:00.000Z\",\"updated_at\":\"2026-11-22T09:30:15.123Z\","    \
    "\"version\":3}"

typedef enum { TAKEN, DECLINED, GENERAL_ONLY } outcome_t;

/* The rule for one text; which way it went. */
static outcome_t check(const ProtobufCMessageDescriptor *d, const char *text, size_t len,
                       bool list)
{
    uint8_t *fast = NULL, *slow = NULL;
    size_t fn = 0, sn = 0;
    bool f = pbwire_from_json(d, text, len, list ? "next_cursor" : NULL,
                              list ? "next_page_token" : NULL, &fast, &fn);
    slow = pbwire_general(d, text, len, list, &sn);
    bool s = slow != NULL;
    if (f && !s)
        fail_msg("pbwire took what the general way refuses (%s): %.*s", d->name, (int)len, text);
    if (f && (fn != sn || memcmp(fast, slow, fn) != 0))
        fail_msg("pbwire and the general way differ (%s, %zu and %zu bytes): %.*s", d->name, fn,
                 sn, (int)len, text);
    free(fast);
    free(slow);
    return f ? TAKEN : s ? GENERAL_ONLY : DECLINED;
}

static void taken(const ProtobufCMessageDescriptor *d, const char *text, bool list)
{
    if (check(d, text, strlen(text), list) != TAKEN)
        fail_msg("pbwire declined a REST answer (%s): %s", d->name, text);
}

/* A REST answer of each shape is taken, and gives the general way's bytes. */
static void test_answers_taken(void **state)
{
    (void)state;
    taken(&probity__v1__organization__descriptor, ORG, false);
    taken(&probity__v1__organization__descriptor, "{}", false);
    taken(&probity__v1__organization__descriptor,
          " { \"parent_id\" : \"\" , \"version\" : 0 , \"name\" : \"\" , \"contact_emails\" : [ ] } ",
          false);
    taken(&probity__v1__organization__descriptor,
          "{\"version\":-9223372036854775808,\"created_at\":\"1970-01-01T00:00:00Z\"}", false);
    taken(&probity__v1__list_organizations_response__descriptor,
          "{\"items\":[" ORG "," ORG "],\"next_cursor\":\"eyJrIjoxfQ\"}", true);
    taken(&probity__v1__list_organizations_response__descriptor,
          "{\"items\":[],\"next_cursor\":null}", true);
    /* Members out of the descriptor's order: the two-pass way. */
    taken(&probity__v1__organization__descriptor,
          "{\"version\":7,\"contact_emails\":[\"x@y.mn\"],\"name\":\"Z\",\"id\":\"o9\","
          "\"created_at\":\"2026-01-01T00:00:00Z\",\"parent_id\":\"p\"}",
          false);
    taken(&probity__v1__employee__descriptor,
          "{\"id\":\"e1\",\"organization_id\":\"o1\",\"full_name\":\"Б. Бат\",\"unit\":\"Legal\","
          "\"position\":null,\"email\":\"\",\"phone\":\"+976 11 123456\",\"unit_head\":true,"
          "\"relatives\":[{\"employee_id\":\"e2\",\"relation\":\"spouse\"},{\"employee_id\":\"e3\","
          "\"relation\":\"\"}],\"created_at\":\"2026-01-05T10:00:00.5Z\","
          "\"updated_at\":\"2026-01-05T18:00:00+08:00\",\"version\":12}",
          false);
    taken(&probity__v1__audit_event__descriptor,
          "{\"id\":\"a1\",\"organization_id\":null,\"client_addr\":\"127.0.0.1\","
          "\"before\":null,\"after\":{\"name\":\"X\",\"n\":1.5,\"m\":-0,\"e\":1e3,\"big\":"
          "9007199254740993,\"t\":true,\"f\":false,\"z\":null,\"\":\"empty key\",\"a\":[1,[2,{}],"
          "\"s\",null],\"o\":{\"deep\":{\"er\":[]}}}}",
          false);
    taken(&probity__v1__calendar__descriptor,
          "{\"id\":\"c1\",\"jurisdiction\":\"KZ\",\"weekend_days\":[6,7,0,300]}", false);
    taken(&google__protobuf__struct__descriptor,
          "{\"organization_id\":\"o1\",\"items\":[{\"code\":\"q3\",\"status\":\"overdue\"}],"
          "\"overdue\":1,\"rate\":0.25}",
          false);
}

/* Lengths past one byte: a string of 200 bytes, a sub-message of 20 000. */
static void test_long_lengths(void **state)
{
    (void)state;
    char *text = malloc(40000);
    assert_non_null(text);
    char name[201];
    memset(name, 'n', 200);
    name[200] = '\0';
    int n = snprintf(text, 40000, "{\"name\":\"%s\",\"contact_emails\":[", name);
    for (int i = 0; i < 900; i++)
        n += snprintf(text + n, 40000 - (size_t)n, "%s\"user%04d@example.mn\"", i ? "," : "", i);
    snprintf(text + n, 40000 - (size_t)n, "]}");
    taken(&probity__v1__organization__descriptor, text, false);
    n = snprintf(text, 40000, "{\"after\":{\"list\":[");
    for (int i = 0; i < 1500; i++)
        n += snprintf(text + n, 40000 - (size_t)n, "%s{\"k\":%d}", i ? "," : "", i);
    snprintf(text + n, 40000 - (size_t)n, "]}}");
    taken(&probity__v1__audit_event__descriptor, text, false);
    free(text);
}

/* What the general way refuses is declined; what pbwire leaves to it is
 * still answered the same by it. */
static void test_refused_declined(void **state)
{
    (void)state;
    static const char *const BAD[] = {
        "{\"nope\":1}",                          /* no such field */
        "{\"version\":\"3\"}",                   /* wrong type */
        "{\"name\":3}",                          /* wrong type */
        "{\"version\":99999999999999999999}",    /* too big for Jansson */
        "{\"contact_emails\":[\"a\",null]}",     /* null item */
        "{\"name\":\"a\\u0000b\"}",              /* NUL */
        "{\"name\":\"\\ud800\"}",                /* lone surrogate */
        "{\"name\":\"\\udc00\\ud800\"}",         /* reversed pair */
        "{\"name\":\"\xc3\"}",                   /* cut UTF-8 */
        "{\"name\":\"\xed\xa0\x80\"}",           /* UTF-8 surrogate */
        "{\"name\":\"\xc0\xaf\"}",               /* overlong */
        "{\"name\":\"a\tb\"}",                   /* raw control */
        "{\"name\":\"a\\x\"}",                   /* bad escape */
        "{\"created_at\":\"yesterday\"}",        /* not RFC 3339 */
        "{\"created_at\":5}",                    /* not a string */
        "{\"version\":01}",                      /* leading zero */
        "{\"version\":1,}",                      /* trailing comma */
        "{\"version\":1}x",                      /* trailing garbage */
        "[{\"version\":1}]",                     /* not an object */
        "{\"version\" 1}",                       /* no colon */
        "{\"version\":-}",                       /* no digits */
        "{\"version\":1.}",                      /* no fraction digits */
        "{\"version\":tru}",                     /* bad literal */
        "",                                      /* nothing */
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
        if (check(&probity__v1__organization__descriptor, BAD[i], strlen(BAD[i]), false) != DECLINED)
            fail_msg("taken or answered: %s", BAD[i]);
    /* A oneof's two members, a list answer's bad items, a Value's overflow. */
    const char *huge = "{\"x\":1e999}";
    assert_int_equal(check(&google__protobuf__struct__descriptor, huge, strlen(huge), false),
                     DECLINED);
    const char *two = "{\"items\":[{\"nope\":1}],\"next_cursor\":\"c\"}";
    assert_int_equal(check(&probity__v1__list_organizations_response__descriptor, two,
                           strlen(two), true),
                     DECLINED);
    /* Left to the general way, which takes them: a whole number as a real,
     * a member named twice, a non-string cursor (REST's cursor is dropped). */
    static const char *const GENERAL[] = {
        "{\"version\":3.0}",
        "{\"version\":1,\"version\":2}",
    };
    for (size_t i = 0; i < sizeof GENERAL / sizeof GENERAL[0]; i++)
        assert_int_equal(check(&probity__v1__organization__descriptor, GENERAL[i],
                               strlen(GENERAL[i]), false),
                         GENERAL_ONLY);
    const char *seven = "{\"items\":[],\"next_cursor\":7}";
    assert_int_equal(check(&probity__v1__list_organizations_response__descriptor, seven,
                           strlen(seven), true),
                     GENERAL_ONLY);
}

/* xorshift: the same mutations on every run. */
static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Mutations of the answers hold the rule, and some of them are taken. */
static void test_mutations(void **state)
{
    (void)state;
    static const struct {
        const ProtobufCMessageDescriptor *d;
        const char *text;
        bool list;
    } SEEDS[] = {
        {&probity__v1__organization__descriptor, ORG, false},
        {&probity__v1__list_organizations_response__descriptor,
         "{\"items\":[" ORG "],\"next_cursor\":\"c1\"}", true},
        {&probity__v1__employee__descriptor,
         "{\"unit\":\"L\",\"relatives\":[{\"employee_id\":\"e2\",\"relation\":\"spouse\"}],"
         "\"unit_head\":true,\"version\":12}",
         false},
        {&probity__v1__audit_event__descriptor,
         "{\"after\":{\"n\":1.5,\"a\":[1,{\"b\":null}],\"s\":\"\\u00e9\"},\"before\":true}", false},
        {&probity__v1__calendar__descriptor, "{\"weekend_days\":[6,7],\"name\":\"KZ\"}", false},
    };
    static const char PIECES[] = "{}[]\",:-+.0123456789eEtrufalsn \\u\xc3\xa9";
    uint32_t seed = 0x9e3779b9u;
    int counts[3] = {0};
    char buf[2048];
    for (size_t k = 0; k < sizeof SEEDS / sizeof SEEDS[0]; k++) {
        size_t base = strlen(SEEDS[k].text);
        for (int round = 0; round < 4000; round++) {
            memcpy(buf, SEEDS[k].text, base);
            size_t len = base;
            int edits = 1 + (int)(rnd(&seed) % 3);
            for (int e = 0; e < edits && len > 2 && len < sizeof buf - 64; e++) {
                size_t at = rnd(&seed) % len;
                switch (rnd(&seed) % 3) {
                case 0: /* change a byte */
                    buf[at] = PIECES[rnd(&seed) % (sizeof PIECES - 1)];
                    break;
                case 1: /* drop one */
                    memmove(buf + at, buf + at + 1, len - at - 1);
                    len--;
                    break;
                default: { /* double a span */
                    size_t n = 1 + rnd(&seed) % 12;
                    if (at + n > len)
                        n = len - at;
                    memmove(buf + at + n, buf + at, len - at);
                    len += n;
                    break;
                }
                }
            }
            counts[check(SEEDS[k].d, buf, len, SEEDS[k].list)]++;
        }
    }
    /* Both ways are exercised: many mutants are taken, many refused. */
    print_message("mutants: %d taken, %d refused, %d left to the general way\n", counts[TAKEN],
                  counts[DECLINED], counts[GENERAL_ONLY]);
    assert_true(counts[TAKEN] > 1000);
    assert_true(counts[DECLINED] > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answers_taken),
        cmocka_unit_test(test_long_lengths),
        cmocka_unit_test(test_refused_declined),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
