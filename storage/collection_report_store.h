/* The SQL of seed 004's reports, for a batch of the scheduler's runs (one
 * row per held run, its administrator's figures as JSON; the columns of
 * jobs/job_batch.h's F_* and then the administrator's code and the totals). */
#ifndef PROBITY_COLLECTION_REPORT_STORE_H
#define PROBITY_COLLECTION_REPORT_STORE_H

#include "../domain/period.h"
#include "../domain/textcheck.h"
#include "db.h"

/* Appendix 2 for the quarter: per receivable arisen by its end, the debt at
 * the start of the year and at the quarter's end, their change and ratio,
 * the debtor's bankruptcy and enforcement marks, and whether it is a
 * candidate for doubtful debt (bankrupt, or overdue more than
 * doubtful_days at the quarter's end). */
PGresult *job_inventory_facts(db_t *db, const char *held, const period_t *quarter,
                              int doubtful_days, app_error_t *err);
/* Appendix 3 for the year, as of its December 25: per income code, the
 * debt, the amount recovered after measures were taken, and the measures
 * (claims, lawsuits, enforcement documents) with their document numbers. */
PGresult *job_year_facts(db_t *db, const char *held, const period_t *year, app_error_t *err);

#endif
