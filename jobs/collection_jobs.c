/* Seed 004's two reports as scheduler jobs: the quarterly inventory of
 * settlements with debtors (Appendix 2) and the report of December 25 on
 * the measures taken (Appendix 3), each stored exactly as of its run and
 * mailed: the inventory to the administrator's responsible officers, the
 * December 25 report to the heads of their units (the recipients are
 * storage/collection_report_store.c's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/strbuf.h"
#include "../storage/collection_report_store.h"
#include "job_batch.h"

/* Extra columns of the facts rows (collection_report_store.h). */
enum { F_ADMIN_CODE = F_AGE + 1, F_TOTALS };

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* Appendix 2's eight columns, then the marks the regulation asks for
 * (3.3): bankruptcy or enforcement proceedings, and doubtful candidates. */
static const job_column_t INVENTORY[] = {
    {"admin_code", NULL},      {"income_code", NULL}, {"debtor", NULL},
    {"arose_on", NULL},        {"debt_start", "money"}, {"debt_end", "money"},
    {"change", "money"},       {"ratio", "decimal"},  {"marks", NULL},
    {"doubtful", NULL}};
#define NINVENTORY (sizeof INVENTORY / sizeof INVENTORY[0])

static void title(job_batch_t *b, PGresult *res, int r, char *out, size_t n)
{
    char key[80];
    snprintf(key, sizeof key, "title_%s", b->k->name);
    snprintf(out, n, "%s, %s: %s", template_word(key, PQgetvalue(res, r, F_LOCALE)),
             PQgetvalue(res, r, F_DUE), PQgetvalue(res, r, F_NAME));
}

static json_t *inventory_doc(job_batch_t *b, PGresult *res, int r, job_report_t *out)
{
    const char *locale = PQgetvalue(res, r, F_LOCALE), *code = PQgetvalue(res, r, F_ADMIN_CODE);
    json_t *items = json_loads(PQgetvalue(res, r, F_ITEMS), 0, NULL), *rows = json_array(),
           *doubtful = json_array();
    size_t n = json_array_size(items), i;
    out->keep = items;
    out->lines = calloc(n + 1, sizeof *out->lines);
    out->words = calloc(n + 1, sizeof *out->words);
    if (!out->lines || !out->words)
        abort();
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        strbuf_t marks = {0};
        if (json_is_true(json_object_get(it, "bankrupt")))
            strbuf_printf(&marks, "%s", template_word("mark_bankrupt", locale));
        if (json_is_true(json_object_get(it, "enforcement")))
            strbuf_printf(&marks, "%s%s", marks.len ? "; " : "",
                          template_word("mark_enforcement", locale));
        bool candidate = json_is_true(json_object_get(it, "doubtful"));
        json_array_append_new(
            rows, json_pack("[s, s, s, s, s, s, s, O, s?, s?]", code, str(it, "income_code"),
                            str(it, "debtor"), str(it, "arose_on"), str(it, "debt_start"),
                            str(it, "debt_end"), str(it, "change"), json_object_get(it, "ratio"),
                            marks.s, candidate ? template_word("yes", locale) : NULL));
        if (candidate)
            json_array_append_new(doubtful, json_string(str(it, "debtor")));
        free(marks.s);
        if (asprintf(&out->words[i], "%s (%s, %s)", str(it, "debt_end"), str(it, "income_code"),
                     str(it, "arose_on")) < 0)
            abort();
        out->lines[i] = (mail_item_t){str(it, "debtor"), out->words[i]};
    }
    out->nlines = n;
    json_t *summary = json_loads(PQgetvalue(res, r, F_TOTALS), 0, NULL);
    json_object_set_new(summary, "doubtful_debtors", doubtful);
    char t[600];
    title(b, res, r, t, sizeof t);
    return json_pack("{s:s, s:o, s:o, s:o}", "title", t, "columns",
                     job_report_columns(INVENTORY, NINVENTORY, locale), "rows", rows, "summary",
                     summary);
}

bool job_run_inventory(job_batch_t *b)
{
    PGresult *res = job_inventory_facts(b->db, b->held, &b->period, b->cfg->doubtful_days, b->err);
    if (!res)
        return false;
    bool ok = job_file_reports(b, res, inventory_doc);
    PQclear(res);
    return ok;
}

/* Appendix 3's five columns. */
/* Its second heading words the code differently from Appendix 2's. */
static const job_column_t YEAR[] = {{"admin_code", NULL},
                                    {"revenue_code", NULL},
                                    {"debt", "money"},
                                    {"recovered", "money"},
                                    {"measures", NULL}};
#define NYEAR (sizeof YEAR / sizeof YEAR[0])

/* "claims: 2 (П-12, П-15); lawsuits: 1 (А71-1/2026)" in the locale. */
static char *measures(const json_t *it, const char *locale)
{
    static const char *const KINDS[][3] = {{"claims", "claim_docs", "measure_claims"},
                                           {"lawsuits", "lawsuit_docs", "measure_lawsuits"},
                                           {"enforcement", "enforcement_docs",
                                            "measure_enforcement"}};
    strbuf_t t = {0};
    for (size_t k = 0; k < 3; k++) {
        json_int_t n = json_integer_value(json_object_get(it, KINDS[k][0]));
        if (!n)
            continue;
        strbuf_printf(&t, "%s%s: %" JSON_INTEGER_FORMAT " (%s)", t.len ? "; " : "",
                      template_word(KINDS[k][2], locale), n, str(it, KINDS[k][1]));
    }
    return t.s;
}

static json_t *year_doc(job_batch_t *b, PGresult *res, int r, job_report_t *out)
{
    const char *locale = PQgetvalue(res, r, F_LOCALE), *code = PQgetvalue(res, r, F_ADMIN_CODE);
    json_t *items = json_loads(PQgetvalue(res, r, F_ITEMS), 0, NULL), *rows = json_array();
    size_t n = json_array_size(items), i;
    out->keep = items;
    out->lines = calloc(n + 1, sizeof *out->lines);
    out->words = calloc(n + 1, sizeof *out->words);
    if (!out->lines || !out->words)
        abort();
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        char *m = measures(it, locale);
        json_array_append_new(rows, json_pack("[s, s, s, s, s?]", code, str(it, "income_code"),
                                              str(it, "debt"), str(it, "recovered"), m));
        if (asprintf(&out->words[i], "%s / %s%s%s", str(it, "debt"), str(it, "recovered"),
                     m ? "; " : "", m ? m : "") < 0)
            abort();
        free(m);
        out->lines[i] = (mail_item_t){str(it, "income_code"), out->words[i]};
    }
    out->nlines = n;
    char t[600];
    title(b, res, r, t, sizeof t);
    return json_pack("{s:s, s:o, s:o, s:o}", "title", t, "columns",
                     job_report_columns(YEAR, NYEAR, locale), "rows", rows, "summary",
                     json_loads(PQgetvalue(res, r, F_TOTALS), 0, NULL));
}

bool job_run_year_report(job_batch_t *b)
{
    PGresult *res = job_year_facts(b->db, b->held, &b->period, b->err);
    if (!res)
        return false;
    bool ok = job_file_reports(b, res, year_doc);
    PQclear(res);
    return ok;
}
