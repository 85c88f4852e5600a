/* Delivering the outbox. */
#include "sender.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../storage/log.h"
#include "../storage/outbox_store.h"
#include "clock.h"
#include "mailmsg.h"
#include "ticker.h"

/* The bare address of "Name <addr>" (or addr), for the envelope. */
static void envelope(const char *from, char out[256])
{
    const char *lt = strrchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt && gt - lt - 1 < 255)
        snprintf(out, 256, "%.*s", (int)(gt - lt - 1), lt + 1);
    else
        snprintf(out, 256, "%s", from);
}

static void deliver(const sender_config_t *cfg, db_t *db, PGresult *res, int row, app_error_t *err)
{
    const char *id = PQgetvalue(res, row, 0), *to = PQgetvalue(res, row, 1);
    mail_t m = {cfg->from, to, PQgetvalue(res, row, 2), PQgetvalue(res, row, 3),
                PQgetisnull(res, row, 4) ? NULL : PQgetvalue(res, row, 4), PQgetvalue(res, row, 5),
                atoll(PQgetvalue(res, row, 6))};
    int attempts = atoi(PQgetvalue(res, row, 7));
    char why[256] = "", reply[512] = "", from[256];
    envelope(cfg->from, from);
    char *msg = mailmsg_build(&m, why, sizeof why);
    smtp_outcome_t o = SMTP_FAILED;
    if (msg) {
        o = smtp_send(&cfg->smtp, from, to, msg, strlen(msg), reply, sizeof reply);
        free(msg);
    } else {
        snprintf(reply, sizeof reply, "not sent: %s", why);
    }
    char now[32], retry[32];
    int64_t now_us = clock_now_us();
    clock_format(now_us, now);
    const char *status = o == SMTP_SENT ? "sent" : o == SMTP_FAILED ? "failed" : "pending";
    if (o != SMTP_SENT && o != SMTP_FAILED && attempts >= cfg->max_attempts)
        status = "failed";
    int shift = attempts - 1 < 20 ? attempts - 1 : 20;
    clock_format(now_us + (int64_t)cfg->backoff_s * 1000000 * ((int64_t)1 << shift), retry);
    outbox_record(db, id, status, reply, now, strcmp(status, "pending") == 0 ? retry : NULL, err);
    if (o != SMTP_SENT) {
        char line[700];
        snprintf(line, sizeof line, "notification %s to %s: %s (%s), now %s", id, to,
                 smtp_outcome_name(o), reply, status);
        log_event("warn", "mail_not_sent", line);
    }
}

int sender_drain(const sender_config_t *cfg, db_t *db, app_error_t *err)
{
    char now[32];
    clock_format(clock_now_us(), now);
    if (!db_ensure(db, err))
        return -1;
    PGresult *res = outbox_claim(db, now, cfg->batch, cfg->lease_s, err);
    if (!res)
        return -1;
    int n = PQntuples(res);
    for (int i = 0; i < n; i++)
        deliver(cfg, db, res, i, err);
    PQclear(res);
    return n;
}

struct sender {
    sender_config_t cfg;
    ticker_t *ticker;
};

static bool sender_step(void *arg, db_t *db)
{
    sender_t *s = arg;
    app_error_t err;
    err_clear(&err);
    return sender_drain(&s->cfg, db, &err) > 0;
}

sender_t *sender_start(const sender_config_t *cfg)
{
    sender_t *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->cfg = *cfg;
    s->ticker = ticker_start(s->cfg.conninfo, s->cfg.tick_ms, sender_step, s);
    return s;
}

void sender_stop(sender_t *s)
{
    if (!s)
        return;
    ticker_stop(s->ticker);
    free(s);
}
