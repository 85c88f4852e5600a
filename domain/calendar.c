/* Working-day arithmetic. Day lists are sorted so membership is a binary
 * search; a walk is at most a few thousand steps. */
#include "calendar.h"

#include <stdlib.h>

#include "textcheck.h"

static bool contains(const int32_t *days, size_t n, int32_t day)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (days[mid] < day)
            lo = mid + 1;
        else if (days[mid] > day)
            hi = mid;
        else
            return true;
    }
    return false;
}

bool calendar_is_working(const calendar_t *cal, int32_t day)
{
    bool weekend = cal->weekend_mask & (1u << (date_iso_weekday(day) - 1));
    if (weekend)
        return contains(cal->workdays, cal->nworkdays, day);
    return !contains(cal->holidays, cal->nholidays, day);
}

int32_t calendar_span_for(int n)
{
    /* At most three weekend days a week leaves four working days in seven;
     * holidays add at most a few weeks a year. */
    return abs(n) * 2 + 60;
}

bool calendar_add_working_days(const calendar_t *cal, int32_t from, int n, int32_t *out)
{
    if (n > CALENDAR_MAX_ADD || n < -CALENDAR_MAX_ADD || from < cal->lo || from > cal->hi)
        return false;
    int32_t day = from;
    if (n == 0) {
        while (!calendar_is_working(cal, day))
            if (++day > cal->hi)
                return false;
        *out = day;
        return true;
    }
    int step = n > 0 ? 1 : -1;
    for (int left = abs(n); left > 0;) {
        day += step;
        if (day < cal->lo || day > cal->hi)
            return false;
        if (calendar_is_working(cal, day))
            left--;
    }
    *out = day;
    return true;
}
