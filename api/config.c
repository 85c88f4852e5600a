/* Configuration table and parsing (kept apart from the runtime code). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum { P_STR, P_INT, P_SIZE, P_FLAG } param_type_t;

typedef struct {
    const char *flag;
    const char *env;
    param_type_t type;
    size_t offset;
    long long min, max;
    const char *defval;
    const char *help;
} param_t;

#define OFF(f) offsetof(config_t, f)

static const param_t PARAMS[] = {
    {"--database-url", "PROBITY_DATABASE_URL", P_STR, OFF(database_url), 0, 0, NULL,
     "libpq URL of the database (required)"},
    {"--http-addr", "PROBITY_HTTP_ADDR", P_STR, OFF(http_addr), 0, 0, "127.0.0.1:8080",
     "address to serve HTTP on, IP:PORT"},
    {"--grpc-addr", "PROBITY_GRPC_ADDR", P_STR, OFF(grpc_addr), 0, 0, "127.0.0.1:50051",
     "address to serve gRPC on, IP:PORT; off (or set empty) serves none"},
    {"--grpc-tls-cert", "PROBITY_GRPC_TLS_CERT", P_STR, OFF(grpc_tls_cert), 0, 0, NULL,
     "PEM certificate chain: with --grpc-tls-key, gRPC is served over TLS (ALPN h2)"},
    {"--grpc-tls-key", "PROBITY_GRPC_TLS_KEY", P_STR, OFF(grpc_tls_key), 0, 0, NULL,
     "PEM private key of --grpc-tls-cert"},
    {"--grpc-max-message", "PROBITY_GRPC_MAX_MESSAGE", P_SIZE, OFF(grpc_max_message), 1024,
     1 << 30, "4194304", "largest gRPC message in bytes, either way (RESOURCE_EXHAUSTED above)"},
    {"--grpc-max-streams", "PROBITY_GRPC_MAX_STREAMS", P_INT, OFF(grpc_max_streams), 1, 65536,
     "256", "concurrent gRPC calls per connection (SETTINGS_MAX_CONCURRENT_STREAMS)"},
    {"--grpc-idle-timeout", "PROBITY_GRPC_IDLE_TIMEOUT", P_INT, OFF(grpc.idle_timeout_s), 1,
     86400, "300", "seconds a gRPC connection without calls is kept"},
    {"--pool-size", "PROBITY_POOL_SIZE", P_INT, OFF(pool_size), 1, 256, NULL,
     "database workers, one connection each [one per CPU, at least 2]"},
    {"--max-waiting", "PROBITY_MAX_WAITING", P_INT, OFF(max_waiting), 1, 100000, "1024",
     "requests queued for a worker before answering 503"},
    {"--statement-timeout-ms", "PROBITY_STATEMENT_TIMEOUT_MS", P_INT, OFF(statement_timeout_ms),
     100, 600000, "5000", "longest a single SQL statement may run"},
    {"--body-limit", "PROBITY_BODY_LIMIT", P_SIZE, OFF(body_limit), 1, 1LL << 30, "1048576",
     "largest request body in bytes (413 above)"},
    {"--head-limit", "PROBITY_HEAD_LIMIT", P_SIZE, OFF(head_limit), 1024, 1 << 20, "16384",
     "largest request head in bytes (431 above)"},
    {"--request-timeout", "PROBITY_REQUEST_TIMEOUT", P_INT, OFF(http.request_timeout_s), 1, 3600,
     "10", "seconds a client has to send a whole request (408 after)"},
    {"--idle-timeout", "PROBITY_IDLE_TIMEOUT", P_INT, OFF(http.idle_timeout_s), 1, 3600, "60",
     "seconds an idle keep-alive connection is kept"},
    {"--shutdown-timeout", "PROBITY_SHUTDOWN_TIMEOUT", P_INT, OFF(http.shutdown_timeout_s), 0, 3600,
     "10", "seconds in-flight requests may finish after SIGTERM"},
    {"--max-connections", "PROBITY_MAX_CONNECTIONS", P_INT, OFF(http.max_connections), 1, 1000000,
     "10000", "open client connections at most"},
    {"--docs-dir", "PROBITY_DOCS_DIR", P_STR, OFF(docs_dir), 0, 0, NULL,
     "directory with the swagger-ui-dist files served under /docs"},
    {"--cors-origins", "PROBITY_CORS_ORIGINS", P_STR, OFF(cors_origins), 0, 0, NULL,
     "origins browsers may call from, comma-separated, or *; none by default"},
    {"--no-migrate", "PROBITY_NO_MIGRATE", P_FLAG, OFF(no_migrate), 0, 1, "0",
     "do not apply migrations on serve"},
    {"--migrate-database-url", "PROBITY_MIGRATE_DATABASE_URL", P_STR, OFF(migrate_database_url),
     0, 0, NULL, "libpq URL of the schema's owner, for migrations [PROBITY_DATABASE_URL]"},
    {"--jwt-jwks-file", "PROBITY_JWT_JWKS_FILE", P_STR, OFF(jwt_jwks_file), 0, 0, NULL,
     "JWKS file with the RS256/ES256 keys JWTs are verified with"},
    {"--jwt-hs256-secret", "PROBITY_JWT_HS256_SECRET", P_STR, OFF(jwt_hs256_secret), 0, 0, NULL,
     "shared secret for HS256 JWTs, 32 bytes or more (prefer the variable)"},
    {"--jwt-issuer", "PROBITY_JWT_ISSUER", P_STR, OFF(jwt_issuer), 0, 0, NULL,
     "the iss every JWT must carry"},
    {"--jwt-audience", "PROBITY_JWT_AUDIENCE", P_STR, OFF(jwt_audience), 0, 0, NULL,
     "a value every JWT's aud must contain"},
    {"--jwt-role-claim", "PROBITY_JWT_ROLE_CLAIM", P_STR, OFF(jwt_role_claim), 0, 0,
     "probity_role", "JWT claim with the caller's role"},
    {"--jwt-org-claim", "PROBITY_JWT_ORG_CLAIM", P_STR, OFF(jwt_org_claim), 0, 0, "probity_org",
     "JWT claim with the id of the caller's organization"},
    {"--jwt-leeway", "PROBITY_JWT_LEEWAY", P_INT, OFF(jwt_leeway_s), 0, 600, "60",
     "seconds of clock skew allowed on exp, nbf and iat"},
    {"--rate-limits", "PROBITY_RATE_LIMITS", P_STR, OFF(rate_limits), 0, 0, NULL,
     "per-caller limits by role, role=rate:burst,... (0: none) [admin, auditor, officer, "
     "viewer=100:200, integration=500:1000]"},
    {"--metrics-token", "PROBITY_METRICS_TOKEN", P_STR, OFF(metrics_token), 0, 0, NULL,
     "when set, /metrics needs Authorization: Bearer <this>"},
    {"--env", "PROBITY_ENV", P_STR, OFF(env), 0, 0, "production",
     "production, development or test (a set clock is refused in production)"},
    {"--clock", "PROBITY_CLOCK", P_STR, OFF(clock), 0, 0, NULL,
     "start the process clock at this RFC 3339 instant (tests, development)"},
    {"--clock-anchor", "PROBITY_CLOCK_ANCHOR", P_STR, OFF(clock_anchor), 0, 0, NULL,
     "the real instant (Unix seconds) PROBITY_CLOCK stands for [the process start]"},
    {"--scheduler", "PROBITY_SCHEDULER", P_FLAG, OFF(scheduler), 0, 1, "1",
     "run the scheduler in serve (1) or not (0)"},
    {"--scheduler-tick-ms", "PROBITY_SCHEDULER_TICK_MS", P_INT, OFF(sched.tick_ms), 10, 60000,
     "1000", "how often the scheduler looks for ready runs"},
    {"--job-plan-interval", "PROBITY_JOB_PLAN_INTERVAL", P_INT, OFF(sched.plan_interval_s), 0,
     86400, "60", "seconds between planning passes"},
    {"--job-lookback-days", "PROBITY_JOB_LOOKBACK_DAYS", P_INT, OFF(sched.lookback_days), 1, 3660,
     "100", "how far back missed runs are caught up"},
    {"--job-lease", "PROBITY_JOB_LEASE", P_INT, OFF(sched.lease_s), 1, 3600, "60",
     "seconds a claimed run is held before another instance may take it"},
    {"--job-max-attempts", "PROBITY_JOB_MAX_ATTEMPTS", P_INT, OFF(sched.max_attempts), 1, 100,
     "5", "attempts before a run stays failed"},
    {"--job-backoff", "PROBITY_JOB_BACKOFF", P_INT, OFF(sched.backoff_s), 1, 86400, "30",
     "seconds before the first retry; doubled each time"},
    {"--job-batch", "PROBITY_JOB_BATCH", P_INT, OFF(sched.batch), 1, 500, "500",
     "runs per batch (one transaction)"},
    {"--job-sessions", "PROBITY_JOB_SESSIONS", P_INT, OFF(sched.sessions), 1, 16, "2",
     "database sessions the scheduler (and `jobs run`) writes batches on at once"},
    {"--reminder-days", "PROBITY_REMINDER_DAYS", P_STR, OFF(reminder_days), 0, 0, "10,14",
     "days of the month after a period when the two disclosure reminders go out"},
    {"--inventory-at", "PROBITY_INVENTORY_AT", P_STR, OFF(inventory_at), 0, 0, "09:00",
     "local time (HH:MM) of the quarterly inventory, on the first working day after a quarter"},
    {"--year-report-at", "PROBITY_YEAR_REPORT_AT", P_STR, OFF(year_report_at), 0, 0,
     "12-25 09:00", "local day and time (MM-DD HH:MM) of the receivables report of the year"},
    {"--doubtful-after-days", "PROBITY_DOUBTFUL_AFTER_DAYS", P_INT, OFF(sched.doubtful_days), 1,
     36600, "1095",
     "days overdue after which the quarterly inventory lists a debt as a candidate for doubtful"},
    {"--instance", "PROBITY_INSTANCE", P_STR, OFF(instance), 0, 0, NULL,
     "this instance's name in job leases [host:pid]"},
    {"--job-test-pause-ms", "PROBITY_JOB_TEST_PAUSE_MS", P_INT, OFF(sched.test_pause_ms), 0,
     600000, "0", "tests only: stall each batch this long between claim and commit"},
    {"--smtp-url", "PROBITY_SMTP_URL", P_STR, OFF(smtp_url), 0, 0, NULL,
     "smtp://host:port or smtps://host:port; unset: mail stays in the outbox"},
    {"--smtp-starttls", "PROBITY_SMTP_STARTTLS", P_FLAG, OFF(sender.smtp.require_starttls), 0, 1,
     "0", "require STARTTLS on smtp:// (never falls back to clear text)"},
    {"--smtp-user", "PROBITY_SMTP_USER", P_STR, OFF(smtp_user), 0, 0, NULL, "SMTP AUTH user"},
    {"--smtp-password", "PROBITY_SMTP_PASSWORD", P_STR, OFF(smtp_password), 0, 0, NULL,
     "SMTP AUTH password (prefer the variable)"},
    {"--smtp-ca-file", "PROBITY_SMTP_CA_FILE", P_STR, OFF(smtp_ca_file), 0, 0, NULL,
     "CA certificates for the SMTP server [the system store]"},
    {"--mail-from", "PROBITY_MAIL_FROM", P_STR, OFF(mail_from), 0, 0,
     "Probity <noreply@probity.local>", "From: of every mail"},
    {"--mail-max-attempts", "PROBITY_MAIL_MAX_ATTEMPTS", P_INT, OFF(sender.max_attempts), 1, 100,
     "8", "delivery attempts before a mail stays failed"},
    {"--mail-backoff", "PROBITY_MAIL_BACKOFF", P_INT, OFF(sender.backoff_s), 1, 86400, "60",
     "seconds before the first delivery retry; doubled each time"},
    {"--mail-domain", "PROBITY_MAIL_DOMAIN", P_STR, OFF(mail_domain), 0, 0, "probity.local",
     "domain part of Message-IDs"},
};
#define NPARAMS (sizeof PARAMS / sizeof PARAMS[0])

static bool set_value(config_t *cfg, const param_t *p, const char *v, const char *source,
                      char *msg, size_t msglen)
{
    void *dst = (char *)cfg + p->offset;
    if (p->type == P_STR) {
        char **s = dst;
        free(*s);
        *s = strdup(v);
        return true;
    }
    if (p->type == P_FLAG && v == NULL) {
        *(bool *)dst = true;
        return true;
    }
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < p->min || n > p->max) {
        snprintf(msg, msglen, "%s: '%s' is not %s from %lld to %lld", source, v,
                 p->type == P_FLAG ? "0 or 1, or" : "an integer", p->min, p->max);
        return false;
    }
    if (p->type == P_INT)
        *(int *)dst = (int)n;
    else if (p->type == P_SIZE)
        *(long long *)dst = n;
    else
        *(bool *)dst = n != 0;
    return true;
}

bool config_load(config_t *cfg, int argc, char **argv, int first, char *msg, size_t msglen)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NPARAMS; i++) {
        const char *env = getenv(PARAMS[i].env);
        const char *v = env && *env ? env : PARAMS[i].defval;
        if (v && !set_value(cfg, &PARAMS[i], v, env && *env ? PARAMS[i].env : "default", msg, msglen))
            return false;
    }
    /* PROBITY_GRPC_ADDR set but empty turns gRPC off, where an empty
     * variable otherwise means "the default"; a --grpc-addr flag still wins. */
    const char *grpc_env = getenv("PROBITY_GRPC_ADDR");
    if (grpc_env && !*grpc_env) {
        free(cfg->grpc_addr);
        cfg->grpc_addr = strdup("off");
    }
    for (int a = first; a < argc; a++) {
        const char *arg = argv[a];
        const char *eq = strchr(arg, '=');
        size_t nl = eq ? (size_t)(eq - arg) : strlen(arg);
        const param_t *p = NULL;
        for (size_t i = 0; i < NPARAMS && !p; i++)
            if (strlen(PARAMS[i].flag) == nl && strncmp(PARAMS[i].flag, arg, nl) == 0)
                p = &PARAMS[i];
        if (!p) {
            snprintf(msg, msglen, "unknown flag '%s' (see probityd --help)", arg);
            return false;
        }
        const char *v = eq ? eq + 1 : NULL;
        if (!v && p->type != P_FLAG) {
            if (a + 1 >= argc) {
                snprintf(msg, msglen, "%s needs a value", p->flag);
                return false;
            }
            v = argv[++a];
        }
        if (!set_value(cfg, p, v, p->flag, msg, msglen))
            return false;
    }
    if (!cfg->database_url || !*cfg->database_url) {
        snprintf(msg, msglen, "PROBITY_DATABASE_URL (or --database-url) is required");
        return false;
    }
    /* Reads from concurrent requests share a pipeline per worker, so a few
     * busy workers beat many idle ones; one per CPU measured best here. */
    if (cfg->pool_size == 0) { /* not configured */
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->pool_size = cpus < 2 ? 2 : cpus > 64 ? 64 : (int)cpus;
    }
    cfg->http.http_addr = cfg->http_addr;
    cfg->http.docs_dir = cfg->docs_dir;
    cfg->http.body_limit = (size_t)cfg->body_limit;
    cfg->http.head_limit = (size_t)cfg->head_limit;
    bool grpc_off = !cfg->grpc_addr || !*cfg->grpc_addr || strcmp(cfg->grpc_addr, "off") == 0;
    cfg->grpc.addr = grpc_off ? NULL : cfg->grpc_addr;
    cfg->grpc.tls_cert_file = cfg->grpc_tls_cert && *cfg->grpc_tls_cert ? cfg->grpc_tls_cert : NULL;
    cfg->grpc.tls_key_file = cfg->grpc_tls_key && *cfg->grpc_tls_key ? cfg->grpc_tls_key : NULL;
    cfg->grpc.max_message = (size_t)cfg->grpc_max_message;
    cfg->grpc.max_streams = (uint32_t)cfg->grpc_max_streams;
    cfg->grpc.max_connections = cfg->http.max_connections;
    cfg->grpc.shutdown_timeout_s = cfg->http.shutdown_timeout_s;
    if (!cfg->instance) {
        char host[200] = "probityd";
        gethostname(host, sizeof host - 1);
        if (asprintf(&cfg->instance, "%s:%ld", host, (long)getpid()) < 0)
            abort();
    }
    cfg->sender.conninfo = cfg->database_url;
    cfg->sender.smtp.url = cfg->smtp_url;
    cfg->sender.smtp.username = cfg->smtp_user;
    cfg->sender.smtp.password = cfg->smtp_password;
    cfg->sender.smtp.ca_file = cfg->smtp_ca_file;
    cfg->sender.smtp.timeout_s = 30;
    cfg->sender.from = cfg->mail_from;
    cfg->sender.tick_ms = cfg->sched.tick_ms;
    cfg->sender.batch = 20;
    cfg->sender.lease_s = 120;
    cfg->sched.conninfo = cfg->database_url;
    cfg->sched.owner = cfg->instance;
    cfg->sched.mail_from_domain = cfg->mail_domain;
    cfg->auth = (auth_config_t){cfg->jwt_jwks_file, cfg->jwt_hs256_secret, cfg->jwt_issuer,
                                cfg->jwt_audience, cfg->jwt_role_claim, cfg->jwt_org_claim,
                                cfg->jwt_leeway_s, cfg->rate_limits};
    return true;
}

void config_free(config_t *cfg)
{
    free(cfg->database_url);
    free(cfg->http_addr);
    free(cfg->grpc_addr);
    free(cfg->grpc_tls_cert);
    free(cfg->grpc_tls_key);
    free(cfg->docs_dir);
    free(cfg->cors_origins);
    free(cfg->migrate_database_url);
    free(cfg->jwt_jwks_file);
    free(cfg->jwt_hs256_secret);
    free(cfg->jwt_issuer);
    free(cfg->jwt_audience);
    free(cfg->jwt_role_claim);
    free(cfg->jwt_org_claim);
    free(cfg->rate_limits);
    free(cfg->metrics_token);
    free(cfg->env);
    free(cfg->clock);
    free(cfg->clock_anchor);
    free(cfg->reminder_days);
    free(cfg->inventory_at);
    free(cfg->year_report_at);
    free(cfg->instance);
    free(cfg->mail_domain);
    free(cfg->smtp_url);
    free(cfg->smtp_user);
    free(cfg->smtp_password);
    free(cfg->smtp_ca_file);
    free(cfg->mail_from);
}

void config_usage(void)
{
    printf("probityd — Probity API server\n\n"
           "Usage:\n"
           "  probityd serve [options]    migrate (unless --no-migrate) and serve HTTP and gRPC\n"
           "  probityd migrate [options]  apply database migrations and exit\n"
           "  probityd keys create --name N --role R (--org ID | --global) [--expires T]\n"
           "                              make an API key and print its token once\n"
           "  probityd keys list          list API keys (never their secrets)\n"
           "  probityd keys revoke ID     revoke an API key at once\n"
           "  probityd jobs run [KIND --period P [--org ID]]\n"
           "                              plan a period of a job now (idempotent), then run\n"
           "                              every ready run, once, and exit\n"
           "  probityd registry           print the entity registry as JSON\n"
           "  probityd version            print the version\n"
           "  probityd --help             this text\n\n"
           "Options (each also read from its environment variable; flags win):\n");
    for (size_t i = 0; i < NPARAMS; i++)
        printf("  %-24s %-30s %s%s%s%s\n", PARAMS[i].flag, PARAMS[i].env, PARAMS[i].help,
               PARAMS[i].defval ? " [" : "", PARAMS[i].defval ? PARAMS[i].defval : "",
               PARAMS[i].defval ? "]" : "");
}
