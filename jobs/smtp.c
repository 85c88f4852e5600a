/* The outbox's SMTP sender: one libcurl easy handle per message, one recipient,
 * and a verdict the outbox can act on (see smtp.h). The delicate case is a
 * connection lost after the final dot: the server may have queued the message,
 * so that is SMTP_UNKNOWN, never SMTP_RETRY. */
#include "smtp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMTP_LINE_MAX 512 /* RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets */
#define SMTP_ADDR_MAX 254
#define SMTP_DEFAULT_TIMEOUT_S 60L
/* The reply to DATA: the server is reading the message. Still the last reply
 * code when the connection dies before the verdict on the data. */
#define SMTP_CODE_START_INPUT 354
#define SMTP_CODE_CLOSING "221"

/* One transfer's state, shared with libcurl's callbacks. */
typedef struct {
    const char *msg;
    size_t len, off;
    /* Every byte of the message is in libcurl's hands; from here on it may send
     * the final dot at any moment, so a lost connection means "possibly sent". */
    bool handed_over;
    char last[SMTP_LINE_MAX + 1]; /* the last reply line from the server, CRLF cut */
} smtp_xfer_t;

static const char *const SMTP_OUTCOME_NAMES[] = {
    [SMTP_SENT] = "SENT",
    [SMTP_RETRY] = "RETRY",
    [SMTP_FAILED] = "FAILED",
    [SMTP_UNKNOWN] = "UNKNOWN",
};

const char *smtp_outcome_name(smtp_outcome_t o)
{
    if ((unsigned)o >= sizeof SMTP_OUTCOME_NAMES / sizeof SMTP_OUTCOME_NAMES[0])
        abort(); /* not an outcome: a caller's memory is corrupt */
    return SMTP_OUTCOME_NAMES[o];
}

/* libcurl dot-stuffs what we hand over and appends the final dot itself. */
static size_t smtp_read(char *buf, size_t size, size_t nitems, void *userdata)
{
    smtp_xfer_t *x = userdata;
    size_t n = x->len - x->off;
    if (n > size * nitems)
        n = size * nitems;
    memcpy(buf, x->msg + x->off, n);
    x->off += n;
    if (x->off == x->len)
        x->handed_over = true;
    return n;
}

/* For SMTP, libcurl passes every server reply line to the header callback.
 * 221 answers the QUIT libcurl sends after a refusal, and would hide it. */
static size_t smtp_header(char *buf, size_t size, size_t nitems, void *userdata)
{
    smtp_xfer_t *x = userdata;
    size_t n = size * nitems;
    if (n >= 3 && memcmp(buf, SMTP_CODE_CLOSING, 3) == 0)
        return n;
    size_t keep = n;
    while (keep > 0 && (buf[keep - 1] == '\n' || buf[keep - 1] == '\r'))
        keep--;
    if (keep > SMTP_LINE_MAX)
        keep = SMTP_LINE_MAX;
    memcpy(x->last, buf, keep);
    x->last[keep] = '\0';
    return n;
}

/* libcurl writes the address into MAIL FROM / RCPT TO as it is: a CR or LF
 * would let the caller add SMTP commands of its own. */
static bool smtp_addr_ok(const char *a)
{
    size_t n = a ? strlen(a) : 0;
    if (n == 0 || n > SMTP_ADDR_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>')
            return false;
    }
    return true;
}

/* Every option that matters for safety is checked: a libcurl that cannot
 * require STARTTLS must not quietly send in clear. */
static CURLcode smtp_setup(CURL *h, const smtp_config_t *cfg, const char *from,
                           struct curl_slist *rcpt, smtp_xfer_t *x, char *errbuf)
{
    long timeout = cfg->timeout_s > 0 ? cfg->timeout_s : SMTP_DEFAULT_TIMEOUT_S;
    CURLcode rc = CURLE_OK;
#define SMTP_SET(opt, val)                                                                         \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(h, opt, val);                                                    \
    } while (0)
    SMTP_SET(CURLOPT_ERRORBUFFER, errbuf);
    SMTP_SET(CURLOPT_URL, cfg->url);
    SMTP_SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    SMTP_SET(CURLOPT_NOSIGNAL, 1L); /* timeouts without SIGALRM: other threads run */
    SMTP_SET(CURLOPT_TIMEOUT, timeout);
    SMTP_SET(CURLOPT_CONNECTTIMEOUT, timeout);
    SMTP_SET(CURLOPT_MAIL_FROM, from);
    SMTP_SET(CURLOPT_MAIL_RCPT, rcpt);
    SMTP_SET(CURLOPT_UPLOAD, 1L);
    SMTP_SET(CURLOPT_READFUNCTION, smtp_read);
    SMTP_SET(CURLOPT_READDATA, x);
    SMTP_SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->len);
    SMTP_SET(CURLOPT_HEADERFUNCTION, smtp_header);
    SMTP_SET(CURLOPT_HEADERDATA, x);
    if (cfg->require_starttls)
        SMTP_SET(CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (cfg->ca_file)
        SMTP_SET(CURLOPT_CAINFO, cfg->ca_file);
    if (cfg->username)
        SMTP_SET(CURLOPT_USERNAME, cfg->username);
    if (cfg->password)
        SMTP_SET(CURLOPT_PASSWORD, cfg->password);
#undef SMTP_SET
    return rc;
}

/* RFC 4954 §6: the session is not allowed to send (530 authentication or
 * STARTTLS required, 534 mechanism too weak, 535 credentials invalid, 538
 * encryption required). Permanent by their first digit, but about the
 * configuration, not the message. */
static const long SMTP_OPERATOR_CODES[] = {530, 534, 535, 538};

static bool smtp_is_operator_code(long code)
{
    for (size_t i = 0; i < sizeof SMTP_OPERATOR_CODES / sizeof SMTP_OPERATOR_CODES[0]; i++) {
        if (SMTP_OPERATOR_CODES[i] == code)
            return true;
    }
    return false;
}

/* What the outbox does next. The server's own code decides when there is one;
 * without one, anything that may have reached the server after the whole
 * message is UNKNOWN and everything else is RETRY. A server refusing our
 * credentials or demanding TLS, like one without the required STARTTLS, is the
 * operator's to fix and fails every message alike: RETRY, so the mail goes
 * once it is fixed, rather than FAILED, which would strand every message sent
 * meanwhile. */
static smtp_outcome_t smtp_classify(CURLcode res, long code, bool handed_over)
{
    if (res == CURLE_OK)
        return SMTP_SENT;
    if (handed_over && code == SMTP_CODE_START_INPUT)
        return SMTP_UNKNOWN;
    if (code >= 500 && code <= 599 && !smtp_is_operator_code(code))
        return SMTP_FAILED;
    return SMTP_RETRY;
}

/* Printable ASCII only: the reply ends up in a text column and in logs. */
static void smtp_copy_printable(char *dst, size_t dstlen, const char *src)
{
    if (dstlen == 0)
        return;
    size_t i = 0;
    for (; src[i] && i + 1 < dstlen; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[i] = '\0';
}

static void smtp_reply_text(char *reply, size_t replylen, smtp_outcome_t o, CURLcode res, long code,
                            const smtp_xfer_t *x, const char *errbuf)
{
    char text[SMTP_LINE_MAX + CURL_ERROR_SIZE + 128];
    const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(res);
    if (o != SMTP_UNKNOWN && x->last[0] && (res == CURLE_OK || code >= 400))
        snprintf(text, sizeof text, "%s", x->last);
    else if (o == SMTP_UNKNOWN)
        snprintf(text, sizeof text, "no reply after the end of data, possibly delivered (%s)",
                 detail);
    else if (res == CURLE_USE_SSL_FAILED)
        snprintf(text, sizeof text, "STARTTLS required but not available, nothing sent (%s)",
                 detail);
    else
        snprintf(text, sizeof text, "%s", detail);
    smtp_copy_printable(reply, replylen, text);
}

smtp_outcome_t smtp_send(const smtp_config_t *cfg, const char *from, const char *to,
                         const char *msg, size_t len, char *reply, size_t replylen)
{
    if (!cfg || !cfg->url || !msg || !smtp_addr_ok(from) || !smtp_addr_ok(to)) {
        smtp_copy_printable(reply, replylen,
                            "refused before sending: no URL or message, or "
                            "an envelope address that is not plain ASCII");
        return SMTP_FAILED;
    }
    smtp_xfer_t x = {.msg = msg, .len = len, .handed_over = len == 0};
    char errbuf[CURL_ERROR_SIZE] = "";
    CURL *h = curl_easy_init();
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    if (!h || !rcpt)
        abort(); /* out of memory (or no curl_global_init): as everywhere in probityd */
    smtp_outcome_t o;
    long code = 0;
    CURLcode res = smtp_setup(h, cfg, from, rcpt, &x, errbuf);
    if (res != CURLE_OK) {
        o = SMTP_RETRY; /* this libcurl cannot do what the configuration asks */
    } else {
        res = curl_easy_perform(h);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        o = smtp_classify(res, code, x.handed_over);
    }
    smtp_reply_text(reply, replylen, o, res, code, &x, errbuf);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    return o;
}
