/* A stored report (its columns and rows) as an XLSX workbook, written a
 * page of rows at a time with bounded memory, then read back in parts. */
#ifndef PROBITY_REPORT_XLSX_H
#define PROBITY_REPORT_XLSX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct report_xlsx report_xlsx_t;

/* A workbook in a new temporary file under tmpdir (also where
 * libxlsxwriter keeps its own), its headings written; NULL with the reason
 * in msg. columns is borrowed until report_xlsx_free. A column whose
 * "type" is "money" or "decimal" holds decimal strings, written as numbers
 * where exact (money as #,##0.00). */
report_xlsx_t *report_xlsx_open(const json_t *columns, const char *tmpdir, char *msg,
                                size_t msglen);
/* The next row. Past a sheet's 1,048,576 rows the table goes on in a new
 * sheet, under the headings again. */
bool report_xlsx_row(report_xlsx_t *x, const json_t *row, char *msg, size_t msglen);
/* Completes the file, after the last row. */
bool report_xlsx_finish(report_xlsx_t *x, char *msg, size_t msglen);
/* Up to n bytes of the finished file into buf: how many, 0 at its end, -1
 * on a read error. */
ssize_t report_xlsx_read(report_xlsx_t *x, char *buf, size_t n);
/* At any point, finished or not: frees everything and removes the file. */
void report_xlsx_free(report_xlsx_t *x);

#endif
