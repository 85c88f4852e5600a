/* A stored report (its columns and rows) as an XLSX workbook. */
#ifndef PROBITY_REPORT_XLSX_H
#define PROBITY_REPORT_XLSX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The workbook's bytes in *out (malloc'd), or false with the reason in
 * msg. A column whose "type" is "money" or "decimal" holds decimal strings,
 * written as numbers where exact (money as #,##0.00). tmpdir: where
 * libxlsxwriter may write its temporary files. */
bool report_xlsx(const json_t *report, const char *tmpdir, char **out, size_t *len, char *msg,
                 size_t msglen);

#endif
