/* What pbwire.c (the wire bytes) and pbwire_json.c (reading the JSON text)
 * share. Private to them; callers see pbwire.h. */
#ifndef PROBITY_GRPC_PBWIRE_INTERNAL_H
#define PROBITY_GRPC_PBWIRE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deeper nesting is declined (Jansson's own limit is far deeper). */
#define PW_MAX_DEPTH 32

typedef struct {
    const char *p, *end; /* the text not yet read */
    uint8_t *buf;        /* the bytes written */
    size_t len, cap;
    char *tmp; /* a string with escapes, decoded */
    size_t tmpcap;
    int depth; /* containers open */
} pw_t;

typedef struct {
    bool real;
    int64_t i;        /* an integer's value */
    const char *text; /* the token */
    size_t len;
} pw_num_t;

/* Inline: called for nearly every byte that is not in a string. */
static inline void pw_ws(pw_t *w)
{
    while (w->p < w->end && (*w->p == ' ' || *w->p == '\t' || *w->p == '\n' || *w->p == '\r'))
        w->p++;
}

static inline bool pw_at(const pw_t *w, char c)
{
    return w->p < w->end && *w->p == c;
}

/* Each reads at w->p and steps over what it read; false when the text is
 * not what it reads (or is declined: see pbwire.h). */
bool pw_literal(pw_t *w, const char *word);
/* A string: its bytes in *s, *n (the text itself when it has no escape,
 * else w->tmp, good until the next string). Invalid UTF-8, a lone
 * surrogate and \u0000 are refused, as Jansson and pbjson_decode refuse
 * them. */
bool pw_string(pw_t *w, const char **s, size_t *n);
/* A number; an integer must fit int64_t (Jansson refuses a larger one). */
bool pw_number(pw_t *w, pw_num_t *n);
/* A number as Jansson reads it: an integer converted, a real by strtod,
 * refused on overflow. */
bool pw_number_double(pw_t *w, double *out);
/* Checks one value and steps over it. */
bool pw_skip_value(pw_t *w);

/* Containers: pw_open reads the opening bracket (one level deeper) and
 * says whether the container is empty (then it is closed already);
 * pw_next, after an item, reads the comma (true: another item follows) or
 * the closing bracket (false, *ok; false with *ok false on anything
 * else); pw_key reads an object member's key and its colon. */
bool pw_open(pw_t *w, char open, char close, bool *empty);
bool pw_next(pw_t *w, char close, bool *ok);
bool pw_key(pw_t *w, const char **s, size_t *n);
/* The colon after a key, with the whitespace around it. */
bool pw_colon(pw_t *w);

#endif
