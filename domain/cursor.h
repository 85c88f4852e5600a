/* Opaque list cursors. A cursor carries the last id of the page it ends, so
 * the next page is a keyset query, stable under inserts. */
#ifndef PROBITY_CURSOR_H
#define PROBITY_CURSOR_H

#include <stdbool.h>

#define CURSOR_LEN 23 /* base64url of 17 bytes, unpadded */

/* id must be a valid UUID; out receives CURSOR_LEN + 1 bytes. */
void cursor_encode(const char *id, char out[CURSOR_LEN + 1]);
/* Returns false for anything that is not a cursor this server made. */
bool cursor_decode(const char *cursor, char id_out[37]);

#endif
