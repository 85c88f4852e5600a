/* Builds the RFC 5322 / MIME messages of the mail outbox (see mailmsg.h).
 * Headers: RFC 2047 encoded-words for anything that is not plain ASCII.
 * Bodies: canonical CRLF text in base64, one or two parts. */
#include "mailmsg.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/strbuf.h"
#include "domain/textcheck.h"

/* RFC 2047 §2: a header line that holds encoded-words is at most 76 chars,
 * and one encoded-word at most 75. We keep every header line within 76. */
#define HDR_LINE_MAX 76
#define EW_PREFIX "=?UTF-8?B?"
#define EW_OVERHEAD 12 /* EW_PREFIX and "?=" */
/* A plain word longer than this goes encoded, so the first line
 * ("Subject: " + word) still fits in HDR_LINE_MAX. */
#define PLAIN_WORD_MAX 60
#define ADDR_MAX 254            /* RFC 5321 §4.5.3.1.3, the path less its brackets */
#define B64_LINE_BYTES 57       /* 76 base64 characters */
#define DATE_MAX 253402300799LL /* 9999-12-31T23:59:59Z: four-digit years only */

typedef struct {
    const char *name; /* display name, not NUL-terminated; name_len 0 when absent */
    size_t name_len;
    const char *addr; /* local@domain, not NUL-terminated */
    size_t addr_len;
} mailbox_t;

/* A header field being written: tracks the column so tokens fold before
 * HDR_LINE_MAX. Folding is CRLF + space before a token, which unfolds to the
 * single space that separates the tokens anyway. */
typedef struct {
    strbuf_t *b;
    size_t col;
    size_t tokens;
} hdr_t;

static bool mailmsg_fail(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool mailmsg_fail(char *why, size_t whylen, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* ---- Checks -------------------------------------------------------------- */

static bool mailmsg_utf8_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t l = text_utf8_seq((const unsigned char *)s + i, n - i);
        if (l == 0)
            return false;
        i += l;
    }
    return true;
}

/* Header fields carry no control characters at all: a CR or LF would start a
 * header of the caller's choosing (or the body), and no legitimate subject or
 * name holds a tab or an escape either. */
static bool mailmsg_check_field(const char *field, const char *s, char *why, size_t whylen)
{
    if (!s)
        return mailmsg_fail(why, whylen, "%s is missing", field);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\r' || *p == '\n')
            return mailmsg_fail(why, whylen, "CR/LF in %s (header injection)", field);
        if (*p < 0x20 || *p == 0x7f)
            return mailmsg_fail(why, whylen, "control character in %s", field);
    }
    if (!mailmsg_utf8_ok(s, strlen(s)))
        return mailmsg_fail(why, whylen, "invalid UTF-8 in %s", field);
    return true;
}

static bool mailmsg_body_ok(const char *field, const char *s, char *why, size_t whylen)
{
    if (!s)
        return mailmsg_fail(why, whylen, "%s is missing", field);
    if (!mailmsg_utf8_ok(s, strlen(s)))
        return mailmsg_fail(why, whylen, "invalid UTF-8 in %s", field);
    return true;
}

/* RFC 5322 atext: what may stand unquoted in a local part or a phrase. */
static bool mailmsg_is_atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* Only dot-atoms of ASCII: no quoted local parts, no domain literals, no
 * SMTPUTF8. International domains arrive here already in punycode. */
static bool mailmsg_addr_ok(const char *a, size_t n)
{
    if (n == 0 || n > ADDR_MAX)
        return false;
    size_t at = n;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c == '@') {
            if (at != n)
                return false;
            at = i;
        } else if (c != '.' && !mailmsg_is_atext(c)) {
            return false;
        }
    }
    return at > 0 && at < n - 1;
}

/* "Name <addr>", "\"Name\" <addr>", "<addr>" or "addr". The name is raw text
 * (not an RFC 5322 phrase): it is encoded as needed when written. */
static bool mailbox_parse(const char *field, const char *s, mailbox_t *mb, char *why, size_t whylen)
{
    size_t n = strlen(s);
    const char *lt = strrchr(s, '<');
    *mb = (mailbox_t){.name = s, .addr = s, .addr_len = n};
    if (lt && n > 0 && s[n - 1] == '>') {
        mb->addr = lt + 1;
        mb->addr_len = (size_t)(s + n - 1 - mb->addr);
        mb->name_len = (size_t)(lt - s);
        while (mb->name_len > 0 && s[mb->name_len - 1] == ' ')
            mb->name_len--;
        if (mb->name_len >= 2 && s[0] == '"' && s[mb->name_len - 1] == '"') {
            mb->name = s + 1;
            mb->name_len -= 2;
        }
    }
    if (!mailmsg_addr_ok(mb->addr, mb->addr_len))
        return mailmsg_fail(why, whylen, "%s is not a plain ASCII local@domain address", field);
    return true;
}

/* The id-left "@" id-right of RFC 5322 §3.6.4 in its dot-atom form: the same
 * shape as an address, which is what the outbox makes ("uuid@host"). */
static bool mailmsg_msgid_ok(const char *id, char *why, size_t whylen)
{
    if (!mailmsg_addr_ok(id, strlen(id)))
        return mailmsg_fail(why, whylen,
                            "message_id is not an ASCII dot-atom local@domain "
                            "of at most %d chars (no angle brackets)",
                            ADDR_MAX);
    return true;
}

/* ---- Base64 -------------------------------------------------------------- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Writes 4 * ceil(n / 3) characters and a NUL to out; returns their count. */
static size_t mailmsg_b64(const unsigned char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = B64[v >> 18 & 63];
        out[o++] = B64[v >> 12 & 63];
        out[o++] = i + 1 < n ? B64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? B64[v & 63] : '=';
    }
    out[o] = '\0';
    return o;
}

/* ---- Header fields ------------------------------------------------------- */

static void hdr_begin(hdr_t *h, strbuf_t *b, const char *name)
{
    *h = (hdr_t){.b = b, .col = strlen(name) + 1};
    strbuf_printf(b, "%s:", name);
}

/* Never folds before the first token, so no line holds a field name alone. */
static void hdr_token(hdr_t *h, const char *tok, size_t n)
{
    if (h->tokens > 0 && h->col + 1 + n > HDR_LINE_MAX) {
        strbuf_printf(h->b, "\r\n");
        h->col = 0;
    }
    strbuf_printf(h->b, " %.*s", (int)n, tok);
    h->col += 1 + n;
    h->tokens++;
}

static void hdr_end(hdr_t *h)
{
    strbuf_printf(h->b, "\r\n");
}

/* The UTF-8 bytes one encoded-word can carry in what is left of the line. */
static size_t hdr_ew_budget(const hdr_t *h)
{
    size_t used = h->col + 1;
    if (used + EW_OVERHEAD + 8 > HDR_LINE_MAX)
        return 0;
    return (HDR_LINE_MAX - used - EW_OVERHEAD) / 4 * 3;
}

/* The longest prefix of s within budget that ends on a character boundary:
 * RFC 2047 §5 wants every encoded-word to hold whole characters. */
static size_t hdr_ew_prefix(const char *s, size_t n, size_t budget)
{
    size_t take = 0;
    while (take < n) {
        size_t l = text_utf8_seq((const unsigned char *)s + take, n - take);
        if (l == 0)
            abort(); /* mailmsg_check let invalid UTF-8 through */
        if (take + l > budget)
            break;
        take += l;
    }
    return take;
}

/* s as a run of encoded-words; whitespace between adjacent encoded-words is
 * dropped on decoding (RFC 2047 §6.2), so splitting and folding lose nothing. */
static void hdr_encoded(hdr_t *h, const char *s, size_t n)
{
    while (n > 0) {
        size_t take = hdr_ew_prefix(s, n, hdr_ew_budget(h));
        if (take == 0) {
            /* A fresh line takes 45 bytes, always at least one character. */
            strbuf_printf(h->b, "\r\n");
            h->col = 0;
            continue;
        }
        char word[HDR_LINE_MAX + 1];
        memcpy(word, EW_PREFIX, sizeof EW_PREFIX - 1);
        size_t len = sizeof EW_PREFIX - 1;
        len += mailmsg_b64((const unsigned char *)s, take, word + len);
        memcpy(word + len, "?=", 3);
        hdr_token(h, word, len + 2);
        s += take;
        n -= take;
    }
}

/* Plain text goes out as it is only when that is unambiguous after folding:
 * printable ASCII words separated by single spaces, none so long that its line
 * would overflow, and no "=?" a reader could take for an encoded-word. A
 * phrase (display name) must moreover be atoms only, so it needs no quoting. */
static bool hdr_is_plain(const char *s, size_t n, bool phrase)
{
    size_t word = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ') {
            if (word == 0)
                return false;
            word = 0;
            continue;
        }
        if (c < 0x21 || c > 0x7e || (phrase && !mailmsg_is_atext(c)))
            return false;
        if (c == '=' && i + 1 < n && s[i + 1] == '?')
            return false;
        if (++word > PLAIN_WORD_MAX)
            return false;
    }
    return n == 0 || word > 0;
}

static void hdr_plain(hdr_t *h, const char *s, size_t n)
{
    while (n > 0) {
        const char *sp = memchr(s, ' ', n);
        size_t w = sp ? (size_t)(sp - s) : n;
        hdr_token(h, s, w);
        s += w;
        n -= w;
        if (n > 0) {
            s++;
            n--;
        }
    }
}

static void hdr_text(hdr_t *h, const char *s, size_t n, bool phrase)
{
    if (hdr_is_plain(s, n, phrase))
        hdr_plain(h, s, n);
    else
        hdr_encoded(h, s, n);
}

static void hdr_mailbox(strbuf_t *b, const char *name, const mailbox_t *mb)
{
    hdr_t h;
    hdr_begin(&h, b, name);
    hdr_text(&h, mb->name, mb->name_len, true);
    char addr[ADDR_MAX + 3];
    const char *fmt = mb->name_len ? "<%.*s>" : "%.*s";
    int n = snprintf(addr, sizeof addr, fmt, (int)mb->addr_len, mb->addr);
    hdr_token(&h, addr, (size_t)n);
    hdr_end(&h);
}

static void hdr_subject(strbuf_t *b, const char *subject)
{
    hdr_t h;
    hdr_begin(&h, b, "Subject");
    hdr_text(&h, subject, strlen(subject), false);
    hdr_end(&h);
}

/* strftime's names follow the locale; RFC 5322's are English, always. */
static bool hdr_date(strbuf_t *b, long long t)
{
    static const char *const DAYS[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;
    if (t < 0 || t > DATE_MAX || !gmtime_r(&tt, &tm))
        return false;
    strbuf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", DAYS[tm.tm_wday],
                  tm.tm_mday, MONTHS[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return true;
}

/* ---- Bodies -------------------------------------------------------------- */

/* RFC 2046 §4.1.1: text is encoded in canonical form, every line break CRLF.
 * A bare LF or a bare CR in the input becomes CRLF. */
static void mailmsg_canon(strbuf_t *out, const char *s)
{
    strbuf_printf(out, "%s", "");
    for (const char *p = s; *p;) {
        size_t run = strcspn(p, "\r\n");
        strbuf_printf(out, "%.*s", (int)run, p);
        p += run;
        if (!*p)
            break;
        strbuf_printf(out, "\r\n");
        p += (p[0] == '\r' && p[1] == '\n') ? 2 : 1;
    }
}

/* One body part: its two headers, the blank line, base64 in 76-char lines.
 * It always ends in CRLF, which the next boundary delimiter claims. */
static void mailmsg_part(strbuf_t *out, const char *type, const char *body)
{
    strbuf_t canon = {0};
    mailmsg_canon(&canon, body);
    strbuf_printf(out,
                  "Content-Type: %s; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: base64\r\n\r\n",
                  type);
    char line[B64_LINE_BYTES / 3 * 4 + 1];
    for (size_t i = 0; i < canon.len; i += B64_LINE_BYTES) {
        size_t n = canon.len - i < B64_LINE_BYTES ? canon.len - i : B64_LINE_BYTES;
        mailmsg_b64((const unsigned char *)canon.s + i, n, line);
        strbuf_printf(out, "%s\r\n", line);
    }
    if (canon.len == 0)
        strbuf_printf(out, "\r\n");
    free(canon.s);
}

static uint64_t mailmsg_fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

/* Derived from the Message-ID, so a resend is the same bytes. "_" never occurs
 * in base64, so the first candidate always fits; the check keeps that true
 * whatever the parts ever hold. */
static void mailmsg_boundary(char out[48], const char *message_id, const char *const *parts,
                             size_t nparts)
{
    uint64_t h = mailmsg_fnv1a(message_id);
    for (unsigned attempt = 0;; attempt++) {
        snprintf(out, 48, "=_probity_%016llx_%u", (unsigned long long)h, attempt);
        bool clash = false;
        for (size_t i = 0; i < nparts && !clash; i++)
            clash = strstr(parts[i], out) != NULL;
        if (!clash)
            return;
    }
}

static void mailmsg_multipart(strbuf_t *out, const char *message_id, const char *text,
                              const char *html)
{
    const char *parts[] = {text, html};
    char boundary[48];
    mailmsg_boundary(boundary, message_id, parts, 2);
    strbuf_printf(out,
                  "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n"
                  "--%s\r\n%s--%s\r\n%s--%s--\r\n",
                  boundary, boundary, text, boundary, html, boundary);
}

/* ---- The message --------------------------------------------------------- */

static bool mailmsg_check(const mail_t *m, mailbox_t *from, mailbox_t *to, char *why, size_t whylen)
{
    if (!mailmsg_check_field("from", m->from, why, whylen) ||
        !mailmsg_check_field("to", m->to, why, whylen) ||
        !mailmsg_check_field("subject", m->subject, why, whylen) ||
        !mailmsg_check_field("message_id", m->message_id, why, whylen) ||
        !mailmsg_body_ok("text", m->text, why, whylen) ||
        (m->html && !mailmsg_body_ok("html", m->html, why, whylen)))
        return false;
    if (!mailbox_parse("from", m->from, from, why, whylen) ||
        !mailbox_parse("to", m->to, to, why, whylen) ||
        !mailmsg_msgid_ok(m->message_id, why, whylen))
        return false;
    if (m->date_unix < 0 || m->date_unix > DATE_MAX)
        return mailmsg_fail(why, whylen, "date out of range (1970-9999)");
    return true;
}

char *mailmsg_build(const mail_t *m, char *why, size_t whylen)
{
    mailbox_t from, to;
    if (!mailmsg_check(m, &from, &to, why, whylen))
        return NULL;
    strbuf_t out = {0}, text = {0}, html = {0};
    hdr_date(&out, m->date_unix); /* in range: checked above */
    hdr_mailbox(&out, "From", &from);
    hdr_mailbox(&out, "To", &to);
    hdr_subject(&out, m->subject);
    strbuf_printf(&out, "Message-ID: <%s>\r\nMIME-Version: 1.0\r\n", m->message_id);
    mailmsg_part(&text, "text/plain", m->text);
    if (m->html) {
        mailmsg_part(&html, "text/html", m->html);
        mailmsg_multipart(&out, m->message_id, text.s, html.s);
    } else {
        strbuf_printf(&out, "%s", text.s);
    }
    free(text.s);
    free(html.s);
    return out.s;
}
