/* Reads of the collection workflow (seed 004, sections 4-7): one
 * receivable's timeline of steps with their deadlines, the steps due or
 * late across a subtree, and the claim document of a collection action. */
#ifndef PROBITY_COLLECTION_VIEWS_H
#define PROBITY_COLLECTION_VIEWS_H

#include <stdbool.h>
#include <stdint.h>

#include "../domain/authz.h"
#include "../domain/query.h"
#include "db.h"

/* {receivable_id, organization_id, status, as_of, balance, currency, steps:
 * [{step, rule, state, from, deadline, done_on, responsible}]} as of the
 * local day as_of (COLL_NO_DATE: the administrator's today). Outside who's
 * subtree: 404. */
bool receivable_timeline(db_t *db, const principal_t *who, const char *id, int32_t as_of,
                         int64_t now_us, char **json_out, app_error_t *err);

/* The open receivables of a subtree (root NULL: the caller's) with a step
 * in one of `states` (bits of 1 << collection_state_t) whose deadline is on
 * or before due_before (COLL_NO_DATE: any), paged by receivable id:
 * {items: [{receivable_id, organization_id, debtor_id, debtor, status,
 * steps: [...]}], next_cursor}. */
bool receivable_deadlines(db_t *db, const principal_t *who, const char *root, int32_t due_before,
                          unsigned states, const list_query_t *page, int64_t now_us,
                          char **json_out, app_error_t *err);

/* The claim of collection action id (kind claim) in the debtor's locale,
 * as text or HTML; *locale_out is that locale. Outside the subtree: 404;
 * an action that is no claim: 409. */
bool collection_claim_document(db_t *db, const principal_t *who, const char *id, bool html,
                               char **doc_out, size_t *len, char locale_out[3],
                               app_error_t *err);

#endif
