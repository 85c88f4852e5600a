/* Entity descriptions. Every field rule a client can break is stated here and
 * nowhere else; the OpenAPI document must agree (tests/integration checks). */
#include "registry.h"

#include "authz.h"
#include "collection.h"

#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Server-managed fields every entity carries. */
#define FIELD_ID {.name = "id", .type = FT_UUID, .flags = F_READONLY, .description = "Identifier."}
#define FIELDS_META                                                                          \
    {.name = "created_at", .type = FT_TIMESTAMP, .flags = F_READONLY},                       \
    {.name = "updated_at", .type = FT_TIMESTAMP, .flags = F_READONLY},                       \
    {.name = "version", .type = FT_INT, .flags = F_READONLY, .min = 1, .max = INT32_MAX,     \
     .description = "Incremented on every change; the ETag of the entity."}

static const char *const ORG_KINDS[] = {
    "district_administration", "municipal_administration", "ministry", "authority",
    "budget_institution", "state_enterprise", "joint_stock_company", "llp",
    "private_kindergarten", "private_school", "family_health_centre", "hospital", "other",
    NULL};
static const char *const JURISDICTIONS[] = {"MN", "KZ", "RU", NULL};
static const char *const LOCALES[] = {"mn", "kk", "ru", "en", NULL};
static const char *const CURRENCIES[] = {"MNT", "KZT", "RUB", "USD", "EUR", NULL};
static const char *const FREQUENCIES[] = {"monthly", "quarterly", NULL};

static const field_t EMAIL_ITEM = {.name = "contact_emails[]", .type = FT_STRING, .min = 3,
                                   .max = 254, .format = FMT_EMAIL};

static const field_t ORGANIZATION_FIELDS[] = {
    FIELD_ID,
    {.name = "parent_id", .type = FT_UUID, .flags = F_NULLABLE | F_FILTER, .ref = "organizations",
     .description = "Parent in the organization tree; null for a root."},
    {.name = "code", .type = FT_STRING, .flags = F_NULLABLE | F_FILTER, .min = 1, .max = 64,
     .format = FMT_CODE, .description = "Administrative code, unique."},
    {.name = "name", .type = FT_STRING, .flags = F_REQUIRED, .min = 1, .max = 500},
    {.name = "kind", .type = FT_ENUM, .flags = F_REQUIRED | F_FILTER, .values = ORG_KINDS},
    {.name = "jurisdiction", .type = FT_ENUM, .flags = F_REQUIRED | F_FILTER,
     .values = JURISDICTIONS, .description = "ISO 3166-1 alpha-2 country code."},
    {.name = "timezone", .type = FT_STRING, .flags = F_REQUIRED, .min = 1, .max = 64,
     .format = FMT_TIMEZONE, .description = "IANA time zone."},
    {.name = "locale", .type = FT_ENUM, .flags = F_REQUIRED, .values = LOCALES},
    {.name = "currency", .type = FT_ENUM, .flags = F_REQUIRED, .values = CURRENCIES,
     .description = "ISO 4217 currency code."},
    {.name = "disclosure_frequency", .type = FT_ENUM, .flags = F_FILTER, .values = FREQUENCIES,
     .defval = "\"monthly\""},
    {.name = "contact_emails", .type = FT_ARRAY, .flags = F_UNIQUE_ITEMS, .min = 0, .max = 20,
     .items = &EMAIL_ITEM, .defval = "[]"},
    FIELDS_META,
};

/* Relations an employee may declare; which of them are "close" is a domain
 * rule (relatives.c), not a validation rule. */
const char *const RELATIONS[] = {
    "parent", "child", "adoptive_parent", "adopted_child", "sibling", "half_sibling",
    "grandparent", "grandchild", "spouse", "sibling_in_law", "parent_in_law", "child_in_law",
    "other", NULL};

static const field_t RELATIVE_MEMBERS[] = {
    {.name = "employee_id", .type = FT_UUID, .flags = F_REQUIRED, .ref = "employees"},
    {.name = "relation", .type = FT_ENUM, .flags = F_REQUIRED, .values = RELATIONS},
};
static const field_t RELATIVE_ITEM = {.name = "relatives[]", .type = FT_OBJECT,
                                      .members = RELATIVE_MEMBERS,
                                      .nmembers = ARRAY_LEN(RELATIVE_MEMBERS)};

static const field_t EMPLOYEE_FIELDS[] = {
    FIELD_ID,
    {.name = "organization_id", .type = FT_UUID, .flags = F_REQUIRED | F_FILTER,
     .ref = "organizations"},
    {.name = "full_name", .type = FT_STRING, .flags = F_REQUIRED, .min = 1, .max = 300},
    {.name = "unit", .type = FT_STRING, .flags = F_NULLABLE | F_FILTER, .min = 1, .max = 300,
     .description = "Structural unit (department, ward)."},
    {.name = "position", .type = FT_STRING, .flags = F_NULLABLE, .min = 1, .max = 300},
    {.name = "email", .type = FT_STRING, .flags = F_NULLABLE, .min = 3, .max = 254,
     .format = FMT_EMAIL},
    {.name = "phone", .type = FT_STRING, .flags = F_NULLABLE, .min = 1, .max = 50,
     .description = "A telephone number to reach the employee at: a claim names the officer who "
                    "prepared it, with one (seed 004, 4.4 item 8)."},
    {.name = "unit_head", .type = FT_BOOL, .defval = "false",
     .description = "Heads their unit: the report as of December 25 goes to the heads of the "
                    "units whose employees answer for the administrator's receivables (seed 004, "
                    "3.5)."},
    {.name = "relatives", .type = FT_ARRAY, .min = 0, .max = 50, .items = &RELATIVE_ITEM,
     .child = "employee_relatives", .unique_member = "employee_id", .defval = "[]",
     .read_roles = ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_AUDITOR),
     .description = "Declared relatives among other employees, as this employee declared them; "
                    "each employee at most once. Only admin and auditor see or set it; other "
                    "roles get the employee without this member."},
    FIELDS_META,
};

static const field_t WEEKDAY_ITEM = {.name = "weekend_days[]", .type = FT_INT, .min = 1, .max = 7,
                                     .description = "ISO weekday: 1 = Monday … 7 = Sunday."};

static const field_t CALENDAR_FIELDS[] = {
    FIELD_ID,
    {.name = "jurisdiction", .type = FT_STRING, .flags = F_REQUIRED | F_FILTER, .min = 2, .max = 2,
     .format = FMT_UPPER, .description = "ISO 3166-1 alpha-2 country code; one calendar each."},
    {.name = "name", .type = FT_STRING, .flags = F_REQUIRED, .min = 1, .max = 200},
    {.name = "weekend_days", .type = FT_ARRAY, .flags = F_UNIQUE_ITEMS, .min = 0, .max = 3,
     .items = &WEEKDAY_ITEM, .defval = "[6, 7]"},
    FIELDS_META,
};

static const char *const DAY_KINDS[] = {"holiday", "working_day", NULL};

static const field_t CALENDAR_DAY_FIELDS[] = {
    FIELD_ID,
    {.name = "jurisdiction", .type = FT_STRING, .flags = F_REQUIRED | F_FILTER, .min = 2, .max = 2,
     .format = FMT_UPPER, .description = "The calendar this day belongs to."},
    {.name = "date", .type = FT_DATE, .flags = F_REQUIRED | F_RANGE},
    {.name = "kind", .type = FT_ENUM, .flags = F_REQUIRED | F_FILTER, .values = DAY_KINDS,
     .description = "holiday: a day off (public holiday or a moved day off); working_day: a "
                    "weekend day made a working day by a transfer."},
    {.name = "name", .type = FT_STRING, .flags = F_NULLABLE, .min = 1, .max = 200},
    FIELDS_META,
};

/* The Glass Account law's categories (seed 000; DESIGN §1.2). */
static const char *const DISCLOSURE_CATEGORIES[] = {
    "approved_budget", "budget_execution", "spending_decisions", "purchases_above_threshold",
    "transactions_above_threshold", "other", NULL};

static const field_t ORG_KIND_ITEM = {.name = "org_kinds[]", .type = FT_ENUM, .values = ORG_KINDS};

static const field_t DISCLOSURE_REQUIREMENT_FIELDS[] = {
    FIELD_ID,
    {.name = "code", .type = FT_STRING, .flags = F_REQUIRED | F_FILTER, .min = 1, .max = 64,
     .format = FMT_CODE, .description = "Short unique code, e.g. MN-GLASS-EXEC-M."},
    {.name = "name", .type = FT_STRING, .flags = F_REQUIRED, .min = 1, .max = 300},
    {.name = "category", .type = FT_ENUM, .flags = F_REQUIRED | F_FILTER,
     .values = DISCLOSURE_CATEGORIES},
    {.name = "jurisdiction", .type = FT_ENUM, .flags = F_REQUIRED | F_FILTER,
     .values = JURISDICTIONS, .description = "The country whose law requires it."},
    {.name = "org_kinds", .type = FT_ARRAY, .flags = F_REQUIRED | F_UNIQUE_ITEMS, .min = 1,
     .max = 13, .items = &ORG_KIND_ITEM,
     .description = "The organization kinds it applies to."},
    {.name = "frequency", .type = FT_ENUM, .flags = F_REQUIRED | F_FILTER, .values = FREQUENCIES,
     .description = "Monthly or quarterly; it applies to organizations that disclose at this "
                    "frequency (their disclosure_frequency)."},
    {.name = "due_day", .type = FT_INT, .min = 1, .max = 28, .defval = "15",
     .description = "Day of the month after the period by which it must be published "
                    "(inclusive, in the organization's time zone)."},
    {.name = "threshold_amount", .type = FT_MONEY, .flags = F_NULLABLE,
     .description = "For purchases and transactions: only those above this amount must be "
                    "disclosed (5,000,000 MNT in the law)."},
    {.name = "threshold_currency", .type = FT_ENUM, .flags = F_NULLABLE, .values = CURRENCIES},
    {.name = "active_from", .type = FT_DATE, .flags = F_REQUIRED,
     .description = "First day of the first period it applies to."},
    {.name = "active_to", .type = FT_DATE, .flags = F_NULLABLE,
     .description = "Last day of the last period it applies to; null: still in force."},
    FIELDS_META,
};

static const field_t DISCLOSURE_FIELDS[] = {
    FIELD_ID,
    {.name = "organization_id", .type = FT_UUID, .flags = F_REQUIRED | F_FILTER,
     .ref = "organizations"},
    {.name = "requirement_id", .type = FT_UUID, .flags = F_REQUIRED | F_FILTER,
     .ref = "disclosure-requirements"},
    {.name = "period", .type = FT_STRING, .flags = F_REQUIRED | F_FILTER, .min = 7, .max = 7,
     .format = FMT_PERIOD,
     .description = "The month (2026-10) or quarter (2026-Q3) disclosed, matching the "
                    "requirement's frequency."},
    {.name = "published_at", .type = FT_TIMESTAMP, .flags = F_REQUIRED | F_RANGE,
     .description = "When it appeared on the transparency site."},
    {.name = "reference", .type = FT_STRING, .flags = F_REQUIRED, .min = 1, .max = 1000,
     .description = "The URL or document number of the publication."},
    {.name = "amount", .type = FT_MONEY, .flags = F_NULLABLE,
     .description = "The amount disclosed, where the category has one."},
    {.name = "currency", .type = FT_ENUM, .flags = F_NULLABLE, .values = CURRENCIES},
    {.name = "note", .type = FT_STRING, .flags = F_NULLABLE, .min = 1, .max = 2000},
    FIELDS_META,
};

static const char *const RUN_STATUSES[] = {"pending", "running", "done", "skipped", "failed",
                                           NULL};
static const char *const MAIL_STATUSES[] = {"pending", "sending", "sent", "failed", NULL};

static const field_t JOB_RUN_FIELDS[] = {
    FIELD_ID,
    {.name = "kind", .type = FT_STRING, .flags = F_READONLY | F_FILTER, .min = 1, .max = 64,
     .description = "The job kind (GET /v1/jobs)."},
    {.name = "period", .type = FT_STRING, .flags = F_READONLY | F_FILTER, .min = 4, .max = 7,
     .format = FMT_PERIOD_ANY,
     .description = "The organization's local period the run is for: a month, a quarter or a "
                    "year."},
    {.name = "organization_id", .type = FT_UUID, .flags = F_READONLY | F_FILTER},
    {.name = "due_at", .type = FT_TIMESTAMP, .flags = F_READONLY | F_RANGE,
     .description = "The run's moment: its local day and time in the organization's zone."},
    {.name = "status", .type = FT_ENUM, .flags = F_READONLY | F_FILTER, .values = RUN_STATUSES,
     .description = "skipped: its moment passed beyond use (e.g. a reminder after the due day)."},
    {.name = "attempts", .type = FT_INT, .flags = F_READONLY, .min = 0, .max = INT32_MAX},
    {.name = "next_attempt_at", .type = FT_TIMESTAMP, .flags = F_READONLY},
    {.name = "lease_owner", .type = FT_STRING, .flags = F_READONLY | F_NULLABLE, .min = 1,
     .max = 300, .description = "The instance running it now, if any."},
    {.name = "result", .type = FT_JSON, .flags = F_READONLY | F_NULLABLE,
     .description = "What the run did, e.g. {\"mails\": 2, \"items\": 3}."},
    {.name = "last_error", .type = FT_STRING, .flags = F_READONLY | F_NULLABLE, .min = 1,
     .max = 2000},
    {.name = "finished_at", .type = FT_TIMESTAMP, .flags = F_READONLY | F_NULLABLE},
    FIELDS_META,
};

static const field_t NOTIFICATION_FIELDS[] = {
    FIELD_ID,
    {.name = "dedupe_key", .type = FT_STRING, .flags = F_READONLY, .min = 1, .max = 500,
     .description = "kind|period|organization|recipient|stage: one mail per decision."},
    {.name = "job_run_id", .type = FT_UUID, .flags = F_READONLY | F_NULLABLE | F_FILTER},
    {.name = "organization_id", .type = FT_UUID, .flags = F_READONLY | F_NULLABLE | F_FILTER},
    {.name = "recipient", .type = FT_STRING, .flags = F_READONLY | F_FILTER, .min = 3, .max = 254,
     .format = FMT_EMAIL},
    {.name = "locale", .type = FT_ENUM, .flags = F_READONLY, .values = LOCALES},
    {.name = "template", .type = FT_STRING, .flags = F_READONLY | F_FILTER, .min = 1, .max = 64},
    {.name = "subject", .type = FT_STRING, .flags = F_READONLY, .min = 1, .max = 1000},
    {.name = "body_text", .type = FT_STRING, .flags = F_READONLY, .min = 1, .max = 1000000},
    {.name = "body_html", .type = FT_STRING, .flags = F_READONLY | F_NULLABLE, .min = 1,
     .max = 1000000},
    {.name = "message_id", .type = FT_STRING, .flags = F_READONLY, .min = 3, .max = 300,
     .description = "Fixed with the row: every delivery attempt carries it."},
    {.name = "status", .type = FT_ENUM, .flags = F_READONLY | F_FILTER, .values = MAIL_STATUSES},
    {.name = "attempts", .type = FT_INT, .flags = F_READONLY, .min = 0, .max = INT32_MAX},
    {.name = "next_attempt_at", .type = FT_TIMESTAMP, .flags = F_READONLY},
    {.name = "last_reply", .type = FT_STRING, .flags = F_READONLY | F_NULLABLE, .min = 1,
     .max = 2000, .description = "The mail server's last answer."},
    {.name = "sent_at", .type = FT_TIMESTAMP, .flags = F_READONLY | F_NULLABLE},
    FIELDS_META,
};

/* A report the scheduler made, kept as it was made (0006_reports.sql). */
static const field_t REPORT_FIELDS[] = {
    FIELD_ID,
    {.name = "kind", .type = FT_STRING, .flags = F_READONLY | F_FILTER, .min = 1, .max = 64,
     .description = "The job kind that made it, e.g. disclosure_report (a supervisor's monthly "
                    "compliance report on its subordinates)."},
    {.name = "period", .type = FT_STRING, .flags = F_READONLY | F_FILTER, .min = 4, .max = 7,
     .format = FMT_PERIOD_ANY, .description = "The period it reports on: a month, a quarter or a "
                                              "year."},
    {.name = "organization_id", .type = FT_UUID, .flags = F_READONLY | F_FILTER,
     .description = "The organization it was made for (a supervisor, an administrator)."},
    {.name = "job_run_id", .type = FT_UUID, .flags = F_READONLY | F_NULLABLE | F_FILTER},
    {.name = "as_of", .type = FT_TIMESTAMP, .flags = F_READONLY | F_RANGE,
     .description = "The moment its figures are exact as of; later changes do not alter it."},
    {.name = "locale", .type = FT_ENUM, .flags = F_READONLY, .values = LOCALES,
     .description = "The language of its title and column headings: the organization's."},
    {.name = "title", .type = FT_STRING, .flags = F_READONLY, .min = 1, .max = 500},
    {.name = "columns", .type = FT_JSON, .flags = F_READONLY,
     .description = "[{\"key\": k, \"heading\": h}]: the columns in order, each with its "
                    "heading in the report's locale."},
    {.name = "rows", .type = FT_JSON, .flags = F_READONLY,
     .description = "One array of cells per row, in the order of columns: strings, integers "
                    "or null."},
    {.name = "summary", .type = FT_JSON, .flags = F_READONLY,
     .description = "Totals, e.g. the counts by status."},
    FIELDS_META,
};

static const char *const AUDIT_ACTIONS[] = {"create", "update", "delete", "revoke", NULL};

static const field_t API_KEY_FIELDS[] = {
    FIELD_ID,
    {.name = "prefix", .type = FT_STRING, .flags = F_READONLY | F_FILTER, .min = 1, .max = 32,
     .description = "The visible start of the token (prb_<prefix>_…), for telling keys apart."},
    {.name = "name", .type = FT_STRING, .flags = F_REQUIRED, .min = 1, .max = 200,
     .description = "Who or what holds the key."},
    {.name = "role", .type = FT_ENUM, .flags = F_REQUIRED | F_FILTER, .values = ROLE_NAMES},
    {.name = "organization_id", .type = FT_UUID, .flags = F_NULLABLE | F_FILTER,
     .ref = "organizations",
     .description = "Root of the subtree the key is bound to; null: every organization (only a "
                    "key that is itself bound to none may make such a key)."},
    {.name = "expires_at", .type = FT_TIMESTAMP, .flags = F_NULLABLE,
     .description = "After this instant the key is refused; null: no expiry."},
    {.name = "revoked_at", .type = FT_TIMESTAMP, .flags = F_READONLY | F_NULLABLE},
    {.name = "last_used_at", .type = FT_TIMESTAMP, .flags = F_READONLY | F_NULLABLE,
     .description = "Last successful use, to the minute."},
    {.name = "created_by", .type = FT_STRING, .flags = F_READONLY, .min = 1, .max = 160},
    FIELDS_META,
};

static const field_t AUDIT_EVENT_FIELDS[] = {
    FIELD_ID,
    {.name = "created_at", .type = FT_TIMESTAMP, .flags = F_READONLY | F_RANGE,
     .description = "When the change was made: the start of its transaction, to the "
                    "millisecond."},
    {.name = "actor", .type = FT_STRING, .flags = F_READONLY | F_FILTER, .min = 1, .max = 160,
     .description = "key:<prefix>, jwt:<subject>, cli or scheduler."},
    {.name = "role", .type = FT_ENUM, .flags = F_READONLY | F_FILTER, .values = ROLE_NAMES},
    {.name = "action", .type = FT_ENUM, .flags = F_READONLY | F_FILTER, .values = AUDIT_ACTIONS},
    {.name = "entity", .type = FT_STRING, .flags = F_READONLY | F_FILTER, .min = 1, .max = 64},
    {.name = "entity_id", .type = FT_UUID, .flags = F_READONLY | F_FILTER},
    {.name = "organization_id", .type = FT_UUID, .flags = F_READONLY | F_NULLABLE | F_FILTER,
     .description = "The organization the record belonged to; null for shared reference data."},
    {.name = "before", .type = FT_JSON, .flags = F_READONLY | F_NULLABLE,
     .description = "The record before the change; null for a create."},
    {.name = "after", .type = FT_JSON, .flags = F_READONLY | F_NULLABLE,
     .description = "The record after the change; null for a delete."},
    {.name = "request_id", .type = FT_STRING, .flags = F_READONLY | F_FILTER, .min = 1, .max = 128},
    {.name = "client_addr", .type = FT_STRING, .flags = F_READONLY | F_NULLABLE, .min = 1,
     .max = 64},
};

#define ENTITY(n, t, s, f) .name = n, .table = t, .schema = s, .fields = f, .nfields = ARRAY_LEN(f)

#define READ_ALL ROLES_ALL
#define ADMIN ROLE_BIT(ROLE_ADMIN)

static const entity_t ORGANIZATIONS = {
    ENTITY("organizations", "organizations", "Organization", ORGANIZATION_FIELDS),
    .ops = OPS_CRUD, .read_roles = READ_ALL, .write_roles = ADMIN,
    .scope_field = "parent_id", .scope_self = true};
static const entity_t EMPLOYEES = {
    ENTITY("employees", "employees", "Employee", EMPLOYEE_FIELDS),
    .ops = OPS_CRUD, .read_roles = READ_ALL, .write_roles = ADMIN | ROLE_BIT(ROLE_OFFICER),
    .scope_field = "organization_id"};
static const entity_t CALENDARS = {
    ENTITY("calendars", "calendars", "Calendar", CALENDAR_FIELDS),
    .ops = OPS_CRUD, .read_roles = READ_ALL, .write_roles = ADMIN};
static const entity_t CALENDAR_DAYS = {
    ENTITY("calendar-days", "calendar_days", "CalendarDay", CALENDAR_DAY_FIELDS),
    .ops = OPS_CRUD, .read_roles = READ_ALL, .write_roles = ADMIN};
/* The law is national: shared reference data, like the calendars. */
static const entity_t DISCLOSURE_REQUIREMENTS = {
    ENTITY("disclosure-requirements", "disclosure_requirements", "DisclosureRequirement",
           DISCLOSURE_REQUIREMENT_FIELDS),
    .ops = OPS_CRUD, .read_roles = READ_ALL, .write_roles = ADMIN};
static const entity_t DISCLOSURES = {
    ENTITY("disclosures", "disclosures", "Disclosure", DISCLOSURE_FIELDS),
    .ops = OPS_CRUD, .read_roles = READ_ALL, .write_roles = ADMIN | ROLE_BIT(ROLE_OFFICER),
    .scope_field = "organization_id"};
/* Created and revoked by their own handlers: the token exists only in the
 * create's answer, and a revoked key stays listed. */
static const entity_t API_KEYS = {
    ENTITY("api-keys", "api_keys", "ApiKey", API_KEY_FIELDS),
    .ops = OP_LIST | OP_GET | OP_CREATE | OP_DELETE, .read_roles = ADMIN, .write_roles = ADMIN,
    .scope_field = "organization_id"};
static const entity_t AUDIT_EVENTS = {
    ENTITY("audit-events", "audit_events", "AuditEvent", AUDIT_EVENT_FIELDS),
    .ops = OP_LIST | OP_GET, .read_roles = ADMIN | ROLE_BIT(ROLE_AUDITOR), .write_roles = 0,
    .scope_field = "organization_id", .scope_path = "org_path", .append_only = true};

/* Written by the scheduler only; read by those who answer for it. */
static const entity_t JOB_RUNS = {
    ENTITY("job-runs", "job_runs", "JobRun", JOB_RUN_FIELDS),
    .ops = OP_LIST | OP_GET, .read_roles = ADMIN | ROLE_BIT(ROLE_AUDITOR), .write_roles = 0,
    .scope_field = "organization_id"};
static const entity_t NOTIFICATIONS = {
    ENTITY("notifications", "notifications", "Notification", NOTIFICATION_FIELDS),
    .ops = OP_LIST | OP_GET, .read_roles = ADMIN, .write_roles = 0,
    .scope_field = "organization_id"};
/* Made by the scheduler, read within the subtree; GET /v1/reports/{id}
 * also answers CSV (report_handlers.c). */
static const entity_t REPORTS = {
    ENTITY("reports", "reports", "Report", REPORT_FIELDS),
    .ops = OP_LIST | OP_GET, .read_roles = READ_ALL, .write_roles = 0,
    .scope_field = "organization_id"};

/* ---- Receivables to the budget (seed 004; DESIGN §1.6) ----
 * The rules across rows and the regulation's transitions are
 * storage/collection_store.c's; these are the fields and who may touch
 * them. */

static const field_t INCOME_CODE_FIELDS[] = {
    FIELD_ID,
    {.name = "code", .type = FT_STRING, .flags = F_REQUIRED | F_FILTER, .min = 17, .max = 20,
     .format = FMT_DIGITS,
     .description = "Budget classification code of the income, e.g. 11100000000000000 (income from "
                    "the use of state and municipal property); unique within its jurisdiction."},
    {.name = "name", .type = FT_STRING, .flags = F_REQUIRED, .min = 1, .max = 500},
    {.name = "jurisdiction", .type = FT_ENUM, .flags = F_REQUIRED | F_FILTER,
     .values = JURISDICTIONS, .description = "The country whose budget classification it is."},
    FIELDS_META,
};

static const char *const DEBTOR_KINDS[] = {"legal", "natural", NULL};

static const field_t DEBTOR_FIELDS[] = {
    FIELD_ID,
    {.name = "organization_id", .type = FT_UUID, .flags = F_REQUIRED | F_FILTER,
     .ref = "organizations", .description = "The administrator that keeps this debtor's record."},
    {.name = "kind", .type = FT_ENUM, .flags = F_REQUIRED | F_FILTER, .values = DEBTOR_KINDS,
     .description = "legal: an organization; natural: a person."},
    {.name = "name", .type = FT_STRING, .flags = F_REQUIRED, .min = 1, .max = 500,
     .description = "Full name of the organization, or the person's full name."},
    {.name = "tax_number", .type = FT_STRING, .flags = F_NULLABLE | F_FILTER, .min = 1, .max = 32,
     .description = "Taxpayer number (ИНН, БИН/ИИН, регистрийн дугаар); unique among the "
                    "organization's debtors."},
    {.name = "registered_address", .type = FT_STRING, .flags = F_REQUIRED, .min = 1, .max = 1000,
     .description = "A person's address of registration, an organization's registered seat "
                    "(where a claim goes, 4.5)."},
    {.name = "actual_address", .type = FT_STRING, .flags = F_NULLABLE, .min = 1, .max = 1000,
     .description = "Where a person actually lives or an organization actually is, when it "
                    "differs (a claim goes there too, 4.5)."},
    {.name = "locale", .type = FT_ENUM, .flags = F_REQUIRED, .values = LOCALES,
     .description = "The language of the documents the debtor is sent."},
    {.name = "phone", .type = FT_STRING, .flags = F_NULLABLE, .min = 1, .max = 50},
    {.name = "email", .type = FT_STRING, .flags = F_NULLABLE, .min = 3, .max = 254,
     .format = FMT_EMAIL},
    {.name = "bankrupt", .type = FT_BOOL, .defval = "false",
     .description = "Bankruptcy proceedings have been opened against the debtor (3.3)."},
    {.name = "bankrupt_since", .type = FT_DATE, .flags = F_NULLABLE,
     .description = "When they were opened: required when bankrupt is true, null otherwise."},
    {.name = "enforcement_proceedings", .type = FT_BOOL, .defval = "false",
     .description = "Money is being recovered from the debtor in enforcement proceedings (3.3)."},
    FIELDS_META,
};

static const field_t RECEIVABLE_FIELDS[] = {
    FIELD_ID,
    {.name = "organization_id", .type = FT_UUID, .flags = F_REQUIRED | F_FILTER,
     .ref = "organizations",
     .description = "The administrator of the income, which keeps the receivable. It cannot "
                    "change once the receivable has payments, plans or collection actions."},
    {.name = "debtor_id", .type = FT_UUID, .flags = F_REQUIRED | F_FILTER, .ref = "debtors",
     .description = "A debtor kept by the administrator, one of its parents or subordinates."},
    {.name = "income_code_id", .type = FT_UUID, .flags = F_REQUIRED | F_FILTER,
     .ref = "income-codes", .description = "An income code of the administrator's jurisdiction."},
    {.name = "basis_document", .type = FT_STRING, .flags = F_REQUIRED, .min = 1, .max = 500,
     .description = "Name and number of the contract, act or decision the debt arises from."},
    {.name = "basis_date", .type = FT_DATE, .flags = F_REQUIRED,
     .description = "The date of the basis document."},
    {.name = "arose_on", .type = FT_DATE, .flags = F_REQUIRED | F_RANGE,
     .description = "The day the debt arose (Appendix 2, column 4)."},
    {.name = "due_date", .type = FT_DATE, .flags = F_REQUIRED | F_RANGE,
     .description = "The last day to pay on time; not before arose_on. The debt is overdue from "
                    "the day after, in the administrator's time zone."},
    {.name = "principal", .type = FT_MONEY, .flags = F_REQUIRED,
     .description = "The debt itself, without penalties and fines."},
    {.name = "penalties", .type = FT_MONEY, .defval = "\"0.00\"",
     .description = "Penalties (пени) charged on it."},
    {.name = "fines", .type = FT_MONEY, .defval = "\"0.00\"",
     .description = "Fines and other sanctions (штрафы)."},
    {.name = "currency", .type = FT_ENUM, .flags = F_REQUIRED, .values = CURRENCIES,
     .description = "ISO 4217; the administrator's currency, in which its budget is kept."},
    {.name = "paid_amount", .type = FT_MONEY, .flags = F_READONLY,
     .description = "The sum of the receivable's payments."},
    {.name = "balance", .type = FT_MONEY, .flags = F_READONLY,
     .description = "What is still owed: principal + penalties + fines - paid_amount."},
    {.name = "status", .type = FT_ENUM, .flags = F_REQUIRED | F_PATCH_ONLY | F_FILTER,
     .values = COLLECTION_STATUS_NAMES,
     .description = "Where collection stands. Set by the server on create (current, or overdue "
                    "when due_date has passed); collection actions and payments move it; a PATCH "
                    "may make the moves no action makes (overdue, doubtful, hopeless, "
                    "written_off, back to overdue from doubtful, paid at a zero balance), each "
                    "checked against the regulation (409 naming the rule otherwise)."},
    {.name = "status_reason", .type = FT_STRING, .flags = F_NULLABLE, .min = 1, .max = 2000,
     .description = "The ground of the last status decision; doubtful, hopeless and written_off "
                    "need one, sent with the status it justifies."},
    {.name = "status_since", .type = FT_DATE, .flags = F_READONLY | F_RULE_SET | F_RANGE,
     .description = "The administrator's local day the status was reached (for overdue, the "
                    "first day overdue; for paid, the day the balance reached zero)."},
    {.name = "claim_waived", .type = FT_BOOL, .defval = "false",
     .description = "The contract provides for no claim: the debt goes to court 30 days after it "
                    "became overdue (4.4)."},
    {.name = "voluntary_days", .type = FT_INT, .flags = F_NULLABLE, .min = 1, .max = 366,
     .description = "The contract's own period for voluntary payment after a claim; null: the "
                    "regulation's 30 calendar days (4.5)."},
    {.name = "payment_details", .type = FT_STRING, .flags = F_REQUIRED, .min = 1, .max = 2000,
     .description = "The details for paying the debt (реквизиты), as the claim states them "
                    "(4.4 item 7)."},
    {.name = "responsible_employee_id", .type = FT_UUID, .flags = F_NULLABLE | F_FILTER,
     .ref = "employees",
     .description = "The officer answering for its collection: an employee of the administrator, "
                    "one of its parents or subordinates."},
    FIELDS_META,
};

/* A receivable's child: its organization is the receivable's (scope_from). */
#define FIELDS_OF_RECEIVABLE                                                                    \
    {.name = "receivable_id", .type = FT_UUID, .flags = F_REQUIRED | F_FILTER,                 \
     .ref = "receivables"},                                                                     \
    {.name = "organization_id", .type = FT_UUID, .flags = F_READONLY | F_RULE_SET | F_FILTER,  \
     .ref = "organizations", .description = "The receivable's administrator."}

static const field_t PAYMENT_FIELDS[] = {
    FIELD_ID,
    FIELDS_OF_RECEIVABLE,
    {.name = "paid_on", .type = FT_DATE, .flags = F_REQUIRED | F_RANGE,
     .description = "The day the money was paid; not in the future."},
    {.name = "amount", .type = FT_MONEY, .flags = F_REQUIRED,
     .description = "More than zero, and not more than the receivable's balance."},
    {.name = "currency", .type = FT_ENUM, .flags = F_REQUIRED, .values = CURRENCIES,
     .description = "The receivable's currency."},
    {.name = "document", .type = FT_STRING, .flags = F_REQUIRED, .min = 1, .max = 200,
     .description = "The payment order's number."},
    FIELDS_META,
};

static const field_t INSTALLMENT_LINE_MEMBERS[] = {
    {.name = "due_on", .type = FT_DATE, .flags = F_REQUIRED},
    {.name = "amount", .type = FT_MONEY, .flags = F_REQUIRED,
     .description = "The part of the debt due that day; more than zero."},
    {.name = "interest", .type = FT_MONEY,
     .description = "Interest charged for the deferral, where granted; absent: \"0.00\"."},
};
static const field_t INSTALLMENT_LINE_ITEM = {.name = "lines[]", .type = FT_OBJECT,
                                              .members = INSTALLMENT_LINE_MEMBERS,
                                              .nmembers = ARRAY_LEN(INSTALLMENT_LINE_MEMBERS)};

static const field_t INSTALLMENT_PLAN_FIELDS[] = {
    FIELD_ID,
    FIELDS_OF_RECEIVABLE,
    {.name = "granted_on", .type = FT_DATE, .flags = F_REQUIRED,
     .description = "The day the deferral or installments were granted; not in the future."},
    {.name = "decision_document", .type = FT_STRING, .flags = F_REQUIRED, .min = 1, .max = 500,
     .description = "Name and number of the decision granting it (4.1 item 3)."},
    {.name = "lines", .type = FT_ARRAY, .flags = F_REQUIRED, .min = 1, .max = 120,
     .items = &INSTALLMENT_LINE_ITEM,
     .description = "The schedule: due_on strictly increasing, none before granted_on; the "
                    "amounts add up to the receivable's balance when the schedule is written."},
    FIELDS_META,
};

/* The steps of sections 4-7. Which status each one leads to is a rule
 * (collection_store.c ACTION_RULES), stated there by these names. */
static const char *const ACTION_KINDS[] = {
    "claim", "memo", "court_decision", "lawsuit", "judgment", "enforcement_decision",
    "document_received", "enforcement_sent", "appeal", "other", NULL};
static const char *const ACTION_TARGETS[] = {"bank", "bailiffs", NULL};

static const field_t COLLECTION_ACTION_FIELDS[] = {
    FIELD_ID,
    FIELDS_OF_RECEIVABLE,
    {.name = "kind", .type = FT_ENUM, .flags = F_REQUIRED | F_FILTER, .values = ACTION_KINDS,
     .description = "claim (4.2), memo to the head (6.1), court_decision: the head's decision to "
                    "go to court (6.2), lawsuit (6.3), judgment in force (5.5), "
                    "enforcement_decision: the head's instruction to send the enforcement "
                    "document to the bank (6.4) or the bailiffs (6.5), document_received (7.1), "
                    "enforcement_sent (6.6, 7.1), appeal (5.4, 7.3), other. The first six move "
                    "the receivable's status, and only as the regulation allows."},
    {.name = "target", .type = FT_ENUM, .flags = F_NULLABLE, .values = ACTION_TARGETS,
     .description = "Where the enforcement document goes: required for enforcement_decision "
                    "and enforcement_sent, null for every other kind."},
    {.name = "done_on", .type = FT_DATE, .flags = F_REQUIRED | F_RANGE,
     .description = "The day it was done, in the administrator's time zone; not in the future, "
                    "and for a step that moves the status not before the receivable's last "
                    "step."},
    {.name = "document_number", .type = FT_STRING, .flags = F_NULLABLE, .min = 1, .max = 200,
     .description = "The outgoing number of the claim or memo, the case number, the document's "
                    "number."},
    {.name = "responsible_employee_id", .type = FT_UUID, .flags = F_REQUIRED | F_FILTER,
     .ref = "employees",
     .description = "Who did it: an employee of the administrator, one of its parents or "
                    "subordinates."},
    {.name = "outcome", .type = FT_STRING, .flags = F_NULLABLE, .min = 1, .max = 2000},
    {.name = "bank_found_no_funds", .type = FT_BOOL, .defval = "false",
     .description = "The bank reported no funds on the debtor's accounts, an arrest on them or "
                    "suspended operations: the document may go to the bailiffs (6.5)."},
    FIELDS_META,
};

#define COLLECTORS (ADMIN | ROLE_BIT(ROLE_OFFICER))
/* A ministry system posts receivables and their payments (issue 5), and
 * changes nothing afterwards. */
#define POSTERS (COLLECTORS | ROLE_BIT(ROLE_INTEGRATION))

/* Budget classification is national: shared reference data. */
static const entity_t INCOME_CODES = {
    ENTITY("income-codes", "income_codes", "IncomeCode", INCOME_CODE_FIELDS),
    .ops = OPS_CRUD, .read_roles = READ_ALL, .write_roles = ADMIN};
static const entity_t DEBTORS = {
    ENTITY("debtors", "debtors", "Debtor", DEBTOR_FIELDS),
    .ops = OPS_CRUD, .read_roles = READ_ALL, .write_roles = COLLECTORS,
    .scope_field = "organization_id"};
static const entity_t RECEIVABLES = {
    ENTITY("receivables", "receivables", "Receivable", RECEIVABLE_FIELDS),
    .ops = OPS_CRUD, .read_roles = READ_ALL, .write_roles = COLLECTORS, .create_roles = POSTERS,
    .scope_field = "organization_id"};
/* A financial record: created and read, never changed or deleted. */
static const entity_t PAYMENTS = {
    ENTITY("payments", "payments", "Payment", PAYMENT_FIELDS),
    .ops = OP_LIST | OP_GET | OP_CREATE, .read_roles = READ_ALL, .write_roles = COLLECTORS,
    .create_roles = POSTERS, .scope_field = "organization_id", .scope_from = "receivable_id"};
static const entity_t INSTALLMENT_PLANS = {
    ENTITY("installment-plans", "installment_plans", "InstallmentPlan", INSTALLMENT_PLAN_FIELDS),
    .ops = OPS_CRUD, .read_roles = READ_ALL, .write_roles = COLLECTORS,
    .scope_field = "organization_id", .scope_from = "receivable_id"};
/* The evidence of the receivable's moves: corrected by PATCH, never deleted. */
static const entity_t COLLECTION_ACTIONS = {
    ENTITY("collection-actions", "collection_actions", "CollectionAction",
           COLLECTION_ACTION_FIELDS),
    .ops = OP_LIST | OP_GET | OP_CREATE | OP_PATCH, .read_roles = READ_ALL,
    .write_roles = COLLECTORS, .scope_field = "organization_id", .scope_from = "receivable_id"};

const entity_t *const REGISTRY[] = {&ORGANIZATIONS, &EMPLOYEES, &CALENDARS, &CALENDAR_DAYS,
                                    &API_KEYS, &AUDIT_EVENTS, &DISCLOSURE_REQUIREMENTS,
                                    &DISCLOSURES, &JOB_RUNS, &NOTIFICATIONS, &REPORTS,
                                    &INCOME_CODES, &DEBTORS, &RECEIVABLES, &PAYMENTS,
                                    &INSTALLMENT_PLANS, &COLLECTION_ACTIONS};
const size_t REGISTRY_COUNT = ARRAY_LEN(REGISTRY);

const entity_t *registry_find(const char *name)
{
    for (size_t i = 0; i < REGISTRY_COUNT; i++)
        if (strcmp(REGISTRY[i]->name, name) == 0)
            return REGISTRY[i];
    return NULL;
}

int registry_field_index(const entity_t *e, const char *name)
{
    for (size_t i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].name, name) == 0)
            return (int)i;
    return -1;
}

const field_t *registry_field(const entity_t *e, const char *name)
{
    int i = registry_field_index(e, name);
    return i < 0 ? NULL : &e->fields[i];
}
