/* Reports as XLSX (libxlsxwriter): a sheet with the headings in bold and a
 * row per report row. libxlsxwriter 1.1 writes only to a file; in
 * constant_memory mode each row goes to a temporary file as it is written,
 * so neither the rows nor the workbook are ever held in memory. The
 * workbook file is read back in parts and removed. */
#include "report_xlsx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#define SHEETS_MAX 64 /* 67 million rows: beyond what a spreadsheet will open */

struct report_xlsx {
    const json_t *columns;
    lxw_workbook *wb;          /* until finished */
    lxw_worksheet *sheets[SHEETS_MAX];
    int nsheets;
    lxw_format *bold, *money;
    lxw_row_t next;            /* the current sheet's next row */
    FILE *f;                   /* the finished file, being read */
    char path[4096];
};

/* The digits of a decimal string such as "-1234.50"; 0 if it is not one. */
static int decimal_digits(const char *s)
{
    int digits = 0, points = 0;
    if (*s == '-')
        s++;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            digits++;
        else if (*s == '.' && !points++)
            continue;
        else
            return 0;
    }
    return digits;
}

/* A decimal cell as an XLSX number, so that sheets can add it up. The
 * format has no decimal numbers: a number cell is an IEEE double
 * (ECMA-376 §18.3.1.4), which holds up to 15 significant digits exactly.
 * The text is converted only here, never computed with, and a longer one
 * stays text rather than change by a cent. */
static bool decimal_cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
                         lxw_format *fmt)
{
    int digits = decimal_digits(s);
    if (digits == 0 || digits > 15)
        return false;
    worksheet_write_number(ws, r, c, strtod(s, NULL), fmt);
    return true;
}

static void write_cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const json_t *v,
                       const char *type, lxw_format *money)
{
    if (json_is_integer(v))
        worksheet_write_number(ws, r, c, (double)json_integer_value(v), NULL);
    else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        bool numeric = type && (strcmp(type, "money") == 0 || strcmp(type, "decimal") == 0);
        if (!numeric || !decimal_cell(ws, r, c, s, strcmp(type, "money") == 0 ? money : NULL))
            worksheet_write_string(ws, r, c, s, NULL);
    } else if (json_is_boolean(v))
        worksheet_write_boolean(ws, r, c, json_is_true(v), NULL);
    /* null: an empty cell */
}

static bool new_sheet(report_xlsx_t *x, char *msg, size_t msglen)
{
    if (x->nsheets == SHEETS_MAX) {
        snprintf(msg, msglen, "xlsx: more rows than %d sheets hold", SHEETS_MAX);
        return false;
    }
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, NULL);
    if (!ws) {
        snprintf(msg, msglen, "xlsx: cannot add a worksheet");
        return false;
    }
    x->sheets[x->nsheets++] = ws;
    size_t ncol = json_array_size(x->columns);
    for (size_t c = 0; c < ncol; c++) {
        const char *h =
            json_string_value(json_object_get(json_array_get(x->columns, c), "heading"));
        worksheet_write_string(ws, 0, (lxw_col_t)c, h ? h : "", x->bold);
    }
    worksheet_freeze_panes(ws, 1, 0);
    x->next = 1;
    return true;
}

report_xlsx_t *report_xlsx_open(const json_t *columns, const char *tmpdir, char *msg,
                                size_t msglen)
{
    if (!json_is_array(columns)) {
        snprintf(msg, msglen, "the report is not a table");
        return NULL;
    }
    report_xlsx_t *x = calloc(1, sizeof *x);
    if (!x)
        abort();
    x->columns = columns;
    snprintf(x->path, sizeof x->path, "%s/probity-report-XXXXXX",
             tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(x->path);
    if (fd < 0) {
        snprintf(msg, msglen, "cannot make a temporary file in %s: %s", tmpdir, strerror(errno));
        x->path[0] = '\0';
        report_xlsx_free(x);
        return NULL;
    }
    close(fd);
    lxw_workbook_options opts = {.constant_memory = LXW_TRUE, .tmpdir = (char *)tmpdir,
                                 .use_zip64 = LXW_TRUE};
    x->wb = workbook_new_opt(x->path, &opts);
    if (!x->wb) {
        snprintf(msg, msglen, "xlsx: cannot open a workbook in %s", x->path);
        report_xlsx_free(x);
        return NULL;
    }
    x->bold = workbook_add_format(x->wb);
    x->money = workbook_add_format(x->wb);
    format_set_bold(x->bold);
    format_set_num_format(x->money, "#,##0.00");
    if (!new_sheet(x, msg, msglen)) {
        report_xlsx_free(x);
        return NULL;
    }
    return x;
}

bool report_xlsx_row(report_xlsx_t *x, const json_t *row, char *msg, size_t msglen)
{
    if (!x->wb || !json_is_array(row)) {
        snprintf(msg, msglen, "a row is not an array of cells");
        return false;
    }
    if (x->next >= LXW_ROW_MAX && !new_sheet(x, msg, msglen))
        return false;
    lxw_worksheet *ws = x->sheets[x->nsheets - 1];
    size_t ncol = json_array_size(x->columns);
    for (size_t c = 0; c < ncol && c < json_array_size(row); c++)
        write_cell(ws, x->next, (lxw_col_t)c, json_array_get(row, c),
                   json_string_value(json_object_get(json_array_get(x->columns, c), "type")),
                   x->money);
    x->next++;
    return true;
}

bool report_xlsx_finish(report_xlsx_t *x, char *msg, size_t msglen)
{
    lxw_error e = workbook_close(x->wb); /* frees it, whatever it answers */
    x->wb = NULL;
    x->nsheets = 0;
    if (e != LXW_NO_ERROR) {
        snprintf(msg, msglen, "xlsx: %s", lxw_strerror(e));
        return false;
    }
    x->f = fopen(x->path, "rb");
    if (!x->f) {
        snprintf(msg, msglen, "xlsx: cannot read back %s: %s", x->path, strerror(errno));
        return false;
    }
    return true;
}

ssize_t report_xlsx_read(report_xlsx_t *x, char *buf, size_t n)
{
    if (!x->f)
        return -1;
    size_t got = fread(buf, 1, n, x->f);
    if (got == 0 && ferror(x->f))
        return -1;
    return (ssize_t)got;
}

void report_xlsx_free(report_xlsx_t *x)
{
    if (!x)
        return;
    if (x->wb) {
        /* Abandoned half-way: workbook_close would first write out the
         * whole zip. lxw_workbook_free frees without writing, but leaves
         * the sheets' row files (already unlinked by libxlsxwriter) open. */
        for (int i = 0; i < x->nsheets; i++)
            if (x->sheets[i]->optimize_tmpfile) {
                fclose(x->sheets[i]->optimize_tmpfile);
                x->sheets[i]->optimize_tmpfile = NULL;
                x->sheets[i]->file = NULL;
            }
        lxw_workbook_free(x->wb);
    }
    if (x->f)
        fclose(x->f);
    if (x->path[0])
        unlink(x->path);
    free(x);
}
