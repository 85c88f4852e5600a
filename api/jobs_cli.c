/* `probityd jobs run [KIND --period P [--org ID]]`: what an operator does
 * to run a period now, or to let this machine catch up without serving. */
#include "jobs_cli.h"

#include <stdio.h>
#include <string.h>

#include "../domain/textcheck.h"
#include "../jobs/clock.h"
#include "../storage/job_store.h"

static int usage(const char *why)
{
    fprintf(stderr, "probityd: error: %s\nusage: probityd jobs run [KIND --period P [--org ID]]\n",
            why);
    return 2;
}

int jobs_cli(const config_t *cfg, int argc, char **argv, int first)
{
    if (first >= argc || strcmp(argv[first], "run") != 0)
        return usage("jobs needs the subcommand run");
    const char *kind = NULL, *period_s = NULL, *org_s = NULL;
    for (int i = first + 1; i < argc; i++) {
        if (!kind && argv[i][0] != '-')
            kind = argv[i];
        else if (strcmp(argv[i], "--period") == 0 && i + 1 < argc)
            period_s = argv[++i];
        else if (strcmp(argv[i], "--org") == 0 && i + 1 < argc)
            org_s = argv[++i];
        else
            return usage("unknown argument");
    }
    period_t period;
    char org[37];
    if ((kind != NULL) != (period_s != NULL))
        return usage("a kind needs --period, and --period a kind");
    if (kind && !job_kind_find(kind))
        return usage("no such job kind (see GET /v1/jobs)");
    if (period_s && !period_parse_any(period_s, &period))
        return usage("--period must be a month (2026-10) or a quarter (2026-Q3)");
    char why[300];
    if (period_s && job_kind_plannable(job_kind_find(kind), &period, clock_now_us(), why,
                                       sizeof why) != PLAN_OK) {
        fprintf(stderr, "probityd: jobs run: %s\n", why);
        return 2;
    }
    if (org_s && !text_uuid_normalize(org_s, org))
        return usage("--org must be an organization id");
    db_t db = {.conninfo = cfg->database_url, .statement_timeout_ms = 0};
    app_error_t err;
    err_clear(&err);
    long planned = 0, runs = 0;
    char now[32];
    clock_format(clock_now_us(), now);
    bool ok = db_ensure(&db, &err) &&
              (!kind || job_plan_period(&db, kind, job_kind_find(kind)->when.target, &period,
                                        org_s ? org : NULL, now, &planned, &err)) &&
              scheduler_drain(&cfg->sched, &db, &runs, &err);
    db_close(&db);
    if (!ok) {
        fprintf(stderr, "probityd: error: %s\n", err.detail);
        return 1;
    }
    printf("planned %ld new runs; ran %ld\n", planned, runs);
    return 0;
}
