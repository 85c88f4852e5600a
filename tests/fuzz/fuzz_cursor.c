/* libFuzzer target: list cursors. Any string cursor_decode accepts must
 * decode to a lowercase UUID that cursor_encode turns back into the same
 * string (one cursor per id, so a client cannot mint variants); and any UUID
 * in the input must survive encode then decode. Aborts otherwise. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/cursor.h"
#include "domain/textcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size heap copy, so ASan sees any read past the terminator. */
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';

    char id[37], norm[37], back[CURSOR_LEN + 1];
    if (cursor_decode(s, id)) {
        if (!text_uuid_normalize(id, norm) || strcmp(id, norm) != 0) {
            fprintf(stderr, "cursor %s decoded to \"%.37s\", not a lowercase UUID\n", s, id);
            abort();
        }
        cursor_encode(id, back);
        if (strcmp(back, s) != 0) {
            fprintf(stderr, "cursor %s -> %s -> %s: not a round trip\n", s, id, back);
            abort();
        }
    }

    /* The other direction: an id (in either case) gives a cursor that
     * decodes to the id in lowercase. */
    if (text_uuid_normalize(s, norm)) {
        char cur[CURSOR_LEN + 1];
        cursor_encode(s, cur);
        if (strlen(cur) != CURSOR_LEN || !cursor_decode(cur, id) || strcmp(id, norm) != 0) {
            fprintf(stderr, "id %s -> cursor %s does not decode back\n", s, cur);
            abort();
        }
    }
    free(s);
    return 0;
}
