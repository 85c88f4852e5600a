/* Token buckets in a fixed table of `capacity` entries, found through a chained
 * hash and recycled least-recently-seen first. One mutex guards it all: a take
 * is a lookup and a few integer operations, so the lock is held only briefly. */
#include "ratelimit.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tokens are kept in units of 1e-9 token, so refilling at `rate` tokens per
 * second adds exactly `rate` units per nanosecond: no division, no float. */
#define RL_UNIT 1000000000u
#define RL_NONE UINT32_MAX

typedef struct {
    char key[RL_KEY_MAX + 1];
    uint64_t hash;
    uint64_t units;      /* tokens × RL_UNIT */
    uint64_t last_ns;    /* latest time seen for this key; never moves back */
    uint32_t chain;      /* next entry in the same hash slot */
    uint32_t prev, next; /* recency list, most recent at rl->head */
} rl_entry_t;

struct ratelimit {
    pthread_mutex_t lock;
    rl_entry_t *entries;
    uint32_t *slots; /* hash slot -> first entry of its chain */
    uint32_t cap, used, mask, head, tail;
};

ratelimit_t *ratelimit_create(size_t capacity)
{
    if (capacity == 0 || capacity > UINT32_MAX / 2)
        return NULL;
    size_t nslots = 1;
    while (nslots < capacity)
        nslots <<= 1;
    ratelimit_t *rl = calloc(1, sizeof *rl);
    if (!rl || !(rl->entries = calloc(capacity, sizeof *rl->entries)) ||
        !(rl->slots = malloc(nslots * sizeof *rl->slots)) || pthread_mutex_init(&rl->lock, NULL))
        abort(); /* out of memory is fatal: see README, Operations */
    memset(rl->slots, 0xff, nslots * sizeof *rl->slots); /* every slot RL_NONE */
    rl->cap = (uint32_t)capacity;
    rl->mask = (uint32_t)(nslots - 1);
    rl->head = rl->tail = RL_NONE;
    return rl;
}

void ratelimit_free(ratelimit_t *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl->slots);
    free(rl->entries);
    free(rl);
}

/* FNV-1a. Keys are authenticated identities, not attacker-chosen strings, so
 * an unkeyed hash does not invite collision flooding. */
static uint64_t rl_hash(const char *key, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)key[i]) * 0x100000001b3u;
    return h;
}

static void rl_lru_unlink(ratelimit_t *rl, uint32_t i)
{
    rl_entry_t *e = &rl->entries[i];
    *(e->prev == RL_NONE ? &rl->head : &rl->entries[e->prev].next) = e->next;
    *(e->next == RL_NONE ? &rl->tail : &rl->entries[e->next].prev) = e->prev;
}

static void rl_lru_push_front(ratelimit_t *rl, uint32_t i)
{
    rl_entry_t *e = &rl->entries[i];
    e->prev = RL_NONE;
    e->next = rl->head;
    *(rl->head == RL_NONE ? &rl->tail : &rl->entries[rl->head].prev) = i;
    rl->head = i;
}

static void rl_chain_unlink(ratelimit_t *rl, uint32_t i)
{
    uint32_t *link = &rl->slots[rl->entries[i].hash & rl->mask];
    while (*link != i)
        link = &rl->entries[*link].chain;
    *link = rl->entries[i].chain;
}

static uint32_t rl_find(const ratelimit_t *rl, const char *key, size_t len, uint64_t h)
{
    uint32_t i = rl->slots[h & rl->mask];
    while (i != RL_NONE) {
        const rl_entry_t *e = &rl->entries[i];
        if (e->hash == h && memcmp(e->key, key, len) == 0 && e->key[len] == '\0')
            return i;
        i = e->chain;
    }
    return RL_NONE;
}

/* A fresh entry, or the least recently seen one recycled; it starts full
 * (rl_refill trims it to the rule's burst). */
static uint32_t rl_claim(ratelimit_t *rl, const char *key, size_t len, uint64_t h, uint64_t now_ns)
{
    uint32_t i;
    if (rl->used < rl->cap) {
        i = rl->used++;
    } else {
        i = rl->tail;
        rl_lru_unlink(rl, i);
        rl_chain_unlink(rl, i);
    }
    rl_entry_t *e = &rl->entries[i];
    memcpy(e->key, key, len);
    e->key[len] = '\0';
    e->hash = h;
    e->units = UINT64_MAX;
    e->last_ns = now_ns;
    e->chain = rl->slots[h & rl->mask];
    rl->slots[h & rl->mask] = i;
    return i;
}

static void rl_refill(rl_entry_t *e, rl_rule_t rule, uint64_t now_ns)
{
    uint64_t full = (uint64_t)rule.burst * RL_UNIT;
    if (now_ns > e->last_ns) {
        uint64_t dt = now_ns - e->last_ns;
        uint64_t room = e->units < full ? full - e->units : 0;
        /* Compare before multiplying: dt × rate overflows after a long idle spell. */
        e->units = dt > room / rule.rate_per_s ? full : e->units + dt * rule.rate_per_s;
        e->last_ns = now_ns;
    }
    if (e->units > full)
        e->units = full;
}

unsigned ratelimit_take(ratelimit_t *rl, const char *key, rl_rule_t rule, uint64_t now_ns)
{
    if (rule.rate_per_s == 0)
        return 0;
    if (rule.burst == 0)
        rule.burst = 1;
    size_t len = strnlen(key, RL_KEY_MAX);
    uint64_t h = rl_hash(key, len);
    unsigned wait_s = 0;
    pthread_mutex_lock(&rl->lock);
    uint32_t i = rl_find(rl, key, len, h);
    if (i == RL_NONE)
        i = rl_claim(rl, key, len, h, now_ns);
    else
        rl_lru_unlink(rl, i);
    rl_lru_push_front(rl, i);
    rl_entry_t *e = &rl->entries[i];
    rl_refill(e, rule, now_ns);
    if (e->units >= RL_UNIT) {
        e->units -= RL_UNIT;
    } else {
        uint64_t wait_ns = (RL_UNIT - e->units + rule.rate_per_s - 1) / rule.rate_per_s;
        wait_s = (unsigned)((wait_ns + RL_UNIT - 1) / RL_UNIT); /* >= 1: the deficit is > 0 */
    }
    pthread_mutex_unlock(&rl->lock);
    return wait_s;
}

typedef struct {
    rl_rule_t rule;
    bool seen;
} rl_parsed_t;

static bool rl_fail(char *msg, size_t msglen, const char *why, const char *at, size_t len)
{
    snprintf(msg, msglen,
             "rate limits: %s '%.*s' (want name=rate:burst or name=0, comma-separated)", why,
             (int)len, at);
    return false;
}

/* Decimal digits at *p; saturates just above RL_NUM_MAX so that a long number
 * reads as out of range instead of wrapping. False when there are no digits. */
static bool rl_number(const char **p, const char *end, uint32_t *out)
{
    const char *s = *p;
    uint32_t v = 0;
    for (; s < end && *s >= '0' && *s <= '9'; s++)
        v = v > RL_NUM_MAX ? v : v * 10 + (uint32_t)(*s - '0');
    *out = v;
    bool any = s != *p;
    *p = s;
    return any;
}

static bool rl_parse_item(const char *item, size_t len, const char *const *names, size_t n,
                          rl_parsed_t *out, char *msg, size_t msglen)
{
    const char *eq = memchr(item, '=', len), *end = item + len;
    for (const char *c = item; c < end && eq; c++)
        if (isspace((unsigned char)*c))
            eq = NULL; /* "admin = 5:1" would otherwise read as an unknown name "admin " */
    if (!eq)
        return rl_fail(msg, msglen, "malformed item", item, len);
    size_t nlen = (size_t)(eq - item), i = 0;
    while (i < n && !(strlen(names[i]) == nlen && memcmp(names[i], item, nlen) == 0))
        i++;
    if (i == n)
        return rl_fail(msg, msglen, "unknown name in", item, len);
    if (out[i].seen)
        return rl_fail(msg, msglen, "duplicate name in", item, len);
    rl_rule_t r = {0, 0};
    const char *p = eq + 1;
    bool ok = rl_number(&p, end, &r.rate_per_s);
    if (ok && r.rate_per_s != 0) /* only a bare 0 has no burst */
        ok = p < end && *p++ == ':' && rl_number(&p, end, &r.burst);
    if (!ok || p != end)
        return rl_fail(msg, msglen, "malformed item", item, len);
    if (r.rate_per_s > RL_NUM_MAX || r.burst > RL_NUM_MAX)
        return rl_fail(msg, msglen, "number out of 1..1000000 in", item, len);
    if (r.rate_per_s != 0 && r.burst == 0)
        return rl_fail(msg, msglen, "burst 0 (no request could pass) in", item, len);
    out[i] = (rl_parsed_t){r, true};
    return true;
}

bool ratelimit_parse(const char *spec, const char *const *names, size_t n, rl_rule_t *rules,
                     char *msg, size_t msglen)
{
    /* Parsed aside and copied at the end, so a failure leaves rules as they were. */
    rl_parsed_t *parsed = calloc(n + 1, sizeof *parsed);
    if (!parsed)
        abort();
    bool ok = true;
    for (const char *p = spec; p && ok;) {
        const char *comma = strchr(p, ','), *a = p, *b = comma ? comma : p + strlen(p);
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        if (a < b)
            ok = rl_parse_item(a, (size_t)(b - a), names, n, parsed, msg, msglen);
        else if (comma || p != spec) /* a blank spec is fine, a blank item is not */
            ok = rl_fail(msg, msglen, "empty item in", spec, strlen(spec));
        p = comma ? comma + 1 : NULL;
    }
    for (size_t i = 0; ok && i < n; i++)
        if (parsed[i].seen)
            rules[i] = parsed[i].rule;
    free(parsed);
    return ok;
}
