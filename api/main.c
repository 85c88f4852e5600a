/* probityd: command dispatch and the serve sequence — configuration,
 * database check, migrations, pool, HTTP and gRPC servers, signals, orderly
 * exit. */
#include <event2/event.h>
#include <curl/curl.h>
#include <event2/thread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../storage/entity_sql.h"
#include "../storage/log.h"
#include "../storage/migrate.h"
#include "config.h"
#include "grpc/bridge.h"
#include "grpc/health.h"
#include "grpc/reflection.h"
#include "http/cors.h"
#include "http/metrics.h"
#include "http/routes.h"
#include "../jobs/clock.h"
#include "jobs_cli.h"
#include "keys_cli.h"
#include "registry_dump.h"

#ifndef PROBITY_VERSION
#define PROBITY_VERSION "0.0.0-dev"
#endif

static int die(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "probityd: error: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return 1;
}

/* Migrations run as the schema's owner when one is configured: the role
 * that serves may not alter the schema (or the audit trail). */
static const char *owner_url(const config_t *cfg)
{
    return cfg->migrate_database_url ? cfg->migrate_database_url : cfg->database_url;
}

static int run_migrations(const config_t *cfg)
{
    db_t db = {.conninfo = owner_url(cfg), .statement_timeout_ms = 0};
    app_error_t err;
    err_clear(&err);
    int applied = 0;
    bool ok = db_ensure(&db, &err) && migrate_run(&db, &applied, &err);
    db_close(&db);
    if (!ok)
        return die("migration failed: %s%s", err.detail, "");
    char msg[64];
    snprintf(msg, sizeof msg, "%d applied, schema at %d", applied, migrate_latest());
    log_event("info", "migrations_done", msg);
    return 0;
}

static bool check_database(const config_t *cfg)
{
    char msg[512];
    if (!db_conninfo_ok(cfg->database_url, msg, sizeof msg)) {
        die("PROBITY_DATABASE_URL is malformed: %s%s", msg, "");
        return false;
    }
    if (!db_probe(cfg->database_url, msg, sizeof msg)) {
        die("cannot reach the database: %s%s", msg, "");
        return false;
    }
    if (cfg->migrate_database_url &&
        (!db_conninfo_ok(cfg->migrate_database_url, msg, sizeof msg) ||
         !db_probe(cfg->migrate_database_url, msg, sizeof msg))) {
        die("PROBITY_MIGRATE_DATABASE_URL: %s%s", msg, "");
        return false;
    }
    return true;
}

typedef struct {
    http_server_t *srv;
    grpc_server_t *grpc;    /* NULL when PROBITY_GRPC_ADDR is off */
    grpc_method_t *methods; /* the gRPC method table, which the server borrows */
} serve_ctx_t;

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    serve_ctx_t *ctx = arg;
    log_event("info", "shutdown", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    http_server_shutdown(ctx->srv);
    if (ctx->grpc)
        grpc_server_shutdown(ctx->grpc);
}

/* The gRPC server with every method: health, reflection, then the entity
 * services and actions (the bridge to the REST routes). */
static grpc_server_t *grpc_start(struct event_base *base, const config_t *cfg, pool_t *pool,
                                 serve_ctx_t *ctx, char *msg, size_t msglen)
{
    size_t nh, nr, nb;
    const grpc_method_t *h = grpc_health_methods(pool, &nh);
    const grpc_method_t *r = grpc_reflection_methods(&nr);
    const grpc_method_t *b = grpc_bridge_methods(pool, &nb);
    grpc_bridge_set_max_message(cfg->grpc.max_message); /* a report gathered past it is refused */
    ctx->methods = calloc(nh + nr + nb, sizeof *ctx->methods);
    if (!ctx->methods)
        abort();
    memcpy(ctx->methods, h, nh * sizeof *h);
    memcpy(ctx->methods + nh, r, nr * sizeof *r);
    if (nb)
        memcpy(ctx->methods + nh + nr, b, nb * sizeof *b);
    grpc_server_t *srv =
        grpc_server_create(base, &cfg->grpc, ctx->methods, nh + nr + nb, msg, msglen);
    if (srv)
        grpc_health_attach(srv);
    return srv;
}

/* The clock and the job kinds, before anything reads them. */
static bool process_setup(const config_t *cfg, char *msg, size_t msglen)
{
    if (cfg->sched.test_pause_ms && strcmp(cfg->env, "test") != 0) {
        snprintf(msg, msglen, "PROBITY_JOB_TEST_PAUSE_MS is for tests: needs PROBITY_ENV=test");
        return false;
    }
    return clock_configure(cfg->clock, cfg->clock_anchor, cfg->env, msg, msglen) &&
           job_kinds_configure(&(job_kinds_options_t){cfg->reminder_days, cfg->inventory_at,
                                                       cfg->year_report_at},
                               msg, msglen);
}

/* Order matters for start-up errors: everything that can fail on the
 * configuration alone (the address, the port) fails before the database is
 * touched or anything is logged, so the one error line stands alone. */
static int serve(config_t *cfg)
{
    char msg[512];
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    struct event_base *base = event_base_new();
    if (!base)
        return die("cannot create the event loop%s%s", "", "");
    entity_sql_init();
    routes_init();
    metrics_init(routes_count());
    pool_t *pool = pool_create(base, cfg->database_url, cfg->pool_size, cfg->max_waiting,
                               cfg->statement_timeout_ms);
    ops_set_pool(pool);
    ops_set_metrics_token(cfg->metrics_token);
    serve_ctx_t ctx = {0};
    int rc = 0;
    ctx.srv = http_server_create(base, &cfg->http, pool, msg, sizeof msg);
    if (!ctx.srv)
        rc = die("%s%s", msg, "");
    else if (cfg->grpc.addr && !(ctx.grpc = grpc_start(base, cfg, pool, &ctx, msg, sizeof msg)))
        rc = die("%s%s", msg, "");
    else if (!cors_configure(cfg->cors_origins, msg, sizeof msg))
        rc = die("%s%s", msg, "");
    else if (!process_setup(cfg, msg, sizeof msg))
        rc = die("%s%s", msg, "");
    else if (!auth_init(&cfg->auth, msg, sizeof msg))
        rc = die("%s%s", msg, "");
    else if (cfg->docs_dir && !ops_docs_load(cfg->docs_dir, msg, sizeof msg))
        rc = die("PROBITY_DOCS_DIR: %s%s", msg, "");
    else if (!check_database(cfg) || (!cfg->no_migrate && run_migrations(cfg) != 0))
        rc = 1;
    if (rc == 0) {
        if (!cfg->docs_dir)
            log_event("warn", "docs_disabled",
                      "PROBITY_DOCS_DIR is not set; /docs assets answer 503");
        struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, &ctx);
        struct event *sigint = evsignal_new(base, SIGINT, on_signal, &ctx);
        event_add(sigterm, NULL);
        event_add(sigint, NULL);
        log_event("info", "listening", cfg->http.http_addr);
        if (ctx.grpc)
            log_event("info", "grpc_listening", cfg->grpc.addr);
        log_flush();
        scheduler_t *sched = cfg->scheduler ? scheduler_start(&cfg->sched) : NULL;
        /* Without an SMTP server, mail waits in the outbox. */
        sender_t *sender = cfg->smtp_url ? sender_start(&cfg->sender) : NULL;
        event_base_dispatch(base);
        /* The HTTP server breaks the loop once its requests are done; the
         * gRPC server's calls may still run, bounded by its own shutdown
         * timer. The loop goes on until both have drained. */
        if (ctx.grpc)
            grpc_server_shutdown(ctx.grpc); /* no-op after a signal */
        while (!grpc_server_drained(ctx.grpc))
            event_base_loop(base, EVLOOP_ONCE);
        sender_stop(sender);
        scheduler_stop(sched);
        event_free(sigterm);
        event_free(sigint);
    }
    pool_destroy(pool); /* hands back every job still in flight */
    grpc_server_free(ctx.grpc);
    if (ctx.methods) {
        grpc_health_attach(NULL);
        grpc_bridge_free();
        free(ctx.methods);
    }
    http_server_free(ctx.srv);
    metrics_free();
    routes_free();
    entity_sql_free();
    ops_docs_free();
    cors_free();
    auth_shutdown();
    event_base_free(base);
    libevent_global_shutdown();
    if (rc == 0)
        log_event("info", "stopped", NULL);
    log_flush();
    return rc;
}

int main(int argc, char **argv)
{
    log_init();
    /* Before any thread: libcurl's global state is not thread-safe to set up. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return die("libcurl could not initialise%s%s", "", "");
    atexit(curl_global_cleanup);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        config_usage();
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("probityd %s\n", PROBITY_VERSION);
        return 0;
    }
    if (strcmp(cmd, "registry") == 0) {
        json_t *dump = registry_dump();
        json_dumpf(dump, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(dump);
        return 0;
    }
    if (strcmp(cmd, "keys") == 0 || strcmp(cmd, "jobs") == 0) {
        config_t cfg;
        char msg[512];
        /* The database comes from the environment; the flags are the subcommand's. */
        if (!config_load(&cfg, argc, argv, argc, msg, sizeof msg) || !process_setup(&cfg, msg, sizeof msg)) {
            die("%s%s", msg, "");
            config_free(&cfg);
            return 2;
        }
        entity_sql_init();
        int rc = !check_database(&cfg)        ? 1
                 : strcmp(cmd, "keys") == 0 ? keys_cli(&cfg, argc, argv, 2)
                                            : jobs_cli(&cfg, argc, argv, 2);
        entity_sql_free();
        config_free(&cfg);
        log_flush();
        return rc;
    }
    if (strcmp(cmd, "serve") != 0 && strcmp(cmd, "migrate") != 0)
        return die("unknown command '%s' (see probityd --help)%s", cmd, "") ? 2 : 2;
    config_t cfg;
    char msg[512];
    int rc;
    if (!config_load(&cfg, argc, argv, 2, msg, sizeof msg)) {
        die("%s%s", msg, "");
        rc = 2;
    } else if (strcmp(cmd, "migrate") == 0) {
        rc = check_database(&cfg) ? run_migrations(&cfg) : 1;
    } else {
        rc = serve(&cfg);
    }
    config_free(&cfg);
    log_flush();
    return rc;
}
