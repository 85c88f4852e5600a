/* Unit tests for api/auth/ratelimit.c: token buckets at injected times, the
 * least-recently-seen eviction (checked against a naive model), the rule
 * parser, and concurrent takes from several threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "api/auth/ratelimit.h"

#define SEC 1000000000ull
#define MS 1000000ull
#define T0 (1000 * SEC) /* an arbitrary monotonic start */

static rl_rule_t rule(uint32_t rate, uint32_t burst)
{
    return (rl_rule_t){rate, burst};
}

/* Takes until refused; returns how many were allowed. */
static unsigned drain(ratelimit_t *rl, const char *key, rl_rule_t r, uint64_t now)
{
    unsigned n = 0;
    while (ratelimit_take(rl, key, r, now) == 0)
        n++;
    return n;
}

static void test_burst_then_refusal(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_create(16);
    rl_rule_t r = rule(2, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(ratelimit_take(rl, "k", r, T0), 0);
    assert_int_equal(ratelimit_take(rl, "k", r, T0), 1);
    assert_int_equal(ratelimit_take(rl, "k", r, T0), 1); /* a refusal takes nothing */
    assert_int_equal(ratelimit_take(rl, "k", r, T0 + 500 * MS), 0);
    assert_int_equal(ratelimit_take(rl, "k", r, T0 + 500 * MS), 1);
    ratelimit_free(rl);
}

static void test_retry_after(void **state)
{
    (void)state;
    static const uint32_t rates[] = {1, 2, 3, 7, 10, 999, 1000, 1000000};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        ratelimit_t *rl = ratelimit_create(4);
        rl_rule_t r = rule(rates[i], 1);
        uint64_t wait_ns = (SEC + rates[i] - 1) / rates[i]; /* 1/rate s, rounded up */
        assert_int_equal(ratelimit_take(rl, "k", r, T0), 0);
        /* With whole tokens per second a token is never more than 1 s away,
         * so Retry-After is 1 (rounded up, never 0) right up to the refill. */
        assert_int_equal(ratelimit_take(rl, "k", r, T0), 1);
        assert_int_equal(ratelimit_take(rl, "k", r, T0 + wait_ns - 1), 1);
        assert_int_equal(ratelimit_take(rl, "k", r, T0 + wait_ns), 0);
        assert_int_equal(ratelimit_take(rl, "k", r, T0 + wait_ns), 1);
        ratelimit_free(rl);
    }
    ratelimit_t *rl = ratelimit_create(4);
    assert_int_equal(drain(rl, "k", rule(1, 3), T0), 3);
    assert_int_equal(ratelimit_take(rl, "k", rule(1, 3), T0 + SEC - 1), 1); /* 1 ns short */
    assert_int_equal(ratelimit_take(rl, "k", rule(1, 3), T0 + SEC), 0);
    ratelimit_free(rl);
}

static void test_refill_and_cap(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_create(4);
    rl_rule_t r = rule(10, 5);
    assert_int_equal(drain(rl, "k", r, T0), 5);
    assert_int_equal(drain(rl, "k", r, T0 + 350 * MS), 3);  /* 3.5 tokens */
    assert_int_equal(drain(rl, "k", r, T0 + 400 * MS), 1);  /* the half kept + 0.5 */
    assert_int_equal(drain(rl, "k", r, T0 + 100 * SEC), 5); /* 1000 earned, capped */
    /* Idle for centuries: elapsed × rate would overflow 64 bits unchecked. */
    assert_int_equal(drain(rl, "k", rule(1000000, 1000000), UINT64_MAX), 1000000);
    ratelimit_free(rl);
}

static void test_rule_change(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_create(4);
    assert_int_equal(ratelimit_take(rl, "k", rule(1, 100), T0), 0);
    assert_int_equal(drain(rl, "k", rule(1, 3), T0), 3);       /* 99 left, trimmed to 3 */
    assert_int_equal(drain(rl, "k", rule(1, 0), T0 + SEC), 1); /* burst 0 acts as 1 */
    ratelimit_free(rl);
}

static void test_independent_keys(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_create(16);
    rl_rule_t r = rule(1, 2);
    char a[RL_KEY_MAX + 1], b[RL_KEY_MAX + 1];
    memset(a, 'x', RL_KEY_MAX);
    memcpy(b, a, RL_KEY_MAX);
    a[RL_KEY_MAX] = b[RL_KEY_MAX] = '\0';
    b[RL_KEY_MAX - 1] = 'y'; /* differs only in the last byte */
    const char *keys[] = {"a", "ab", "b", "", a, b};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_int_equal(drain(rl, keys[i], r, T0), 2);
    ratelimit_free(rl);
}

static void test_long_keys_share_prefix(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_create(4);
    char a[200], b[200];
    memset(a, 'x', sizeof a - 1);
    a[sizeof a - 1] = '\0';
    memcpy(b, a, sizeof b);
    b[150] = 'y';
    assert_int_equal(ratelimit_take(rl, a, rule(1, 2), T0), 0);
    assert_int_equal(ratelimit_take(rl, b, rule(1, 2), T0), 0);
    assert_int_equal(ratelimit_take(rl, a, rule(1, 2), T0), 1); /* stricter, never looser */
    a[RL_KEY_MAX] = '\0';
    assert_int_equal(ratelimit_take(rl, a, rule(1, 2), T0), 1);
    ratelimit_free(rl);
}

static void test_unlimited(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_create(1);
    assert_int_equal(drain(rl, "limited", rule(1, 1), T0), 1);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(ratelimit_take(rl, "free", rule(0, 0), T0), 0);
    /* Unlimited callers are not tracked, so they never evict anyone. */
    assert_int_equal(ratelimit_take(rl, "limited", rule(1, 1), T0), 1);
    ratelimit_free(rl);
}

static void test_time_backwards(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_create(4);
    rl_rule_t r = rule(2, 2);
    assert_int_equal(drain(rl, "k", r, T0), 2);
    assert_int_equal(ratelimit_take(rl, "k", r, T0 - 10 * SEC), 1);
    assert_int_equal(ratelimit_take(rl, "k", r, 0), 1);
    /* Going back did not move the clock back: only the 500 ms past T0 count. */
    assert_int_equal(drain(rl, "k", r, T0 + 500 * MS), 1);
    assert_int_equal(ratelimit_take(rl, "k", r, T0 + 499 * MS), 1);
    assert_int_equal(drain(rl, "k", r, T0 + 1000 * MS), 1);
    ratelimit_free(rl);
}

static void test_eviction_lru(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_create(2);
    rl_rule_t r = rule(1, 1);
    assert_int_equal(ratelimit_take(rl, "a", r, T0), 0);
    assert_int_equal(ratelimit_take(rl, "b", r, T0), 0);
    assert_int_equal(ratelimit_take(rl, "a", r, T0), 1); /* a is now the most recent */
    assert_int_equal(ratelimit_take(rl, "c", r, T0), 0); /* evicts b, not a */
    assert_int_equal(ratelimit_take(rl, "a", r, T0), 1);
    assert_int_equal(ratelimit_take(rl, "c", r, T0), 1);
    assert_int_equal(ratelimit_take(rl, "b", r, T0), 0); /* b's bucket was reused: full again */
    assert_int_equal(ratelimit_take(rl, "c", r, T0), 1); /* evicted a, not c */
    assert_int_equal(ratelimit_take(rl, "a", r, T0), 0);
    ratelimit_free(rl);
}

/* A naive model of the limiter: linear search, array order = recency. */
#define MODEL_CAP 8
#define MODEL_KEYS 24

typedef struct {
    int key;
    uint64_t units, last;
} model_bucket_t;

static unsigned model_take(model_bucket_t *m, size_t *used, int key, uint64_t now)
{
    const uint64_t full = 3 * SEC; /* rule 2/s, burst 3, in 1e-9 tokens */
    size_t i = 0;
    while (i < *used && m[i].key != key)
        i++;
    model_bucket_t b = {key, full, now};
    if (i < *used)
        b = m[i];
    else if (*used < MODEL_CAP)
        i = (*used)++;
    else
        i = MODEL_CAP - 1; /* least recent */
    memmove(&m[1], &m[0], i * sizeof *m);
    if (now > b.last) {
        uint64_t add = (now - b.last) * 2;
        b.units = b.units + add > full ? full : b.units + add;
        b.last = now;
    }
    unsigned wait = b.units >= SEC ? 0 : 1;
    if (!wait)
        b.units -= SEC;
    m[0] = b;
    return wait;
}

static void test_eviction_matches_model(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_create(MODEL_CAP);
    model_bucket_t model[MODEL_CAP];
    size_t used = 0;
    uint64_t x = 0x9e3779b97f4a7c15u, now = T0;
    for (int step = 0; step < 200000; step++) {
        x ^= x >> 12; /* xorshift64*: deterministic, so a failure reproduces */
        x ^= x << 25;
        x ^= x >> 27;
        uint64_t rnd = x * 0x2545f4914f6cdd1du;
        int key = (int)(rnd % MODEL_KEYS) % ((step / 1000) % MODEL_KEYS + 1);
        now += (rnd >> 32) % (300 * MS);
        char name[16];
        snprintf(name, sizeof name, "caller-%d", key);
        assert_int_equal(ratelimit_take(rl, name, rule(2, 3), now),
                         model_take(model, &used, key, now));
    }
    ratelimit_free(rl);
}

static const char *const NAMES[] = {"admin", "editor", "viewer"};
#define NNAMES (sizeof NAMES / sizeof NAMES[0])

static void test_parse_ok(void **state)
{
    (void)state;
    rl_rule_t rules[NNAMES] = {{7, 7}, {8, 8}, {9, 9}};
    char msg[200] = "";
    assert_true(
        ratelimit_parse(" admin=50:100 ,\tviewer=0 ", NAMES, NNAMES, rules, msg, sizeof msg));
    assert_int_equal(rules[0].rate_per_s, 50);
    assert_int_equal(rules[0].burst, 100);
    assert_int_equal(rules[1].rate_per_s, 8); /* not in the spec: kept */
    assert_int_equal(rules[1].burst, 8);
    assert_int_equal(rules[2].rate_per_s, 0); /* unlimited */
    assert_true(
        ratelimit_parse("editor=1:1000000,admin=1000000:1", NAMES, NNAMES, rules, msg, sizeof msg));
    assert_int_equal(rules[1].rate_per_s, 1);
    assert_int_equal(rules[1].burst, 1000000);
    assert_int_equal(rules[0].rate_per_s, 1000000);
    assert_int_equal(rules[0].burst, 1);
    assert_true(ratelimit_parse("", NAMES, NNAMES, rules, msg, sizeof msg));
    assert_true(ratelimit_parse("  ", NAMES, NNAMES, rules, msg, sizeof msg));
    assert_true(ratelimit_parse(NULL, NAMES, NNAMES, rules, msg, sizeof msg));
    assert_int_equal(rules[0].rate_per_s, 1000000);
}

static void test_parse_failures(void **state)
{
    (void)state;
    static const struct {
        const char *spec, *reason;
    } cases[] = {
        {"guest=1:1", "unknown name"},
        {"admin=1:1,admin=2:2", "duplicate name"},
        {"=1:1", "unknown name"},
        {"admin", "malformed"},
        {"admin=", "malformed"},
        {"admin=5", "malformed"},
        {"admin=5:", "malformed"},
        {"admin=:5", "malformed"},
        {"admin=a:b", "malformed"},
        {"admin=5:1x", "malformed"},
        {"admin=5:1:1", "malformed"},
        {"admin=-5:1", "malformed"},
        {"admin=+5:1", "malformed"},
        {"admin=0:5", "malformed"},
        {"admin=5;1", "malformed"},
        {"admin = 5:1", "malformed"},
        {"admin=5:1,,viewer=1:1", "empty item"},
        {"admin=5:1,", "empty item"},
        {",admin=5:1", "empty item"},
        {"admin=5:0", "burst 0"},
        {"admin=1000001:1", "out of 1..1000000"},
        {"admin=1:1000001", "out of 1..1000000"},
        {"admin=99999999999999999999:1", "out of 1..1000000"},
        {"admin=4294967297:1", "out of 1..1000000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rl_rule_t rules[NNAMES] = {{7, 7}, {8, 8}, {9, 9}};
        char msg[200] = "";
        /* A valid item first must not be applied when a later one fails. */
        char spec[128];
        snprintf(spec, sizeof spec, "viewer=1:2,%s", cases[i].spec);
        const char *specs[] = {cases[i].spec, spec};
        for (size_t j = 0; j < 2; j++) {
            if (j == 1 && strstr(cases[i].spec, "viewer"))
                continue;
            msg[0] = '\0';
            if (ratelimit_parse(specs[j], NAMES, NNAMES, rules, msg, sizeof msg))
                fail_msg("accepted '%s'", specs[j]);
            if (!strstr(msg, cases[i].reason))
                fail_msg("'%s': got '%s', want '%s'", specs[j], msg, cases[i].reason);
            assert_null(strchr(msg, '\n'));
            assert_int_equal(rules[2].rate_per_s, 9);
            assert_int_equal(rules[0].burst, 7);
        }
    }
}

static void test_parse_small_msg(void **state)
{
    (void)state;
    rl_rule_t rules[NNAMES] = {{0, 0}, {0, 0}, {0, 0}};
    char msg[8];
    assert_false(ratelimit_parse("nobody=1:1", NAMES, NNAMES, rules, msg, sizeof msg));
    assert_int_equal(strlen(msg), sizeof msg - 1); /* truncated, terminated */
}

#define THREADS 4
#define TAKES 20000

typedef struct {
    ratelimit_t *rl;
    int id;
    unsigned allowed, bad;
} worker_t;

static void *worker_same_key(void *arg)
{
    worker_t *w = arg;
    for (int i = 0; i < TAKES; i++)
        w->allowed += ratelimit_take(w->rl, "shared", rule(100, 1000), T0) == 0;
    return NULL;
}

/* Distinct and shared keys over a table too small for them all, so the
 * threads also race through eviction and recency updates. */
static void *worker_churn(void *arg)
{
    worker_t *w = arg;
    char key[32];
    for (int i = 0; i < TAKES; i++) {
        snprintf(key, sizeof key, "t%d-%d", i % 2 ? w->id : 0, i % 37);
        unsigned s = ratelimit_take(w->rl, key, rule(5, 3), T0 + (uint64_t)i * MS);
        w->allowed += s == 0;
        w->bad += s > 1; /* cmocka's asserts are not for other threads */
    }
    return NULL;
}

static void run_threads(ratelimit_t *rl, void *(*fn)(void *), worker_t *w)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker_t){rl, i, 0, 0};
        assert_int_equal(pthread_create(&t[i], NULL, fn, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
}

static void test_threads_share_one_bucket(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_create(64);
    worker_t w[THREADS];
    run_threads(rl, worker_same_key, w);
    unsigned total = 0;
    for (int i = 0; i < THREADS; i++)
        total += w[i].allowed;
    assert_int_equal(total, 1000);
    ratelimit_free(rl);
}

static void test_threads_churn(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_create(16);
    worker_t w[THREADS];
    run_threads(rl, worker_churn, w);
    for (int i = 0; i < THREADS; i++) {
        assert_true(w[i].allowed > 0);
        assert_int_equal(w[i].bad, 0);
    }
    ratelimit_free(rl);
}

static void test_create_limits(void **state)
{
    (void)state;
    assert_null(ratelimit_create(0));
    assert_null(ratelimit_create((size_t)UINT32_MAX));
    ratelimit_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_refusal),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_refill_and_cap),
        cmocka_unit_test(test_rule_change),
        cmocka_unit_test(test_independent_keys),
        cmocka_unit_test(test_long_keys_share_prefix),
        cmocka_unit_test(test_unlimited),
        cmocka_unit_test(test_time_backwards),
        cmocka_unit_test(test_eviction_lru),
        cmocka_unit_test(test_eviction_matches_model),
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_parse_failures),
        cmocka_unit_test(test_parse_small_msg),
        cmocka_unit_test(test_threads_share_one_bucket),
        cmocka_unit_test(test_threads_churn),
        cmocka_unit_test(test_create_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
