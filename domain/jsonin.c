/* Request body decoding. One pass over the bytes bounds nesting depth and
 * replaces each invalid UTF-8 byte with U+FFFF, a noncharacter no valid
 * request needs; Jansson then parses with duplicate keys rejected and NUL
 * allowed, so both reach validation with the field they sit in. */
#include "jsonin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textcheck.h"

static const unsigned char BAD_UTF8_MARK[3] = {0xef, 0xbf, 0xbf};

/* Returns a malloc'd copy with invalid bytes replaced, or NULL when the input
 * is clean (and sets *depth_ok). */
static char *sanitize(const char *body, size_t len, size_t *out_len, bool *depth_ok)
{
    int depth = 0;
    bool in_string = false, escaped = false;
    char *copy = NULL;
    size_t ci = 0;
    *depth_ok = true;

    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)body[i];
        size_t seq = c < 0x80 ? 1 : text_utf8_seq((const unsigned char *)body + i, len - i);
        if (seq == 0) {
            if (!copy) {
                copy = malloc(len * 3 + 1);
                if (!copy)
                    abort(); /* out of memory is fatal, see README */
                memcpy(copy, body, i);
                ci = i;
            }
            memcpy(copy + ci, BAD_UTF8_MARK, 3);
            ci += 3;
            i++;
            continue;
        }
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > JSONIN_MAX_DEPTH)
                *depth_ok = false;
        } else if (c == '}' || c == ']') {
            depth--;
        }
        if (copy)
            memcpy(copy + ci, body + i, seq);
        ci += seq;
        i += seq;
    }
    *out_len = ci;
    return copy;
}

/* Jansson reports a duplicate key as "duplicate object key near '\"k\"'",
 * with k as written (escapes and all); decode it for the field name, or
 * leave it empty. */
static void duplicate_key_name(const char *text, char *out, size_t n)
{
    out[0] = '\0';
    const char *p = strstr(text, "near '");
    if (!p)
        return;
    p += 6;
    const char *end = strrchr(p, '\'');
    if (!end || end <= p)
        return;
    json_t *k = json_loadb(p, (size_t)(end - p), JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (json_is_string(k))
        snprintf(out, n, "%s", json_string_value(k));
    json_decref(k);
}

json_t *jsonin_parse_object(const char *body, size_t len, app_error_t *err)
{
    size_t clean_len = len;
    bool depth_ok;
    char *clean = sanitize(body, len, &clean_len, &depth_ok);
    if (!depth_ok) {
        free(clean);
        err_set(err, ERR_MALFORMED, "JSON nesting is deeper than %d levels.", JSONIN_MAX_DEPTH);
        return NULL;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(clean ? clean : body, clean_len,
                             JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    free(clean);
    if (!doc) {
        if (json_error_code(&jerr) == json_error_duplicate_key) {
            char key[96];
            duplicate_key_name(jerr.text, key, sizeof key);
            err_field(err, key, "duplicate_key", "The member \"%s\" appears more than once.", key);
        } else if (len == 0) {
            err_set(err, ERR_MALFORMED, "The request body is empty; a JSON object is expected.");
        } else {
            err_set(err, ERR_MALFORMED, "Malformed JSON at line %d, column %d: %s.", jerr.line,
                    jerr.column, jerr.text);
        }
        return NULL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        err_set(err, ERR_MALFORMED, "The request body must be a JSON object.");
        return NULL;
    }
    return doc;
}

bool jsonin_has_bad_utf8(const char *s, size_t n)
{
    for (size_t i = 0; i + 3 <= n; i++)
        if (memcmp(s + i, BAD_UTF8_MARK, 3) == 0)
            return true;
    return false;
}
