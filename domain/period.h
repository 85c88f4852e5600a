/* Reporting periods (DESIGN §4): a month, a quarter or a year, and the days
 * they cover. Days are counted from 1970-01-01. */
#ifndef PROBITY_PERIOD_H
#define PROBITY_PERIOD_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int year;
    int month;   /* 1..12 for a monthly period, else 0 */
    int quarter; /* 1..4 for a quarterly period, else 0; both 0: the year */
} period_t;

/* "2026-10" (a month) or "2026-Q3" (a quarter), years 2000..2999: the
 * periods things are disclosed for. */
bool period_parse(const char *s, period_t *p);
/* Those, or a year ("2026"): the periods jobs run and reports are made for. */
bool period_parse_any(const char *s, period_t *p);
static inline bool period_is_year(const period_t *p)
{
    return p->month == 0 && p->quarter == 0;
}
/* The canonical text, as parsed. */
void period_format(const period_t *p, char out[8]);
/* The first and last day the period covers. */
int32_t period_first_day(const period_t *p);
int32_t period_last_day(const period_t *p);

/* The local day a period's disclosures are due: day due_day (1..28) of the
 * month after the period ("by the 15th, for the previous month"; a quarter's
 * by the 15th of the month after it). */
int32_t period_due_day(const period_t *p, int due_day);
/* The month that day falls in (SQL takes it with each requirement's own
 * due day: make_date(year, month, due_day) = period_due_day). */
void period_due_month(const period_t *p, int *year, int *month);

#endif
