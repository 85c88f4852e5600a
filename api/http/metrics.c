/* Prometheus exposition. */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../domain/strbuf.h"
#include "routes.h"

static const int STATUSES[] = {200, 201, 204, 400, 403, 404, 405, 408, 409, 411, 412,
                               413, 415, 422, 431, 499, 500, 503, 505};
#define NSTATUS (sizeof STATUSES / sizeof STATUSES[0])
static const double BUCKETS[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKET (sizeof BUCKETS / sizeof BUCKETS[0])

typedef struct {
    unsigned long long count[NSTATUS + 1]; /* last slot: any other status */
    unsigned long long bucket[NBUCKET];
    unsigned long long observations;
    double sum;
} route_metrics_t;

static route_metrics_t *M; /* index 0: unmatched; route i at i + 1 */
static size_t NROUTES;

void metrics_init(size_t nroutes)
{
    NROUTES = nroutes;
    M = calloc(nroutes + 1, sizeof *M);
    if (!M)
        abort();
}

void metrics_free(void)
{
    free(M);
    M = NULL;
}

void metrics_observe(int route, int status, double seconds)
{
    route_metrics_t *m = &M[route < 0 ? 0 : (size_t)route + 1];
    size_t s = 0;
    while (s < NSTATUS && STATUSES[s] != status)
        s++;
    m->count[s]++;
    for (size_t b = 0; b < NBUCKET; b++)
        if (seconds <= BUCKETS[b])
            m->bucket[b]++;
    m->observations++;
    m->sum += seconds;
}

static void labels(size_t i, const char **method, const char **pattern)
{
    if (i == 0) {
        *method = "";
        *pattern = "unmatched";
        return;
    }
    const route_t *r = routes_get(i - 1);
    *method = r->method;
    *pattern = r->pattern;
}

char *metrics_render(pool_t *pool, size_t *len)
{
    strbuf_t o = {0};
    const char *method, *pattern;
    strbuf_printf(&o, "# HELP probity_http_requests_total HTTP requests answered, by route and status.\n"
            "# TYPE probity_http_requests_total counter\n");
    for (size_t i = 0; i <= NROUTES; i++) {
        labels(i, &method, &pattern);
        for (size_t s = 0; s <= NSTATUS; s++) {
            if (!M[i].count[s])
                continue;
            char status[8];
            if (s < NSTATUS)
                snprintf(status, sizeof status, "%d", STATUSES[s]);
            else
                strcpy(status, "other");
            strbuf_printf(&o, "probity_http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} %llu\n",
                pattern, method, status, M[i].count[s]);
        }
    }
    strbuf_printf(&o, "# HELP probity_http_request_duration_seconds Time from the first byte of a request "
            "to its response.\n# TYPE probity_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= NROUTES; i++) {
        if (!M[i].observations)
            continue;
        labels(i, &method, &pattern);
        for (size_t b = 0; b < NBUCKET; b++)
            strbuf_printf(&o,
                "probity_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"%g\"} "
                "%llu\n",
                pattern, method, BUCKETS[b], M[i].bucket[b]);
        strbuf_printf(&o,
            "probity_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"+Inf\"} "
            "%llu\n",
            pattern, method, M[i].observations);
        strbuf_printf(&o, "probity_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\"} %.6f\n",
            pattern, method, M[i].sum);
        strbuf_printf(&o, "probity_http_request_duration_seconds_count{route=\"%s\",method=\"%s\"} %llu\n",
            pattern, method, M[i].observations);
    }
    pool_stats_t ps = pool_stats(pool);
    strbuf_printf(&o,
        "# HELP probity_db_pool_size Database workers.\n# TYPE probity_db_pool_size gauge\n"
        "probity_db_pool_size %d\n"
        "# HELP probity_db_pool_in_use Workers running a request.\n"
        "# TYPE probity_db_pool_in_use gauge\nprobity_db_pool_in_use %d\n"
        "# HELP probity_db_pool_waiting Requests queued for a worker.\n"
        "# TYPE probity_db_pool_waiting gauge\nprobity_db_pool_waiting %d\n",
        ps.size, ps.in_use, ps.waiting);
    *len = o.len;
    return o.s;
}
