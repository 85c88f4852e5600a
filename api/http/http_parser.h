/* HTTP/1.1 request-head parser (RFC 9112): request line and header fields
 * from one contiguous buffer. Pure and allocation-free, so it can be fuzzed
 * on its own. */
#ifndef PROBITY_HTTP_PARSER_H
#define PROBITY_HTTP_PARSER_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_HEADERS 64

typedef struct {
    const char *name;  /* NUL-terminated, within the parsed buffer */
    const char *value; /* trimmed of surrounding whitespace */
} http_header_t;

typedef struct {
    const char *method;
    const char *target; /* origin-form: path with optional ?query */
    int minor_version;  /* HTTP/1.x */
    http_header_t headers[HTTP_MAX_HEADERS];
    size_t nheaders;
} http_head_t;

typedef enum {
    HP_OK,
    HP_BAD_REQUEST,   /* malformed request line or field */
    HP_BAD_VERSION,   /* not HTTP/1.0 or HTTP/1.1 */
    HP_TOO_MANY,      /* more than HTTP_MAX_HEADERS fields */
} http_parse_result_t;

/* Parses buf[0..len) — the head including its final CRLF CRLF — in place:
 * delimiters are overwritten with NULs and *out points into buf. */
http_parse_result_t http_parse_head(char *buf, size_t len, http_head_t *out);

/* The parser's rules, for a head built rather than parsed (api/http/internal.c):
 * a token (a method, a field name; not empty), an origin-form target, a
 * field value as it stands once trimmed (no control but HTAB, no DEL). */
bool http_token_ok(const char *s);
bool http_target_ok(const char *s);
bool http_field_value_ok(const char *s);

/* Case-insensitive lookup; NULL when absent. */
const char *http_head_get(const http_head_t *h, const char *name);
/* Counts the fields called name. */
size_t http_head_count(const http_head_t *h, const char *name);

#endif
