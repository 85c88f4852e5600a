/* The status of one item of the Glass Account law. */
#include "disclosure.h"

#include <string.h>

#include "textcheck.h"

const char *const DISCLOSURE_STATUS_NAMES[] = {"on_time", "late", "missing", "not_due", NULL};

disclosure_status_t disclosure_status(bool published, int64_t published_at, int64_t due_end,
                                      int64_t now)
{
    if (published)
        return published_at < due_end ? DISCLOSURE_ON_TIME : DISCLOSURE_LATE;
    return now >= due_end ? DISCLOSURE_MISSING : DISCLOSURE_NOT_DUE;
}
