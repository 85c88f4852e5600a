/* The RFC 5322 / MIME message the outbox hands to the SMTP sender. Pure string
 * work: no I/O, no clock, no randomness, so one outbox row always yields the
 * very same bytes and a resend is byte-for-byte the first attempt. */
#ifndef PROBITY_MAILMSG_H
#define PROBITY_MAILMSG_H

#include <stddef.h>

typedef struct {
    const char *from;       /* "Probity <noreply@probity.example>" or a bare address;
                               the display name may be UTF-8 and may stand in double quotes */
    const char *to;         /* one mailbox, same forms as from */
    const char *subject;    /* UTF-8 */
    const char *text;       /* UTF-8 plain-text body; required */
    const char *html;       /* UTF-8 HTML body, or NULL for text only */
    const char *message_id; /* without angle brackets, "local@domain"; stable per outbox row */
    long long date_unix;    /* the Date: header, written in UTC (+0000) */
} mail_t;

/* The whole message (headers with CRLF, blank line, body), malloc'd and
 * NUL-terminated; the caller frees it. Bodies are base64 in lines of 76, so no
 * line exceeds 998 and no line of the body can be a lone "." ending DATA early.
 * Returns NULL, with a one-line reason in why, when the input is refused: a
 * missing field, a CR/LF or other control character in a header field (header
 * injection), invalid UTF-8, an address that is not a plain ASCII local@domain,
 * or a Date out of the years 1970–9999. Out of memory aborts (strbuf). */
char *mailmsg_build(const mail_t *m, char *why, size_t whylen);

#endif
