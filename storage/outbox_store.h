/* The mail outbox's delivery side: claiming rows to send under a lease
 * (status 'sending' until next_attempt_at, after which another instance
 * may take a row whose sender died), and recording each outcome. */
#ifndef PROBITY_OUTBOX_STORE_H
#define PROBITY_OUTBOX_STORE_H

#include <stdbool.h>

#include "db.h"

/* Rows: id, recipient, subject, body_text, body_html (NULL), message_id,
 * created_at as Unix seconds (the Date: header), attempts. NULL on error. */
PGresult *outbox_claim(db_t *db, const char *now, int max, int lease_s, app_error_t *err);
/* status: sent, pending (retry at retry_at) or failed. Only a row still
 * 'sending' is updated. */
bool outbox_record(db_t *db, const char *id, const char *status, const char *reply,
                   const char *now, const char *retry_at, app_error_t *err);
/* POST /v1/notifications/{id}/resend: back to pending now, whatever its
 * state; false with ERR_NOT_FOUND when there is no such row in the subtree
 * of scope (NULL: any). */
bool outbox_resend(db_t *db, const char *id, const char *scope, const char *now,
                   app_error_t *err);

#endif
