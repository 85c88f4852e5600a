/* Reads just the span of calendar days a walk can reach, then hands the
 * arithmetic to domain/calendar.c. */
#include "calendar_store.h"

#include <stdlib.h>

#include <jansson.h>

#include "../domain/textcheck.h"

bool calendar_store_load(db_t *db, const char *jurisdiction, int32_t lo, int32_t hi,
                         calendar_t *cal, int32_t **days, app_error_t *err)
{
    *days = NULL;
    const char *p1[] = {jurisdiction};
    PGresult *res = db_exec(db, "SELECT weekend_days::text FROM calendars WHERE jurisdiction = $1",
                            1, p1, err);
    if (!res)
        return false;
    if (PQntuples(res) == 0) {
        PQclear(res);
        err_set(err, ERR_NOT_FOUND, "No calendar for jurisdiction %s.", jurisdiction);
        return false;
    }
    *cal = (calendar_t){.lo = lo, .hi = hi};
    json_t *weekend = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    PQclear(res);
    size_t i;
    json_t *d;
    json_array_foreach(weekend, i, d)
    {
        json_int_t w = json_integer_value(d);
        if (w >= 1 && w <= 7)
            cal->weekend_mask |= (uint8_t)(1u << (w - 1));
    }
    json_decref(weekend);

    char lo_txt[11], hi_txt[11];
    text_format_date(lo, lo_txt);
    text_format_date(hi, hi_txt);
    const char *p2[] = {jurisdiction, lo_txt, hi_txt};
    res = db_exec(db,
                  "SELECT (date - DATE '1970-01-01'), kind = 'working_day' FROM calendar_days"
                  " WHERE jurisdiction = $1 AND date BETWEEN $2::date AND $3::date ORDER BY date",
                  3, p2, err);
    if (!res)
        return false;
    int rows = PQntuples(res);
    int32_t *buf = malloc(sizeof(int32_t) * (size_t)(rows ? rows : 1) * 2);
    if (!buf)
        abort();
    int32_t *hol = buf, *work = buf + rows;
    for (int r = 0; r < rows; r++) {
        int32_t day = (int32_t)atol(PQgetvalue(res, r, 0));
        if (PQgetvalue(res, r, 1)[0] == 't')
            work[cal->nworkdays++] = day;
        else
            hol[cal->nholidays++] = day;
    }
    PQclear(res);
    cal->holidays = hol;
    cal->workdays = work;
    *days = buf;
    return true;
}

bool calendar_store_add_working_days(db_t *db, const char *jurisdiction, int32_t from, int n,
                                     int32_t *out, app_error_t *err)
{
    int32_t span = calendar_span_for(n), *days;
    calendar_t cal;
    if (!calendar_store_load(db, jurisdiction, from - span, from + span, &cal, &days, err))
        return false;
    bool ok = calendar_add_working_days(&cal, from, n, out);
    free(days);
    if (!ok)
        err_set(err, ERR_INVALID, "The date is out of the supported range.");
    return ok;
}
