/* Periods, due days and statuses of the Glass Account law. */
#include "disclosure.h"

#include <string.h>

#include "textcheck.h"

const char *const DISCLOSURE_STATUS_NAMES[] = {"on_time", "late", "missing", "not_due", NULL};

static bool digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
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
    return p->quarter ? p->quarter * 3 : p->month;
}

int32_t period_first_day(const period_t *p)
{
    int first = p->quarter ? p->quarter * 3 - 2 : p->month;
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

disclosure_status_t disclosure_status(bool published, int64_t published_at, int64_t due_end,
                                      int64_t now)
{
    if (published)
        return published_at < due_end ? DISCLOSURE_ON_TIME : DISCLOSURE_LATE;
    return now >= due_end ? DISCLOSURE_MISSING : DISCLOSURE_NOT_DUE;
}
