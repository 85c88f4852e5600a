/* Tables as CSV (RFC 4180): comma-separated, CRLF line ends, a field
 * quoted when it holds a comma, a quote, CR or LF, quotes doubled. UTF-8 is
 * passed through as is. */
#ifndef PROBITY_CSV_H
#define PROBITY_CSV_H

#include <jansson.h>
#include <stdbool.h>

#include "strbuf.h"

/* One field, quoted when it must be. */
void csv_field(strbuf_t *b, const char *s, size_t n);
/* A header line of each column's "heading", then one line per row of
 * cells (strings, integers, booleans, null as empty); a string that a
 * spreadsheet would take for a formula (= + - @ tab CR first) gets a
 * leading apostrophe. False, with nothing
 * usable in out, when the shapes are not arrays of those. */
bool csv_table(const json_t *columns, const json_t *rows, strbuf_t *out);
/* The parts of csv_table, for a table written a page at a time: the header
 * line, and one row of exactly ncol cells. False when the shape is wrong
 * (out may then hold part of the line). */
bool csv_header(const json_t *columns, strbuf_t *out);
bool csv_row(const json_t *row, size_t ncol, strbuf_t *out);

#endif
