/* The Glass Account law's jobs (seed 000, DESIGN §1.2): reminders before
 * the 15th, the overdue notices and supervisors' digests of the 16th, and
 * the supervisor's monthly compliance report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/strbuf.h"
#include "../storage/job_store.h"
#include "job_batch.h"

static bool status_in(const json_t *item, const char *a, const char *b)
{
    const char *s = json_string_value(json_object_get(item, "status"));
    return s && (strcmp(s, a) == 0 || strcmp(s, b) == 0);
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* Mail lines of an organization's items whose status is a or b: the code,
 * and the name (with the status word when `mark`). Strings in `words`. */
static size_t item_lines(const json_t *items, const char *a, const char *b_, bool mark,
                         const char *locale, mail_item_t *out, char **words)
{
    size_t n = 0, i;
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        if (!status_in(it, a, b_))
            continue;
        words[n] = NULL;
        if (mark && asprintf(&words[n], "%s (%s)", str(it, "name"),
                             template_word(str(it, "status"), locale)) < 0)
            abort();
        out[n] = (mail_item_t){str(it, "code"), mark ? words[n] : str(it, "name")};
        n++;
    }
    return n;
}

static void free_words(char **words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(words[i]);
    free(words);
}

/* Runs of an organization's kind: each row's unpublished (reminder) or
 * late and missing (overdue) items, mailed to its addresses. */
static bool run_org_mails(job_batch_t *b, const char *a, const char *b_, bool mark,
                          const char *none)
{
    PGresult *res = job_org_facts(b->db, b->held, &b->period, b->now, b->err);
    if (!res)
        return false;
    for (int r = 0; r < PQntuples(res); r++) {
        json_t *items = json_loads(PQgetvalue(res, r, F_ITEMS), 0, NULL);
        size_t all = json_array_size(items);
        mail_item_t *lines = calloc(all + 1, sizeof *lines);
        char **words = calloc(all + 1, sizeof *words);
        if (!lines || !words)
            abort();
        size_t n = item_lines(items, a, b_, mark, PQgetvalue(res, r, F_LOCALE), lines, words);
        if (job_stale(b, res, r)) {
            job_outcome(b, res, r, "skipped",
                    json_pack("{s:i, s:s}", "mails", 0, "reason", "its moment has passed beyond use"));
        } else if (n == 0) {
            job_outcome(b, res, r, "done", json_pack("{s:i, s:s}", "mails", 0, "reason", none));
        } else {
            char due[96];
            snprintf(due, sizeof due, "%s (%s)", PQgetvalue(res, r, F_DUE),
                     PQgetvalue(res, r, F_ZONE));
            int m = job_queue_mails(b, res, r, due, lines, n, NULL);
            job_outcome(b, res, r, "done",
                    m ? json_pack("{s:i, s:i}", "mails", m, "items", (int)n)
                      : json_pack("{s:i, s:s}", "mails", 0, "reason", "no contact e-mail"));
        }
        free_words(words, n);
        free(lines);
        json_decref(items);
    }
    *b->done += PQntuples(res);
    PQclear(res);
    return true;
}

bool job_run_reminder(job_batch_t *b)
{
    return run_org_mails(b, "not_due", "missing", false, "everything is published");
}

bool job_run_overdue(job_batch_t *b)
{
    return run_org_mails(b, "late", "missing", true, "nothing is late or missing");
}

/* A supervisor's digest: one mail listing each subordinate with late or
 * missing items, and those items. */
bool job_run_digest(job_batch_t *b)
{
    PGresult *res = job_sub_facts(b->db, b->held, &b->period, b->now, b->err);
    if (!res)
        return false;
    for (int r = 0; r < PQntuples(res); r++) {
        json_t *subs = json_loads(PQgetvalue(res, r, F_ITEMS), 0, NULL);
        const char *locale = PQgetvalue(res, r, F_LOCALE);
        size_t ns = json_array_size(subs), n = 0, i;
        mail_item_t *lines = calloc(ns + 1, sizeof *lines);
        char **words = calloc(ns + 1, sizeof *words);
        if (!lines || !words)
            abort();
        const json_t *sub;
        json_array_foreach(subs, i, sub)
        {
            strbuf_t t = {0};
            size_t k;
            const json_t *it;
            json_array_foreach(json_object_get(sub, "items"), k, it)
            {
                if (status_in(it, "late", "missing"))
                    strbuf_printf(&t, "%s%s (%s)", t.len ? ", " : "", str(it, "code"),
                                  template_word(str(it, "status"), locale));
            }
            if (!t.len)
                continue;
            words[n] = t.s;
            lines[n] = (mail_item_t){str(sub, "name"), t.s};
            n++;
        }
        if (job_stale(b, res, r))
            job_outcome(b, res, r, "skipped",
                    json_pack("{s:i, s:s}", "mails", 0, "reason", "its moment has passed beyond use"));
        else if (n == 0)
            job_outcome(b, res, r, "done",
                    json_pack("{s:i, s:s}", "mails", 0, "reason", "no subordinate is late"));
        else {
            int m = job_queue_mails(b, res, r, PQgetvalue(res, r, F_DUE), lines, n, NULL);
            job_outcome(b, res, r, "done",
                    m ? json_pack("{s:i, s:i}", "mails", m, "organizations", (int)n)
                      : json_pack("{s:i, s:s}", "mails", 0, "reason", "no contact e-mail"));
        }
        free_words(words, n);
        free(lines);
        json_decref(subs);
    }
    *b->done += PQntuples(res);
    PQclear(res);
    return true;
}

/* Times are local to each subordinate (its timezone column); status is
 * the word in the report's locale, status_code the word for programs. */
static const job_column_t REPORT_COLUMNS[] = {
    {"organization", NULL}, {"organization_id", NULL}, {"timezone", NULL},
    {"code", NULL},         {"requirement", NULL},     {"due", NULL},
    {"published_at", NULL}, {"status", NULL},          {"status_code", NULL},
    {"days_late", NULL}};
#define NCOLUMNS (sizeof REPORT_COLUMNS / sizeof REPORT_COLUMNS[0])

static const char *const STATUSES[] = {"on_time", "late", "missing", "not_due"};
#define NSTATUSES (sizeof STATUSES / sizeof STATUSES[0])

static size_t status_index(const char *s)
{
    size_t i = 0;
    while (i < NSTATUSES && strcmp(STATUSES[i], s) != 0)
        i++;
    return i;
}

/* One supervisor's report: a row per subordinate item, the counts, and the
 * mail line of each subordinate ("on time: 4, late: 1"). */
static json_t *report_doc(job_batch_t *b, PGresult *res, int r, job_report_t *out)
{
    const char *locale = PQgetvalue(res, r, F_LOCALE);
    json_t *subs = json_loads(PQgetvalue(res, r, F_ITEMS), 0, NULL), *rows = json_array();
    size_t ns = json_array_size(subs);
    out->keep = subs;
    out->lines = calloc(ns + 1, sizeof *out->lines);
    out->words = calloc(ns + 1, sizeof *out->words);
    if (!out->lines || !out->words)
        abort();
    json_int_t total[NSTATUSES] = {0}, late_orgs = 0;
    size_t i;
    const json_t *sub;
    json_array_foreach(subs, i, sub)
    {
        json_int_t count[NSTATUSES] = {0};
        size_t k;
        const json_t *it;
        json_array_foreach(json_object_get(sub, "items"), k, it)
        {
            size_t st = status_index(str(it, "status"));
            if (st < NSTATUSES)
                count[st]++;
            json_array_append_new(
                rows, json_pack("[s, s, s, s, s, s, O, s, s, O]", str(sub, "name"),
                                str(sub, "organization_id"), str(sub, "timezone"),
                                str(it, "code"), str(it, "name"), str(it, "due"),
                                json_object_get(it, "published"),
                                template_word(str(it, "status"), locale), str(it, "status"),
                                json_object_get(it, "days_late")));
        }
        strbuf_t t = {0};
        for (size_t st = 0; st < NSTATUSES; st++) {
            total[st] += count[st];
            if (count[st])
                strbuf_printf(&t, "%s%s: %" JSON_INTEGER_FORMAT, t.len ? ", " : "",
                              template_word(STATUSES[st], locale), count[st]);
        }
        late_orgs += count[1] + count[2] > 0;
        out->words[i] = t.s;
        out->lines[i] = (mail_item_t){str(sub, "name"), t.s ? t.s : ""};
    }
    out->nlines = ns;
    char title[400];
    snprintf(title, sizeof title, "%s, %s", template_word("title_disclosure_report", locale),
             b->period_text);
    return json_pack("{s:s, s:o, s:o, s:{s:I, s:I, s:{s:I, s:I, s:I, s:I}}}", "title", title,
                     "columns", job_report_columns(REPORT_COLUMNS, NCOLUMNS, locale), "rows", rows,
                     "summary", "organizations", (json_int_t)ns, "late_organizations", late_orgs,
                     "counts", "on_time", total[0], "late", total[1], "missing", total[2],
                     "not_due", total[3]);
}

/* A supervisor's monthly compliance report: stored as a report, then
 * mailed with its id. */
bool job_run_report(job_batch_t *b)
{
    PGresult *res = job_sub_facts(b->db, b->held, &b->period, b->now, b->err);
    if (!res)
        return false;
    bool ok = job_file_reports(b, res, report_doc);
    PQclear(res);
    return ok;
}
