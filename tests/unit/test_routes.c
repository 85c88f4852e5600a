/* The route table's shortcut: a hinted match (the gRPC bridge's, a route per
 * method) must give exactly what the full scan gives, for every hint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/http/routes.h"

/* Every literal segment of every pattern, and two values no pattern has:
 * what a parameter is filled with, so that hints meet paths that earlier
 * routes match too. */
static char SEGS[256][64];
static size_t NSEGS;

static void collect_segments(void)
{
    NSEGS = 0;
    strcpy(SEGS[NSEGS++], "0b9a3c1e-5d2f-4e8a-9c7b-1a2b3c4d5e6f");
    strcpy(SEGS[NSEGS++], "x");
    for (size_t i = 0; i < routes_count(); i++) {
        const char *p = routes_get(i)->pattern;
        while (*p) {
            const char *s = p + 1, *e = strchr(s, '/');
            size_t n = e ? (size_t)(e - s) : strlen(s);
            bool known = s[0] == '{' || n == 0 || n >= 64;
            for (size_t k = 0; k < NSEGS && !known; k++)
                known = strlen(SEGS[k]) == n && memcmp(SEGS[k], s, n) == 0;
            if (!known && NSEGS < 256) {
                memcpy(SEGS[NSEGS], s, n);
                SEGS[NSEGS++][n] = '\0';
            }
            p = s + n;
        }
    }
}

/* pattern with its k-th parameter filled by SEGS[(k == which) ? seg : 0]. */
static void fill(const char *pattern, size_t which, size_t seg, char *out, size_t outlen)
{
    size_t o = 0, k = 0;
    for (const char *p = pattern; *p && o + 70 < outlen;) {
        if (*p == '{') {
            const char *v = SEGS[k++ == which ? seg : 0];
            o += (size_t)snprintf(out + o, outlen - o, "%s", v);
            p = strchr(p, '}') + 1;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
}

static int match(const char *method, const char *path, int hint, const route_t **route,
                 char params[][64])
{
    http_req_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    snprintf(r->method, sizeof r->method, "%s", method);
    char buf[512];
    snprintf(buf, sizeof buf, "%s", path);
    r->path = buf;
    char allow[128];
    int i = hint == -2 ? routes_match(r, allow, sizeof allow)
                       : routes_match_hinted(r, hint, allow, sizeof allow);
    *route = r->route;
    memcpy(params, r->params, sizeof r->params);
    free(r);
    return i;
}

static void test_hinted_match_is_the_full_scan(void **state)
{
    (void)state;
    static const char *const METHODS[] = {"GET", "POST", "PATCH", "DELETE", "HEAD"};
    size_t n = routes_count(), paths = 0, hinted_hits = 0;
    assert_true(n > 20);
    for (size_t i = 0; i < n; i++) {
        size_t nparams = 0;
        for (const char *q = routes_get(i)->pattern; *q; q++)
            nparams += *q == '{';
        for (size_t which = 0; which < (nparams ? nparams : 1); which++)
            for (size_t seg = 0; seg < (nparams ? NSEGS : 1); seg++) {
                char path[512];
                fill(routes_get(i)->pattern, which, seg, path, sizeof path);
                for (size_t m = 0; m < sizeof METHODS / sizeof METHODS[0]; m++) {
                    const route_t *want_route;
                    char want_params[HTTP_MAX_PARAMS][64];
                    int want = match(METHODS[m], path, -2, &want_route, want_params);
                    paths++;
                    for (int hint = -1; hint < (int)n; hint++) {
                        const route_t *got_route;
                        char got_params[HTTP_MAX_PARAMS][64];
                        int got = match(METHODS[m], path, hint, &got_route, got_params);
                        if (got != want)
                            fail_msg("%s %s with hint %d: route %d, the scan says %d", METHODS[m],
                                     path, hint, got, want);
                        assert_ptr_equal(got_route, want_route);
                        for (const char *q = got >= 0 ? got_route->pattern : ""; *q; q++)
                            if (*q == '{') {
                                size_t k = 0;
                                for (const char *c = got_route->pattern; c < q; c++)
                                    k += *c == '{';
                                assert_string_equal(got_params[k], want_params[k]);
                            }
                        hinted_hits += got >= 0 && got == hint;
                    }
                }
            }
    }
    /* the shortcut is taken, not only fallen back from */
    assert_true(hinted_hits > n);
    printf("%zu paths x %zu hints, %zu answered by the hint\n", paths, n + 1, hinted_hits);
}

/* What decides whether a hint may answer alone; no two routes of today's
 * table overlap, so the cases are made up. */
static void test_overlap(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        bool overlap;
    } CASES[] = {
        {"/v1/organizations/{id}", "/v1/organizations/{id}", true},
        {"/v1/organizations/{id}", "/v1/organizations/tree", true},
        {"/v1/{entity}/tree", "/v1/organizations/{id}", true},
        {"/v1/organizations/{id}", "/v1/employees/{id}", false},
        {"/v1/organizations/{id}", "/v1/organizations", false},
        {"/v1/organizations", "/v1/organizations/{id}", false},
        {"/v1/organizations/{id}", "/v1/organizations/{id}/relative-conflicts", false},
        {"/v1/org/{id}", "/v1/organizations/{id}", false},
        {"/v1/organizations/{id}", "/v1/org/{id}", false},
        {"/docs", "/docs/{asset}", false},
        {"/{a}", "/healthz", true},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++)
        if (routes_patterns_overlap(CASES[i].a, CASES[i].b) != CASES[i].overlap)
            fail_msg("%s and %s: overlap should be %d", CASES[i].a, CASES[i].b, CASES[i].overlap);
}

static int setup(void **state)
{
    (void)state;
    routes_init();
    collect_segments();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    routes_free();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hinted_match_is_the_full_scan),
        cmocka_unit_test(test_overlap),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
