/* The figures of seed 004's two reports, for the runs of a batch: the
 * quarterly inventory of settlements with debtors (Appendix 2) and the
 * December 25 report on the measures taken (Appendix 3). Amounts are
 * summed in numeric and answered as decimal text. */
#include "collection_report_store.h"

#include <stdio.h>

/* The addresses of the employees responsible for the administrator's
 * receivables, else the organization's contact addresses: the inventory's
 * recipients, the administrator's responsible officers (3.2). */
#define RESPONSIBLE_EMAILS                                                                     \
    "coalesce((SELECT jsonb_agg(DISTINCT e.email) FROM receivables rc"                         \
    "  JOIN employees e ON e.id = rc.responsible_employee_id"                                  \
    "  WHERE rc.organization_id = o.id AND e.email IS NOT NULL), o.contact_emails)"

/* The year report's recipients (3.5: the responsible officer reports to
 * the head of the executing unit). The executing units are those of the
 * administrator's employees who answer for its receivables or took its
 * collection actions; a unit is its organization's, so a unit of the same
 * name elsewhere in the tree is another unit. Their heads' addresses; else,
 * where no head is known, those employees' own; else the organization's. */
#define RESPONSIBLE_IDS                                                                        \
    "(SELECT rc.responsible_employee_id FROM receivables rc WHERE rc.organization_id = o.id"   \
    "  UNION SELECT a.responsible_employee_id FROM collection_actions a"                       \
    "  WHERE a.organization_id = o.id)"
#define UNIT_HEAD_EMAILS                                                                       \
    "coalesce((SELECT jsonb_agg(DISTINCT h.email) FROM employees h"                            \
    "  WHERE h.organization_id = o.id AND h.unit_head AND h.email IS NOT NULL"                 \
    "  AND h.unit IN (SELECT e.unit FROM employees e WHERE e.organization_id = o.id"           \
    "   AND e.id IN " RESPONSIBLE_IDS ")),"                                                     \
    " (SELECT jsonb_agg(DISTINCT e.email) FROM employees e"                                    \
    "  WHERE e.id IN " RESPONSIBLE_IDS " AND e.email IS NOT NULL), o.contact_emails)"

/* The held runs' administrators, with the columns every facts row starts
 * with (job_batch.h F_*): run, organization, name, locale, zone, the
 * addresses to mail (`emails`, one of the expressions above), the as-of
 * day, false, and then the items and the age come from the caller. */
#define RUNS(emails)                                                                           \
    "runs AS (SELECT r.id AS run_id, r.due_at, o.id, o.name, o.locale, o.timezone,"            \
    "  coalesce(o.code, o.name) AS admin_code, " emails " AS emails"                           \
    " FROM job_runs r JOIN organizations o ON o.id = r.organization_id"                       \
    " WHERE r.id = ANY ($1::uuid[]))"

/* What a receivable owed on a day: all of it, less what was paid by then;
 * nothing once written off (status_since: the day it was). */
#define OWED_ON(day, paid)                                                                     \
    "CASE WHEN rc.status = 'written_off' AND rc.status_since <= " day " THEN 0::numeric"       \
    " ELSE rc.principal + rc.penalties + rc.fines - coalesce(" paid ", 0) END"

#define MONEY(x) "((" x ")::numeric(17, 2))::text"

PGresult *job_inventory_facts(db_t *db, const char *held, const period_t *quarter,
                              int doubtful_days, app_error_t *err)
{
    char first[11], last[11], days[16];
    period_t year = {quarter->year, 0, 0};
    text_format_date(period_first_day(&year), first);
    text_format_date(period_last_day(quarter), last);
    snprintf(days, sizeof days, "%d", doubtful_days);
    const char *params[] = {held, first, last, days};
    /* A receivable is in the inventory when it had arisen by the end of the
     * quarter and something was owed at the start of the year or its end. */
    return db_exec(
        db,
        "WITH " RUNS(RESPONSIBLE_EMAILS) ","
        " paid AS (SELECT p.receivable_id,"
        "  sum(p.amount) FILTER (WHERE p.paid_on < $2::date) AS before_year,"
        "  sum(p.amount) FILTER (WHERE p.paid_on <= $3::date) AS by_end"
        "  FROM payments p WHERE p.organization_id IN (SELECT id FROM runs)"
        "  GROUP BY p.receivable_id),"
        " items AS (SELECT rc.organization_id, ic.code AS income_code, d.name AS debtor,"
        "  rc.arose_on, d.bankrupt, d.enforcement_proceedings, rc.due_date,"
        "  CASE WHEN rc.arose_on < $2::date THEN " OWED_ON("($2::date - 1)", "paid.before_year")
        "   ELSE 0 END AS debt_start,"
        "  " OWED_ON("$3::date", "paid.by_end") " AS debt_end, rc.id"
        "  FROM receivables rc JOIN runs ON runs.id = rc.organization_id"
        "  JOIN debtors d ON d.id = rc.debtor_id JOIN income_codes ic ON ic.id = rc.income_code_id"
        "  LEFT JOIN paid ON paid.receivable_id = rc.id WHERE rc.arose_on <= $3::date),"
        " per_run AS (SELECT organization_id, json_agg(json_build_object("
        "  'income_code', income_code, 'debtor', debtor, 'arose_on', arose_on::text,"
        "  'debt_start', " MONEY("debt_start") ", 'debt_end', " MONEY("debt_end") ","
        "  'change', " MONEY("debt_end - debt_start") ","
        "  'ratio', CASE WHEN debt_start = 0 THEN NULL"
        "   ELSE round(debt_end / debt_start, 4)::text END,"
        "  'bankrupt', bankrupt, 'enforcement', enforcement_proceedings,"
        "  'doubtful', debt_end > 0 AND (bankrupt OR $3::date - due_date > $4::int))"
        "  ORDER BY income_code, debtor, arose_on, id) AS rows,"
        "  json_build_object('debt_start', " MONEY("sum(debt_start)") ", 'debt_end',"
        "   " MONEY("sum(debt_end)") ", 'change', " MONEY("sum(debt_end - debt_start)") ","
        "   'receivables', count(*), 'doubtful_candidates', count(*) FILTER (WHERE debt_end > 0"
        "   AND (bankrupt OR $3::date - due_date > $4::int))) AS totals"
        "  FROM items WHERE debt_start > 0 OR debt_end > 0 GROUP BY organization_id)"
        " SELECT runs.run_id, runs.id, runs.name, runs.locale, runs.timezone, runs.emails::text,"
        "  $3::text, false, coalesce(per_run.rows, '[]')::text, 0, runs.admin_code,"
        "  coalesce(per_run.totals, json_build_object('debt_start', '0.00', 'debt_end', '0.00',"
        "   'change', '0.00', 'receivables', 0, 'doubtful_candidates', 0))::text"
        " FROM runs LEFT JOIN per_run ON per_run.organization_id = runs.id",
        4, params, err);
}

PGresult *job_year_facts(db_t *db, const char *held, const period_t *year, app_error_t *err)
{
    char first[11], asof[11];
    text_format_date(period_first_day(year), first);
    text_format_date(date_from_ymd(year->year, 12, 25), asof);
    const char *params[] = {held, first, asof};
    /* Recovered "as a result of measures taken": paid in the year on or
     * after a collection action on that receivable. Measures: the claims,
     * lawsuits and enforcement documents sent in the year, with their
     * document numbers. */
    return db_exec(
        db,
        "WITH " RUNS(UNIT_HEAD_EMAILS) ","
        " owed AS (SELECT rc.organization_id, rc.income_code_id,"
        "  sum(" OWED_ON("$3::date", "(SELECT sum(p.amount) FROM payments p WHERE"
                                     " p.receivable_id = rc.id AND p.paid_on <= $3::date)")
        ") AS debt"
        "  FROM receivables rc WHERE rc.organization_id IN (SELECT id FROM runs)"
        "  AND rc.arose_on <= $3::date GROUP BY 1, 2),"
        " recovered AS (SELECT p.organization_id, rc.income_code_id, sum(p.amount) AS amount"
        "  FROM payments p JOIN receivables rc ON rc.id = p.receivable_id"
        "  WHERE p.organization_id IN (SELECT id FROM runs)"
        "  AND p.paid_on BETWEEN $2::date AND $3::date AND EXISTS (SELECT 1 FROM collection_actions a"
        "   WHERE a.receivable_id = rc.id AND a.done_on <= p.paid_on) GROUP BY 1, 2),"
        " measures AS (SELECT a.organization_id, rc.income_code_id,"
        "  count(*) FILTER (WHERE a.kind = 'claim') AS claims,"
        "  count(*) FILTER (WHERE a.kind = 'lawsuit') AS lawsuits,"
        "  count(*) FILTER (WHERE a.kind = 'enforcement_sent') AS enforcement,"
        "  string_agg(coalesce(a.document_number, '-'), ', ' ORDER BY a.done_on, a.id)"
        "   FILTER (WHERE a.kind = 'claim') AS claim_docs,"
        "  string_agg(coalesce(a.document_number, '-'), ', ' ORDER BY a.done_on, a.id)"
        "   FILTER (WHERE a.kind = 'lawsuit') AS lawsuit_docs,"
        "  string_agg(coalesce(a.document_number, '-'), ', ' ORDER BY a.done_on, a.id)"
        "   FILTER (WHERE a.kind = 'enforcement_sent') AS enforcement_docs"
        "  FROM collection_actions a JOIN receivables rc ON rc.id = a.receivable_id"
        "  WHERE a.organization_id IN (SELECT id FROM runs)"
        "  AND a.done_on BETWEEN $2::date AND $3::date"
        "  AND a.kind IN ('claim', 'lawsuit', 'enforcement_sent') GROUP BY 1, 2),"
        " items AS (SELECT k.organization_id, ic.code AS income_code,"
        "  coalesce(owed.debt, 0) AS debt, coalesce(recovered.amount, 0) AS recovered,"
        "  coalesce(m.claims, 0) AS claims, coalesce(m.lawsuits, 0) AS lawsuits,"
        "  coalesce(m.enforcement, 0) AS enforcement, m.claim_docs, m.lawsuit_docs,"
        "  m.enforcement_docs"
        "  FROM (SELECT organization_id, income_code_id FROM owed UNION"
        "   SELECT organization_id, income_code_id FROM recovered UNION"
        "   SELECT organization_id, income_code_id FROM measures) k"
        "  JOIN income_codes ic ON ic.id = k.income_code_id"
        "  LEFT JOIN owed USING (organization_id, income_code_id)"
        "  LEFT JOIN recovered USING (organization_id, income_code_id)"
        "  LEFT JOIN measures m USING (organization_id, income_code_id)),"
        " per_run AS (SELECT organization_id, json_agg(json_build_object('income_code',"
        "  income_code, 'debt', " MONEY("debt") ", 'recovered', " MONEY("recovered") ","
        "  'claims', claims, 'lawsuits', lawsuits, 'enforcement', enforcement, 'claim_docs',"
        "  claim_docs, 'lawsuit_docs', lawsuit_docs, 'enforcement_docs', enforcement_docs)"
        "  ORDER BY income_code) AS rows,"
        "  json_build_object('debt', " MONEY("sum(debt)") ", 'recovered', "
        MONEY("sum(recovered)") ", 'claims', sum(claims), 'lawsuits', sum(lawsuits),"
        "  'enforcement', sum(enforcement)) AS totals"
        "  FROM items WHERE debt > 0 OR recovered > 0 OR claims + lawsuits + enforcement > 0"
        "  GROUP BY organization_id)"
        " SELECT runs.run_id, runs.id, runs.name, runs.locale, runs.timezone, runs.emails::text,"
        "  $3::text, false, coalesce(per_run.rows, '[]')::text, 0, runs.admin_code,"
        "  coalesce(per_run.totals, json_build_object('debt', '0.00', 'recovered', '0.00',"
        "   'claims', 0, 'lawsuits', 0, 'enforcement', 0))::text"
        " FROM runs LEFT JOIN per_run ON per_run.organization_id = runs.id",
        3, params, err);
}
