/* The outbox sender: a thread that delivers pending notifications over
 * SMTP, at least once, each with the Message-ID fixed in its row. 4xx and
 * unreachable servers retry with exponential backoff; a 5xx fails the row
 * at once; a connection lost after the final dot is retried with the same
 * Message-ID (the receiver can tell a duplicate). */
#ifndef PROBITY_SENDER_H
#define PROBITY_SENDER_H

#include "../storage/db.h"
#include "smtp.h"

typedef struct {
    const char *conninfo;
    smtp_config_t smtp;
    const char *from;   /* "Probity <noreply@probity.example>" */
    int tick_ms;
    int batch;
    int lease_s;        /* a row being sent is not retried before this */
    int max_attempts;
    int backoff_s;      /* first retry after this, doubling */
} sender_config_t;

typedef struct sender sender_t;

sender_t *sender_start(const sender_config_t *cfg);
void sender_stop(sender_t *s);
/* Sends what is ready now, on the calling thread; how many were tried. */
int sender_drain(const sender_config_t *cfg, db_t *db, app_error_t *err);

#endif
