/* Lexical checks on untrusted text: UUIDs, dates, timestamps, e-mail,
 * identifiers, UTF-8. Pure functions over bytes; no allocation. */
#ifndef PROBITY_TEXTCHECK_H
#define PROBITY_TEXTCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Accepts the canonical 8-4-4-4-12 hex form in either case. */
bool text_is_uuid(const char *s);
/* Copies a valid UUID into out (37 bytes) in lowercase. */
bool text_uuid_normalize(const char *s, char out[37]);
/* A real calendar date YYYY-MM-DD with year 1..9999; *days = days since 1970-01-01. */
bool text_parse_date(const char *s, int32_t *days);
void text_format_date(int32_t days, char out[11]);
/* RFC 3339 date-time with 'Z' or a numeric offset. */
bool text_is_timestamp(const char *s);
bool text_is_email(const char *s);
/* Letters, digits, '-', '_', '.'. */
bool text_is_code(const char *s);
/* A request id a client may choose (X-Request-Id, x-request-id metadata):
 * 1-128 of letters, digits, '.', '_', ':' and '-', so that it can be
 * logged and echoed as it is. */
bool text_is_request_id(const char *s);
bool text_is_upper(const char *s);
/* A zone name that exists in the system's zone database. */
bool text_is_timezone(const char *s);
/* A non-negative decimal amount: 1–15 digits without a leading zero (or a
 * single 0), optionally '.' and 1–2 digits. Money never travels as a float. */
bool text_is_money(const char *s);

/* n bytes as 2n lowercase hex digits and a NUL (out holds 2n + 1). */
void text_hex(const unsigned char *b, size_t n, char *out);
/* s (or "" for NULL) into out[outlen], cut to fit; what snprintf "%s" did,
 * without parsing a format on the request path. */
void text_copy(char *out, size_t outlen, const char *s);

/* Number of code points in valid UTF-8. */
size_t text_utf8_len(const char *s, size_t n);
/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
size_t text_utf8_seq(const unsigned char *s, size_t n);

/* Days-from-civil and back (proleptic Gregorian). */
int32_t date_from_ymd(int y, unsigned m, unsigned d);
void date_to_ymd(int32_t days, int *y, unsigned *m, unsigned *d);
/* ISO weekday, 1 = Monday … 7 = Sunday. */
unsigned date_iso_weekday(int32_t days);

#endif
