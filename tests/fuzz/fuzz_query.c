/* libFuzzer target: a query string as the server receives it (the bytes up to
 * the first NUL) through query_parse, query_only and list_query_build for
 * every registry entity. Aborts when a verdict and its error disagree, or
 * when a parsed list query breaks its own bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/error.h"
#include "domain/query.h"
#include "domain/registry.h"
#include "domain/textcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_query: %s\n", what);
    abort();
}

/* What list_query_build promises when it succeeds. */
static void check_list_query(const entity_t *e, const qparams_t *q, const list_query_t *lq)
{
    if (lq->limit < 1 || lq->limit > REG_PAGE_MAX)
        fail("limit out of range");
    if (lq->has_after != (query_get(q, "cursor") != NULL))
        fail("has_after disagrees with the cursor parameter");
    if (lq->has_after && !text_is_uuid(lq->after))
        fail("the cursor decoded to something that is not a UUID");
    if (lq->nfilters > LIST_MAX_FILTERS)
        fail("too many filters");
    for (size_t i = 0; i < lq->nfilters; i++) {
        const field_t *f = lq->filters[i].field;
        if (f < e->fields || f >= e->fields + e->nfields)
            fail("a filter names a field of another entity");
        if (!(f->flags & (lq->filters[i].op == FILTER_EQ ? F_FILTER : F_RANGE)))
            fail("a filter on a field that does not allow it");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size heap copy, so ASan sees any read past the terminator. */
    char *qs = malloc(size + 1);
    if (!qs)
        abort();
    memcpy(qs, data, size);
    qs[size] = '\0';

    qparams_t q;
    app_error_t err;
    err_clear(&err);
    bool ok = query_parse(qs, &q, &err);
    free(qs); /* q owns copies of every name and value */
    if (ok != (err.kind == ERR_NONE))
        fail("query_parse verdict and error disagree");
    if (!ok) {
        if (q.n != 0 || q.buf != NULL)
            fail("query_parse failed but left parameters behind");
        return 0;
    }
    if (q.n > QUERY_MAX_PARAMS)
        fail("more than QUERY_MAX_PARAMS parameters");
    for (size_t i = 0; i < q.n; i++)
        if (query_get(&q, q.items[i].name) == NULL)
            fail("query_get misses a parsed parameter");

    /* The allowed lists the handlers use: none, and working-days'. */
    static const char *const NONE[] = {NULL};
    static const char *const WORKING_DAYS[] = {"from", "add", NULL};
    err_clear(&err);
    ok = query_only(&q, NONE, &err);
    if (ok != (q.n == 0) || ok != (err.kind == ERR_NONE))
        fail("query_only(NONE) verdict");
    err_clear(&err);
    ok = query_only(&q, WORKING_DAYS, &err);
    if (ok != (err.kind == ERR_NONE))
        fail("query_only verdict and error disagree");

    for (size_t i = 0; i < REGISTRY_COUNT; i++) {
        list_query_t lq;
        err_clear(&err);
        ok = list_query_build(REGISTRY[i], &q, &lq, &err);
        if (ok != (err.kind == ERR_NONE))
            fail("list_query_build verdict and error disagree");
        if (ok)
            check_list_query(REGISTRY[i], &q, &lq);
    }
    query_free(&q);
    return 0;
}
