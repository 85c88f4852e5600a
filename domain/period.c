/* Reporting periods: parsing, the canonical text, the days covered. */
#include "period.h"

#include <string.h>

#include "textcheck.h"

static bool digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool period_parse_any(const char *s, period_t *p)
{
    if (s && strlen(s) == 4 && digits(s, 4)) {
        int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
        if (year < 2000 || year > 2999)
            return false;
        *p = (period_t){year, 0, 0};
        return true;
    }
    return period_parse(s, p);
}

bool period_parse(const char *s, period_t *p)
{
    if (!s || strlen(s) != 7 || !digits(s, 4) || s[4] != '-')
        return false;
    int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    if (year < 2000 || year > 2999)
        return false;
    if (s[5] == 'Q' && s[6] >= '1' && s[6] <= '4') {
        *p = (period_t){year, 0, s[6] - '0'};
        return true;
    }
    if (!digits(s + 5, 2))
        return false;
    int month = (s[5] - '0') * 10 + (s[6] - '0');
    if (month < 1 || month > 12)
        return false;
    *p = (period_t){year, month, 0};
    return true;
}

void period_format(const period_t *p, char out[8])
{
    /* Digits by hand: a parsed period is in range, and this cannot truncate. */
    unsigned y = (unsigned)p->year % 10000u, m = (unsigned)p->month % 100u;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    if (period_is_year(p)) {
        out[4] = '\0';
        return;
    }
    if (p->quarter) {
        out[5] = 'Q';
        out[6] = (char)('0' + (unsigned)p->quarter % 10u);
    } else {
        out[5] = (char)('0' + m / 10);
        out[6] = (char)('0' + m % 10);
    }
    out[7] = '\0';
}

/* The period's last month, 1..12. */
static int last_month(const period_t *p)
{
    return p->quarter ? p->quarter * 3 : p->month ? p->month : 12;
}

int32_t period_first_day(const period_t *p)
{
    int first = p->quarter ? p->quarter * 3 - 2 : p->month ? p->month : 1;
    return date_from_ymd(p->year, (unsigned)first, 1);
}

int32_t period_last_day(const period_t *p)
{
    int m = last_month(p);
    return (m == 12 ? date_from_ymd(p->year + 1, 1, 1) : date_from_ymd(p->year, (unsigned)m + 1, 1)) -
           1;
}

void period_due_month(const period_t *p, int *year, int *month)
{
    int m = last_month(p);
    *year = m == 12 ? p->year + 1 : p->year;
    *month = m == 12 ? 1 : m + 1;
}

int32_t period_due_day(const period_t *p, int due_day)
{
    int year, month;
    period_due_month(p, &year, &month);
    return date_from_ymd(year, (unsigned)month, (unsigned)due_day);
}

