/* The keys command: the same service functions as /v1/api-keys, run as the
 * principal "cli" (a global admin: whoever can run probityd with the
 * database's credentials already has the data). */
#include "keys_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../domain/textcheck.h"
#include "../domain/validate.h"
#include "../storage/key_store.h"
#include "auth/apikey.h"

static int usage(const char *why)
{
    fprintf(stderr,
            "probityd: error: %s\n"
            "usage: probityd keys create --name N --role R (--org ID | --global) [--expires T]\n"
            "       probityd keys list\n"
            "       probityd keys revoke ID\n",
            why);
    return 2;
}

static void print_errors(const app_error_t *err)
{
    fprintf(stderr, "probityd: error: %s\n", err->detail[0] ? err->detail : err_info(err->kind)->title);
    for (size_t i = 0; i < err->nfields; i++)
        fprintf(stderr, "  %s: %s\n", err->fields[i].field, err->fields[i].message);
}

/* --expires takes a date (the key dies at its start, UTC) or a timestamp. */
static json_t *expiry(const char *v)
{
    int32_t d;
    if (text_parse_date(v, &d)) {
        char ts[32];
        snprintf(ts, sizeof ts, "%sT00:00:00Z", v);
        return json_string(ts);
    }
    return json_string(v);
}

static int create(db_t *db, const write_ctx_t *ctx, int argc, char **argv, int i)
{
    json_t *doc = json_object();
    bool global = false, org = false;
    for (; i < argc; i++) {
        const char *f = argv[i];
        if (strcmp(f, "--global") == 0) {
            global = true;
            continue;
        }
        if (i + 1 >= argc) {
            json_decref(doc);
            return usage("a flag needs a value");
        }
        const char *v = argv[++i];
        if (strcmp(f, "--name") == 0)
            json_object_set_new(doc, "name", json_string(v));
        else if (strcmp(f, "--role") == 0)
            json_object_set_new(doc, "role", json_string(v));
        else if (strcmp(f, "--org") == 0 && (org = true))
            json_object_set_new(doc, "organization_id", json_string(v));
        else if (strcmp(f, "--expires") == 0)
            json_object_set_new(doc, "expires_at", expiry(v));
        else {
            json_decref(doc);
            return usage("unknown flag");
        }
    }
    /* Scope is never implied: a key for the whole tree is asked for by name. */
    if (global == org) {
        json_decref(doc);
        return usage("give exactly one of --org ID and --global");
    }
    app_error_t err;
    err_clear(&err);
    char prefix[APIKEY_PREFIX_LEN + 1], token[APIKEY_TOKEN_LEN + 1];
    unsigned char hash[32];
    store_result_t out = {0};
    bool ok = validate_create(registry_find("api-keys"), doc, &err) && db_ensure(db, &err);
    if (ok && !apikey_generate(prefix, token, hash)) {
        err_set(&err, ERR_INTERNAL, "no random bytes for a new key");
        ok = false;
    }
    ok = ok && key_store_create(db, ctx, doc, prefix, hash, &out, &err);
    json_decref(doc);
    if (!ok) {
        print_errors(&err);
        return 1;
    }
    fprintf(stderr, "created API key %s: %s\n(the token below is shown only this once)\n", out.id,
            out.json);
    printf("%s\n", token);
    OPENSSL_cleanse(token, sizeof token);
    free(out.json);
    return 0;
}

static int list(db_t *db)
{
    app_error_t err;
    err_clear(&err);
    PGresult *res = db_ensure(db, &err)
                        ? db_exec(db,
                                  "SELECT id, prefix, role, coalesce(organization_id::text, 'global'),"
                                  " CASE WHEN revoked_at IS NOT NULL THEN 'revoked'"
                                  " WHEN expires_at <= now() THEN 'expired' ELSE 'live' END,"
                                  " coalesce(to_char(last_used_at AT TIME ZONE 'UTC',"
                                  " 'YYYY-MM-DD\"T\"HH24:MI\"Z\"'), '-'), name"
                                  " FROM api_keys ORDER BY created_at, id",
                                  0, NULL, &err)
                        : NULL;
    if (!res) {
        print_errors(&err);
        return 1;
    }
    printf("%-36s  %-12s  %-11s  %-36s  %-7s  %-17s  %s\n", "id", "prefix", "role", "organization",
           "state", "last used", "name");
    for (int i = 0; i < PQntuples(res); i++)
        printf("%-36s  %-12s  %-11s  %-36s  %-7s  %-17s  %s\n", PQgetvalue(res, i, 0),
               PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
               PQgetvalue(res, i, 4), PQgetvalue(res, i, 5), PQgetvalue(res, i, 6));
    PQclear(res);
    return 0;
}

static int revoke(db_t *db, const write_ctx_t *ctx, const char *arg)
{
    char id[37];
    if (!text_uuid_normalize(arg, id))
        return usage("revoke takes the key's id (a UUID; see probityd keys list)");
    app_error_t err;
    err_clear(&err);
    if (!db_ensure(db, &err) || !key_store_revoke(db, ctx, id, (if_match_t){MATCH_NONE, 0}, &err)) {
        print_errors(&err);
        return 1;
    }
    fprintf(stderr, "revoked API key %s\n", id);
    return 0;
}

int keys_cli(const config_t *cfg, int argc, char **argv, int first)
{
    if (first >= argc)
        return usage("keys needs a subcommand");
    const char *sub = argv[first];
    principal_t cli = {.role = ROLE_ADMIN, .global = true, .actor = "cli"};
    write_ctx_t ctx = {.who = &cli, .request_id = "cli"}; /* now_us 0: real time */
    db_t db = {.conninfo = cfg->database_url, .statement_timeout_ms = 0};
    int rc;
    if (strcmp(sub, "create") == 0)
        rc = create(&db, &ctx, argc, argv, first + 1);
    else if (strcmp(sub, "list") == 0 && first + 1 == argc)
        rc = list(&db);
    else if (strcmp(sub, "revoke") == 0 && first + 2 == argc)
        rc = revoke(&db, &ctx, argv[first + 1]);
    else
        rc = usage("unknown keys subcommand or arguments");
    db_close(&db);
    return rc;
}
