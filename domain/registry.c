/* Entity descriptions. Every field rule a client can break is stated here and
 * nowhere else; the OpenAPI document must agree (tests/integration checks). */
#include "registry.h"

#include "authz.h"

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
    {.name = "period", .type = FT_STRING, .flags = F_READONLY | F_FILTER, .min = 7, .max = 7,
     .format = FMT_PERIOD, .description = "The organization's local period the run is for."},
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
    {.name = "period", .type = FT_STRING, .flags = F_READONLY | F_FILTER, .min = 7, .max = 7,
     .format = FMT_PERIOD, .description = "The period it reports on."},
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
     .description = "key:<prefix>, jwt:<subject> or cli."},
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

const entity_t *const REGISTRY[] = {&ORGANIZATIONS, &EMPLOYEES, &CALENDARS, &CALENDAR_DAYS,
                                    &API_KEYS, &AUDIT_EVENTS, &DISCLOSURE_REQUIREMENTS,
                                    &DISCLOSURES, &JOB_RUNS, &NOTIFICATIONS, &REPORTS};
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
