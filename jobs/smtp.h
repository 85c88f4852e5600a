/* Delivers one message to one recipient over SMTP (libcurl) and says what
 * became of it in the terms the mail outbox acts on: sent, retry later, failed
 * for good, or possibly delivered.
 *
 * libcurl must be initialised once per process before the first call, while
 * only one thread runs: curl_global_init(CURL_GLOBAL_DEFAULT) at startup, and
 * curl_global_cleanup() at exit, after the last call. smtp_send itself may run
 * in any number of threads at once: each call has its own easy handle and no
 * shared state (no connection reuse between messages). */
#ifndef PROBITY_SMTP_H
#define PROBITY_SMTP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *url;       /* smtp://host:port or smtps://host:port (implicit TLS) */
    bool require_starttls; /* for smtp://: STARTTLS or nothing, never "try TLS" */
    const char *username;  /* NULL: no AUTH */
    const char *password;
    const char *ca_file; /* NULL: the system store */
    long timeout_s;      /* the whole exchange, connect included; <= 0: 60 */
} smtp_config_t;

typedef enum {
    SMTP_SENT,    /* the server answered 250 to the end of data */
    SMTP_RETRY,   /* not delivered, try later: 4xx, no connection, lost before the
                     end of data, or an operator problem: no STARTTLS though required,
                     untrusted certificate, 530/534/535/538 (auth or TLS demanded) */
    SMTP_FAILED,  /* the server refused this message for good (other 5xx): do not retry */
    SMTP_UNKNOWN, /* lost after the whole message was handed over and before the
                     reply: possibly delivered; retry with the SAME Message-ID */
} smtp_outcome_t;

/* "SENT", "RETRY", "FAILED", "UNKNOWN". */
const char *smtp_outcome_name(smtp_outcome_t o);

/* Sends msg (len bytes, as mailmsg_build made it: CRLF lines, none a lone ".")
 * from the envelope sender `from` to the one recipient `to`, both bare ASCII
 * addresses (an address with a control character, space or angle bracket is
 * refused as SMTP_FAILED before connecting). reply gets the last SMTP reply
 * line, or what went wrong when there is none, as printable ASCII (anything
 * else becomes '?') for the outbox's last_reply column; it is always
 * NUL-terminated when replylen > 0. */
smtp_outcome_t smtp_send(const smtp_config_t *cfg, const char *from, const char *to,
                         const char *msg, size_t len, char *reply, size_t replylen);

#endif
