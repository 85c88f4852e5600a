/* probityd configuration: one typed table of parameters, each settable by
 * environment variable or flag (flags win), with its default and range. */
#ifndef PROBITY_CONFIG_H
#define PROBITY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/auth.h"
#include "../jobs/scheduler.h"
#include "../jobs/sender.h"
#include "grpc/grpc_server.h"
#include "http/server.h"

typedef struct {
    char *database_url;
    int pool_size;
    int max_waiting;
    int statement_timeout_ms;
    bool no_migrate;
    http_config_t http;
    /* storage for values parsed into http (which borrows) */
    char *http_addr;
    char *docs_dir;
    char *cors_origins;
    long long body_limit;
    long long head_limit;
    grpc_config_t grpc; /* addr NULL: no gRPC server; borrows the strings below */
    char *grpc_addr, *grpc_tls_cert, *grpc_tls_key;
    long long grpc_max_message;
    int grpc_max_streams;
    char *migrate_database_url;
    char *jwt_jwks_file, *jwt_hs256_secret, *jwt_issuer, *jwt_audience;
    char *jwt_role_claim, *jwt_org_claim;
    int jwt_leeway_s;
    char *rate_limits;
    char *metrics_token;
    auth_config_t auth; /* borrows the strings above */
    char *env, *clock, *clock_anchor, *reminder_days, *inventory_at, *year_report_at, *instance,
        *mail_domain;
    bool scheduler;
    sched_config_t sched; /* borrows the strings above */
    char *smtp_url, *smtp_user, *smtp_password, *smtp_ca_file, *mail_from;
    sender_config_t sender; /* borrows the strings above */
} config_t;

/* Fills cfg from the environment, then argv[first..argc). False with a
 * one-line reason in msg on an unknown flag or a bad value. */
bool config_load(config_t *cfg, int argc, char **argv, int first, char *msg, size_t msglen);
void config_free(config_t *cfg);
void config_usage(void);

#endif
