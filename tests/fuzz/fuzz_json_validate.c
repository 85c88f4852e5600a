/* libFuzzer target: a request body along the path POST and PATCH give it —
 * jsonin_parse_object, then for every registry entity validate_create (on a
 * copy), validate_patch_keys, merge_patch onto a stored document and
 * validate_merged. Besides crashes, sanitizer reports and leaks, it aborts
 * when a validator's verdict and the error it fills disagree. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "domain/error.h"
#include "domain/jsonin.h"
#include "domain/mergepatch.h"
#include "domain/registry.h"
#include "domain/validate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One stored document per entity, as GET returns it (the schema examples in
 * openapi/openapi.json). The merge patch applies to these. */
static const struct {
    const char *entity;
    const char *json;
} STORED_JSON[] = {
    {"organizations",
     "{\"id\": \"00000000-0000-4000-8000-000000000101\", \"parent_id\": null, \"code\": \"MN-KHU\","
     " \"name\": \"\\u0425\\u0430\\u043d-\\u0423\\u0443\\u043b \\u0434\\u04af\\u04af\\u0440\\u0433"
     "\\u0438\\u0439\\u043d \\u0417\\u0430\\u0441\\u0430\\u0433 \\u0434\\u0430\\u0440\\u0433\\u044b"
     "\\u043d \\u0422\\u0430\\u043c\\u0433\\u044b\\u043d \\u0433\\u0430\\u0437\\u0430\\u0440\","
     " \"kind\": \"district_administration\", \"jurisdiction\": \"MN\","
     " \"timezone\": \"Asia/Ulaanbaatar\", \"locale\": \"mn\", \"currency\": \"MNT\","
     " \"disclosure_frequency\": \"monthly\","
     " \"contact_emails\": [\"info@khan-uul.example.mn\", \"finance@khan-uul.example.mn\"],"
     " \"created_at\": \"2026-01-12T01:30:00.000Z\", \"updated_at\": \"2026-01-12T01:30:00.000Z\","
     " \"version\": 1}"},
    {"employees",
     "{\"id\": \"00000000-0000-4000-8000-000000000224\","
     " \"organization_id\": \"00000000-0000-4000-8000-000000000121\","
     " \"full_name\": \"\\u0421\\u0438\\u0434\\u043e\\u0440\\u0435\\u043d\\u043a\\u043e \\u041e"
     "\\u043b\\u044c\\u0433\\u0430\", \"unit\": \"Therapy\", \"position\": \"Nurse\","
     " \"email\": \"o.sidorenko@srb-hospital.example.kz\","
     " \"relatives\": [{\"employee_id\": \"00000000-0000-4000-8000-000000000223\","
     " \"relation\": \"child\"}],"
     " \"created_at\": \"2026-01-12T01:30:00.000Z\", \"updated_at\": \"2026-01-12T01:30:00.000Z\","
     " \"version\": 3}"},
    {"calendars",
     "{\"id\": \"8220a329-e979-4605-afa2-233ecc8966bc\", \"jurisdiction\": \"RU\","
     " \"name\": \"\\u041f\\u0440\\u043e\\u0438\\u0437\\u0432\\u043e\\u0434\\u0441\\u0442\\u0432"
     "\\u0435\\u043d\\u043d\\u044b\\u0439 \\u043a\\u0430\\u043b\\u0435\\u043d\\u0434\\u0430\\u0440"
     "\\u044c\", \"weekend_days\": [6, 7], \"created_at\": \"2026-01-12T01:29:58.671Z\","
     " \"updated_at\": \"2026-01-12T01:29:58.671Z\", \"version\": 1}"},
    {"calendar-days",
     "{\"id\": \"bc8556b5-27a1-4717-a867-73c7c80487be\", \"jurisdiction\": \"RU\","
     " \"date\": \"2026-12-31\", \"kind\": \"holiday\", \"name\": \"New Year's Eve\","
     " \"created_at\": \"2026-01-12T01:29:59.102Z\", \"updated_at\": \"2026-01-12T01:29:59.102Z\","
     " \"version\": 1}"},
    {"api-keys",
     "{\"id\": \"6b1f0c9e-2d4a-4c55-9a0e-1f2b3c4d5e6f\", \"prefix\": \"k3v9q2m7x1ab\","
     " \"name\": \"Ministry of Finance sync\", \"role\": \"integration\","
     " \"organization_id\": \"00000000-0000-4000-8000-000000000101\","
     " \"expires_at\": \"2027-06-30T00:00:00.000Z\", \"revoked_at\": null,"
     " \"last_used_at\": \"2026-11-20T08:15:00.000Z\", \"created_by\": \"cli\","
     " \"created_at\": \"2026-11-01T09:00:00.000Z\", \"updated_at\": \"2026-11-01T09:00:00.000Z\","
     " \"version\": 1}"},
    {"audit-events",
     "{\"id\": \"019a8f3e-5c21-7a4b-8c3d-2e1f0a9b8c7d\", \"created_at\": \"2026-11-20T08:15:00.123Z\","
     " \"actor\": \"key:k3v9q2m7x1ab\", \"role\": \"admin\", \"action\": \"update\","
     " \"entity\": \"organizations\", \"entity_id\": \"00000000-0000-4000-8000-000000000101\","
     " \"organization_id\": \"00000000-0000-4000-8000-000000000101\","
     " \"before\": {\"name\": \"Old\"}, \"after\": {\"name\": \"New\"},"
     " \"request_id\": \"8da9af03-8aa6-4154-8be4-90fdf090c535\", \"client_addr\": \"127.0.0.1\"}"},
    {"disclosure-requirements",
     "{\"id\": \"00000000-0000-4000-8000-000000000404\", \"code\": \"MN-GLASS-PURCHASES\","
     " \"name\": \"Purchases above the threshold\", \"category\": \"purchases_above_threshold\","
     " \"jurisdiction\": \"MN\", \"org_kinds\": [\"budget_institution\", \"authority\"],"
     " \"frequency\": \"monthly\", \"due_day\": 15, \"threshold_amount\": \"5000000.00\","
     " \"threshold_currency\": \"MNT\", \"active_from\": \"2015-01-01\", \"active_to\": null,"
     " \"created_at\": \"2026-01-12T01:30:00.000Z\", \"updated_at\": \"2026-01-12T01:30:00.000Z\","
     " \"version\": 1}"},
    {"disclosures",
     "{\"id\": \"5b0e7a8c-1d2f-4e3a-9b4c-6d7e8f9a0b1c\","
     " \"organization_id\": \"00000000-0000-4000-8000-000000000103\","
     " \"requirement_id\": \"00000000-0000-4000-8000-000000000404\", \"period\": \"2026-10\","
     " \"published_at\": \"2026-11-12T02:07:00.000Z\","
     " \"reference\": \"https://shilendans.gov.mn/org/MN-KHU-S26/2026-10/MN-GLASS-PURCHASES\","
     " \"amount\": \"12500000.00\", \"currency\": \"MNT\", \"note\": null,"
     " \"created_at\": \"2026-11-12T02:07:00.000Z\", \"updated_at\": \"2026-11-12T02:07:00.000Z\","
     " \"version\": 1}"},
    {"job-runs",
     "{\"id\": \"7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d\", \"kind\": \"disclosure_reminder_1\","
     " \"period\": \"2026-10\", \"organization_id\": \"00000000-0000-4000-8000-000000000107\","
     " \"due_at\": \"2026-11-10T01:00:00.000Z\", \"status\": \"done\", \"attempts\": 1,"
     " \"next_attempt_at\": \"2026-11-10T01:00:00.000Z\", \"lease_owner\": null,"
     " \"result\": {\"mails\": 1, \"items\": 2}, \"last_error\": null,"
     " \"finished_at\": \"2026-11-10T01:00:02.120Z\", \"created_at\": \"2026-11-10T01:00:00.410Z\","
     " \"updated_at\": \"2026-11-10T01:00:02.120Z\", \"version\": 3}"},
    {"notifications",
     "{\"id\": \"2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f\","
     " \"dedupe_key\": \"disclosure_reminder_1|2026-10|00000000-0000-4000-8000-000000000107|kg73@khan-uul.example.mn|first\","
     " \"job_run_id\": \"7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d\","
     " \"organization_id\": \"00000000-0000-4000-8000-000000000107\","
     " \"recipient\": \"kg73@khan-uul.example.mn\", \"locale\": \"mn\","
     " \"template\": \"disclosure_reminder\", \"subject\": \"Reminder\", \"body_text\": \"Text\","
     " \"body_html\": \"<p>Text</p>\", \"message_id\": \"0f1e2d3c4b5a69788796a5b4c3d2e1f0@probity.local\","
     " \"status\": \"pending\", \"attempts\": 0, \"next_attempt_at\": \"2026-11-10T01:00:02.120Z\","
     " \"last_reply\": null, \"sent_at\": null, \"created_at\": \"2026-11-10T01:00:02.120Z\","
     " \"updated_at\": \"2026-11-10T01:00:02.120Z\", \"version\": 1}"},
    {"reports",
     "{\"id\": \"3bc3c9b5-5342-4ace-bdce-1bc779f1b8d4\", \"kind\": \"receivables_inventory\", \""
     "period\": \"2026-Q3\", \"organization_id\": \"00000000-0000-4000-8000-000000000130\", \"jo"
     "b_run_id\": \"9ccf39ba-b2e5-42aa-be6a-bd37ab85d80a\", \"as_of\": \"2026-10-01T06:00:00.021"
     "Z\", \"locale\": \"ru\", \"title\": \"\\u0421\\u0432\\u0435\\u0434\\u0435\\u043d\\u0438\\u"
     "044f (\\u043e\\u0442\\u0447\\u0435\\u0442) \\u043e \\u0441\\u043e\\u0441\\u0442\\u043e\\u0"
     "44f\\u043d\\u0438\\u0438 \\u043f\\u0440\\u043e\\u0441\\u0440\\u043e\\u0447\\u0435\\u043d\\u"
     "043d\\u043e\\u0439 \\u0437\\u0430\\u0434\\u043e\\u043b\\u0436\\u0435\\u043d\\u043d\\u043e\\u"
     "0441\\u0442\\u0438, 2026-09-30: \\u0410\\u0434\\u043c\\u0438\\u043d\\u0438\\u0441\\u0442\\u"
     "0440\\u0430\\u0446\\u0438\\u044f \\u043c\\u0443\\u043d\\u0438\\u0446\\u0438\\u043f\\u0430\\u"
     "043b\\u044c\\u043d\\u043e\\u0433\\u043e \\u043e\\u0431\\u0440\\u0430\\u0437\\u043e\\u0432\\u"
     "0430\\u043d\\u0438\\u044f \\u00ab\\u041c\\u0443\\u043d\\u0438\\u0446\\u0438\\u043f\\u0430\\u"
     "043b\\u044c\\u043d\\u044b\\u0439 \\u043e\\u043a\\u0440\\u0443\\u0433 \\u041a\\u0435\\u0437"
     "\\u0441\\u043a\\u0438\\u0439 \\u0440\\u0430\\u0439\\u043e\\u043d \\u0423\\u0434\\u043c\\u0"
     "443\\u0440\\u0442\\u0441\\u043a\\u043e\\u0439 \\u0420\\u0435\\u0441\\u043f\\u0443\\u0431\\u"
     "043b\\u0438\\u043a\\u0438\\u00bb\", \"columns\": [{\"key\": \"admin_code\", \"heading\": \""
     "\\u041a\\u043e\\u0434 \\u0433\\u043b\\u0430\\u0432\\u043d\\u043e\\u0433\\u043e \\u0430\\u0"
     "434\\u043c\\u0438\\u043d\\u0438\\u0441\\u0442\\u0440\\u0430\\u0442\\u043e\\u0440\\u0430 \\u"
     "0434\\u043e\\u0445\\u043e\\u0434\\u043e\\u0432 \\u0431\\u044e\\u0434\\u0436\\u0435\\u0442\\u"
     "0430\"}, {\"key\": \"income_code\", \"heading\": \"\\u041a\\u043e\\u0434 \\u0432 \\u0441\\u"
     "043e\\u043e\\u0442\\u0432\\u0435\\u0442\\u0441\\u0442\\u0432\\u0438\\u0438 \\u0441 \\u0431"
     "\\u044e\\u0434\\u0436\\u0435\\u0442\\u043d\\u043e\\u0439 \\u043a\\u043b\\u0430\\u0441\\u04"
     "41\\u0438\\u0444\\u0438\\u043a\\u0430\\u0446\\u0438\\u0435\\u0439\"}, {\"key\": \"debtor\""
     ", \"heading\": \"\\u041d\\u0430\\u0438\\u043c\\u0435\\u043d\\u043e\\u0432\\u0430\\u043d\\u"
     "0438\\u0435 \\u0434\\u0435\\u0431\\u0438\\u0442\\u043e\\u0440\\u0430 (\\u043a\\u0440\\u043"
     "5\\u0434\\u0438\\u0442\\u043e\\u0440\\u0430)\"}, {\"key\": \"arose_on\", \"heading\": \"\\u"
     "0414\\u0430\\u0442\\u0430 \\u0432\\u043e\\u0437\\u043d\\u0438\\u043a\\u043d\\u043e\\u0432\\u"
     "0435\\u043d\\u0438\\u044f \\u0437\\u0430\\u0434\\u043e\\u043b\\u0436\\u0435\\u043d\\u043d\\u"
     "043e\\u0441\\u0442\\u0438\"}, {\"key\": \"debt_start\", \"type\": \"money\", \"heading\": "
     "\"\\u0421\\u0443\\u043c\\u043c\\u0430 \\u0437\\u0430\\u0434\\u043e\\u043b\\u0436\\u0435\\u"
     "043d\\u043d\\u043e\\u0441\\u0442\\u0438 \\u043d\\u0430 \\u043d\\u0430\\u0447\\u0430\\u043b"
     "\\u043e \\u0433\\u043e\\u0434\\u0430, \\u0440\\u0443\\u0431\\u043b\\u0435\\u0439\"}, {\"ke"
     "y\": \"debt_end\", \"type\": \"money\", \"heading\": \"\\u0421\\u0443\\u043c\\u043c\\u0430"
     " \\u0437\\u0430\\u0434\\u043e\\u043b\\u0436\\u0435\\u043d\\u043d\\u043e\\u0441\\u0442\\u04"
     "38 \\u043d\\u0430 \\u043a\\u043e\\u043d\\u0435\\u0446 \\u043e\\u0442\\u0447\\u0435\\u0442\\u"
     "043d\\u043e\\u0433\\u043e \\u043f\\u0435\\u0440\\u0438\\u043e\\u0434\\u0430 \\u043d\\u0430"
     "\\u0440\\u0430\\u0441\\u0442\\u0430\\u044e\\u0449\\u0438\\u043c \\u0438\\u0442\\u043e\\u04"
     "33\\u043e\\u043c \\u0441 \\u043d\\u0430\\u0447\\u0430\\u043b\\u0430 \\u0433\\u043e\\u0434\\u"
     "0430, \\u0440\\u0443\\u0431\\u043b\\u0435\\u0439\"}, {\"key\": \"change\", \"type\": \"mon"
     "ey\", \"heading\": \"\\u0414\\u0438\\u043d\\u0430\\u043c\\u0438\\u043a\\u0430 \\u0437\\u04"
     "30\\u0434\\u043e\\u043b\\u0436\\u0435\\u043d\\u043d\\u043e\\u0441\\u0442\\u0438 \\u0432 \\u"
     "0430\\u0431\\u0441\\u043e\\u043b\\u044e\\u0442\\u043d\\u043e\\u0439 \\u0441\\u0443\\u043c\\u"
     "043c\\u0435 (\\u0433\\u0440.6-\\u0433\\u0440.5)\"}, {\"key\": \"ratio\", \"type\": \"decim"
     "al\", \"heading\": \"\\u0414\\u0438\\u043d\\u0430\\u043c\\u0438\\u043a\\u0430 \\u0437\\u04"
     "30\\u0434\\u043e\\u043b\\u0436\\u0435\\u043d\\u043d\\u043e\\u0441\\u0442\\u0438 \\u0432 \\u"
     "043a\\u043e\\u044d\\u0444\\u0444\\u0438\\u0446\\u0438\\u0435\\u043d\\u0442\\u0430\\u0445 ("
     "\\u0433\\u0440.6/\\u0433\\u0440.5)\"}, {\"key\": \"marks\", \"heading\": \"\\u041e\\u0442\\u"
     "043c\\u0435\\u0442\\u043a\\u0438\"}, {\"key\": \"doubtful\", \"heading\": \"\\u041a\\u0430"
     "\\u043d\\u0434\\u0438\\u0434\\u0430\\u0442 \\u0432 \\u0441\\u043e\\u043c\\u043d\\u0438\\u0"
     "442\\u0435\\u043b\\u044c\\u043d\\u0443\\u044e \\u0437\\u0430\\u0434\\u043e\\u043b\\u0436\\u"
     "0435\\u043d\\u043d\\u043e\\u0441\\u0442\\u044c\"}], \"rows\": [[\"RU-KEZ\", \"113000000000"
     "00000\", \"\\u0421\\u0438\\u0434\\u043e\\u0440\\u043e\\u0432 \\u041f\\u0451\\u0442\\u0440 "
     "\\u0418\\u0432\\u0430\\u043d\\u043e\\u0432\\u0438\\u0447\", \"2026-06-10\", \"0.00\", \"45"
     "600.00\", \"45600.00\", null, null, null], [\"RU-KEZ\", \"11600000000000000\", \"\\u041e\\u"
     "041e\\u041e \\u00ab\\u0410\\u0433\\u0440\\u043e\\u0445\\u043e\\u043b\\u0434\\u0438\\u043d\\u"
     "0433 \\u041a\\u0435\\u0437\\u00bb\", \"2026-03-05\", \"0.00\", \"50000.00\", \"50000.00\","
     " null, \"\\u0431\\u0430\\u043d\\u043a\\u0440\\u043e\\u0442\\u0441\\u0442\\u0432\\u043e\", "
     "\"\\u0434\\u0430\"]], \"summary\": {\"change\": \"115600.00\", \"debt_end\": \"115600.00\""
     ", \"debt_start\": \"0.00\", \"receivables\": 3, \"doubtful_debtors\": [\"\\u041e\\u041e\\u"
     "041e \\u00ab\\u0410\\u0433\\u0440\\u043e\\u0445\\u043e\\u043b\\u0434\\u0438\\u043d\\u0433 "
     "\\u041a\\u0435\\u0437\\u00bb\"], \"doubtful_candidates\": 1}, \"created_at\": \"2026-11-22"
     "T07:58:53.677Z\", \"updated_at\": \"2026-11-22T07:58:53.677Z\", \"version\": 1}"},
    {"income-codes",
     "{\"id\": \"00000000-0000-4000-8000-000000000501\", \"code\": \"11100000000000000\", \"name"
     "\": \"\\u0414\\u043e\\u0445\\u043e\\u0434\\u044b \\u043e\\u0442 \\u0438\\u0441\\u043f\\u04"
     "3e\\u043b\\u044c\\u0437\\u043e\\u0432\\u0430\\u043d\\u0438\\u044f \\u0438\\u043c\\u0443\\u"
     "0449\\u0435\\u0441\\u0442\\u0432\\u0430, \\u043d\\u0430\\u0445\\u043e\\u0434\\u044f\\u0449"
     "\\u0435\\u0433\\u043e\\u0441\\u044f \\u0432 \\u0433\\u043e\\u0441\\u0443\\u0434\\u0430\\u0"
     "440\\u0441\\u0442\\u0432\\u0435\\u043d\\u043d\\u043e\\u0439 \\u0438 \\u043c\\u0443\\u043d\\u"
     "0438\\u0446\\u0438\\u043f\\u0430\\u043b\\u044c\\u043d\\u043e\\u0439 \\u0441\\u043e\\u0431\\u"
     "0441\\u0442\\u0432\\u0435\\u043d\\u043d\\u043e\\u0441\\u0442\\u0438\", \"jurisdiction\": \""
     "RU\", \"created_at\": \"2026-11-22T07:58:53.633Z\", \"updated_at\": \"2026-11-22T07:58:53."
     "633Z\", \"version\": 1}"},
    {"debtors",
     "{\"id\": \"00000000-0000-4000-8000-000000000601\", \"organization_id\": \"00000000-0000-40"
     "00-8000-000000000133\", \"kind\": \"legal\", \"name\": \"\\u041e\\u041e\\u041e \\u00ab\\u0"
     "41a\\u0435\\u0437\\u0441\\u043a\\u0438\\u0439 \\u043b\\u0435\\u0441\\u043e\\u043a\\u043e\\u"
     "043c\\u0431\\u0438\\u043d\\u0430\\u0442\\u00bb\", \"tax_number\": \"1812004517\", \"regist"
     "ered_address\": \"427580, \\u0423\\u0434\\u043c\\u0443\\u0440\\u0442\\u0441\\u043a\\u0430\\u"
     "044f \\u0420\\u0435\\u0441\\u043f\\u0443\\u0431\\u043b\\u0438\\u043a\\u0430, \\u043f. \\u0"
     "41a\\u0435\\u0437, \\u0443\\u043b. \\u041a\\u0438\\u0440\\u043e\\u0432\\u0430, \\u0434. 5\""
     ", \"actual_address\": null, \"locale\": \"ru\", \"phone\": \"+7 34158 3-12-45\", \"email\""
     ": \"info@kez-les.example.ru\", \"bankrupt\": false, \"bankrupt_since\": null, \"enforcemen"
     "t_proceedings\": true, \"created_at\": \"2026-11-22T07:58:53.633Z\", \"updated_at\": \"202"
     "6-11-22T07:58:53.633Z\", \"version\": 1}"},
    {"receivables",
     "{\"id\": \"00000000-0000-4000-8000-000000000701\", \"organization_id\": \"00000000-0000-40"
     "00-8000-000000000133\", \"debtor_id\": \"00000000-0000-4000-8000-000000000601\", \"income_"
     "code_id\": \"00000000-0000-4000-8000-000000000501\", \"basis_document\": \"\\u0414\\u043e\\u"
     "0433\\u043e\\u0432\\u043e\\u0440 \\u0430\\u0440\\u0435\\u043d\\u0434\\u044b \\u043d\\u0435"
     "\\u0436\\u0438\\u043b\\u043e\\u0433\\u043e \\u043f\\u043e\\u043c\\u0435\\u0449\\u0435\\u04"
     "3d\\u0438\\u044f \\u2116 12-\\u0410 \\u043e\\u0442 15.01.2024 (I \\u043a\\u0432\\u0430\\u0"
     "440\\u0442\\u0430\\u043b 2026 \\u0433\\u043e\\u0434\\u0430)\", \"basis_date\": \"2024-01-1"
     "5\", \"arose_on\": \"2026-01-01\", \"due_date\": \"2026-03-31\", \"principal\": \"184500.0"
     "0\", \"penalties\": \"6273.00\", \"fines\": \"0.00\", \"currency\": \"RUB\", \"paid_amount"
     "\": \"20000.00\", \"balance\": \"170773.00\", \"status\": \"enforcement_bailiffs\", \"stat"
     "us_reason\": null, \"status_since\": \"2026-09-14\", \"claim_waived\": false, \"voluntary_"
     "days\": null, \"payment_details\": \"\\u0423\\u0424\\u041a \\u043f\\u043e \\u0423\\u0434\\u"
     "043c\\u0443\\u0440\\u0442\\u0441\\u043a\\u043e\\u0439 \\u0420\\u0435\\u0441\\u043f\\u0443\\u"
     "0431\\u043b\\u0438\\u043a\\u0435 (\\u0423\\u043f\\u0440\\u0430\\u0432\\u043b\\u0435\\u043d"
     "\\u0438\\u0435 \\u0442\\u0435\\u0440\\u0440\\u0438\\u0442\\u043e\\u0440\\u0438\\u0430\\u04"
     "3b\\u044c\\u043d\\u043e\\u0433\\u043e \\u0440\\u0430\\u0437\\u0432\\u0438\\u0442\\u0438\\u"
     "044f \\u0410\\u0434\\u043c\\u0438\\u043d\\u0438\\u0441\\u0442\\u0440\\u0430\\u0446\\u0438\\u"
     "0438 \\u041a\\u0435\\u0437\\u0441\\u043a\\u043e\\u0433\\u043e \\u0440\\u0430\\u0439\\u043e"
     "\\u043d\\u0430), \\u0418\\u041d\\u041d 1812011111, \\u041a\\u041f\\u041f 181201001, \\u043"
     "a\\u0430\\u0437\\u043d\\u0430\\u0447\\u0435\\u0439\\u0441\\u043a\\u0438\\u0439 \\u0441\\u0"
     "447\\u0451\\u0442 03100643000000011300, \\u0411\\u0418\\u041a 019401100, \\u041a\\u0411\\u"
     "041a 11111105074140000120, \\u041e\\u041a\\u0422\\u041c\\u041e 94526000\", \"responsible_e"
     "mployee_id\": \"00000000-0000-4000-8000-000000000246\", \"created_at\": \"2026-11-22T07:58"
     ":53.633Z\", \"updated_at\": \"2026-11-22T07:58:53.633Z\", \"version\": 1}"},
    {"payments",
     "{\"id\": \"00000000-0000-4000-8000-000000000901\", \"receivable_id\": \"00000000-0000-4000"
     "-8000-000000000701\", \"organization_id\": \"00000000-0000-4000-8000-000000000133\", \"pai"
     "d_on\": \"2026-10-05\", \"amount\": \"20000.00\", \"currency\": \"RUB\", \"document\": \"\\u"
     "043f/\\u043f \\u2116 3318\", \"created_at\": \"2026-11-22T07:58:53.633Z\", \"updated_at\":"
     " \"2026-11-22T07:58:53.633Z\", \"version\": 1}"},
    {"installment-plans",
     "{\"id\": \"00000000-0000-4000-8000-000000000a01\", \"receivable_id\": \"00000000-0000-4000"
     "-8000-000000000706\", \"organization_id\": \"00000000-0000-4000-8000-000000000130\", \"gra"
     "nted_on\": \"2026-06-01\", \"decision_document\": \"\\u0420\\u0430\\u0441\\u043f\\u043e\\u"
     "0440\\u044f\\u0436\\u0435\\u043d\\u0438\\u0435 \\u0410\\u0434\\u043c\\u0438\\u043d\\u0438\\u"
     "0441\\u0442\\u0440\\u0430\\u0446\\u0438\\u0438 \\u041a\\u0435\\u0437\\u0441\\u043a\\u043e\\u"
     "0433\\u043e \\u0440\\u0430\\u0439\\u043e\\u043d\\u0430 \\u2116 301-\\u0440 \\u043e\\u0442 "
     "01.06.2026 \\u043e \\u043f\\u0440\\u0435\\u0434\\u043e\\u0441\\u0442\\u0430\\u0432\\u043b\\u"
     "0435\\u043d\\u0438\\u0438 \\u0440\\u0430\\u0441\\u0441\\u0440\\u043e\\u0447\\u043a\\u0438\""
     ", \"lines\": [{\"amount\": \"10000.00\", \"due_on\": \"2026-06-30\", \"interest\": \"0.00\""
     "}, {\"amount\": \"10000.00\", \"due_on\": \"2026-07-31\", \"interest\": \"0.00\"}, {\"amou"
     "nt\": \"10000.00\", \"due_on\": \"2026-08-31\", \"interest\": \"0.00\"}, {\"amount\": \"10"
     "000.00\", \"due_on\": \"2026-09-30\", \"interest\": \"0.00\"}, {\"amount\": \"10000.00\", "
     "\"due_on\": \"2026-10-30\", \"interest\": \"0.00\"}, {\"amount\": \"10000.00\", \"due_on\""
     ": \"2026-11-30\", \"interest\": \"0.00\"}], \"created_at\": \"2026-11-22T07:58:53.633Z\", "
     "\"updated_at\": \"2026-11-22T07:58:53.633Z\", \"version\": 1}"},
    {"collection-actions",
     "{\"id\": \"00000000-0000-4000-8000-000000000801\", \"receivable_id\": \"00000000-0000-4000"
     "-8000-000000000701\", \"organization_id\": \"00000000-0000-4000-8000-000000000133\", \"kin"
     "d\": \"claim\", \"target\": null, \"done_on\": \"2026-04-20\", \"document_number\": \"01-2"
     "3/145\", \"responsible_employee_id\": \"00000000-0000-4000-8000-000000000246\", \"outcome\""
     ": \"\\u0412\\u0440\\u0443\\u0447\\u0435\\u043d\\u0430 \\u043f\\u0440\\u0435\\u0434\\u0441\\u"
     "0442\\u0430\\u0432\\u0438\\u0442\\u0435\\u043b\\u044e \\u0434\\u043e\\u043b\\u0436\\u043d\\u"
     "0438\\u043a\\u0430 \\u043f\\u043e\\u0434 \\u0440\\u043e\\u0441\\u043f\\u0438\\u0441\\u044c"
     " 22.04.2026\", \"bank_found_no_funds\": false, \"created_at\": \"2026-11-22T07:58:53.633Z\""
     ", \"updated_at\": \"2026-11-22T07:58:53.633Z\", \"version\": 1}"},
};

#define NSTORED (sizeof STORED_JSON / sizeof STORED_JSON[0])

/* Indexed like REGISTRY; owned for the life of the process. */
static json_t *stored[NSTORED];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    json_object_seed(0x5eed); /* same hash layout every run, so inputs reproduce */
    if (REGISTRY_COUNT != NSTORED) {
        fprintf(stderr, "fuzz_json_validate: the registry has %zu entities, STORED_JSON %zu\n",
                REGISTRY_COUNT, NSTORED);
        abort();
    }
    for (size_t i = 0; i < REGISTRY_COUNT; i++) {
        size_t k = 0;
        while (k < NSTORED && registry_find(STORED_JSON[k].entity) != REGISTRY[i])
            k++;
        json_error_t jerr;
        stored[i] = k < NSTORED ? json_loads(STORED_JSON[k].json, 0, &jerr) : NULL;
        if (!stored[i]) {
            fprintf(stderr, "fuzz_json_validate: no stored document for %s\n", REGISTRY[i]->name);
            abort();
        }
        /* A stored document that fails validation would leave only the error
         * paths fuzzed; say so (a missing zone database does this). */
        app_error_t err;
        err_clear(&err);
        if (!validate_merged(REGISTRY[i], stored[i], &err))
            fprintf(stderr, "fuzz_json_validate: warning: stored %s fails validation (%s)\n",
                    REGISTRY[i]->name, err.nfields ? err.fields[0].field : err.detail);
    }
    return 0;
}

/* A validator returns false exactly when it recorded an error. */
static void check_verdict(const char *what, const entity_t *e, bool ok, const app_error_t *err)
{
    bool has_error = err->kind != ERR_NONE;
    if (ok == has_error) {
        fprintf(stderr, "%s(%s) returned %s with error kind %d, %zu fields\n", what, e->name,
                ok ? "true" : "false", (int)err->kind, err->nfields);
        abort();
    }
    if (err->kind == ERR_INVALID && err->nfields == 0) {
        fprintf(stderr, "%s(%s): ERR_INVALID without a field\n", what, e->name);
        abort();
    }
}

/* After a successful create every writable field is present (the storage
 * layer writes each column from the document). */
static void check_complete(const entity_t *e, json_t *doc)
{
    for (size_t i = 0; i < e->nfields; i++) {
        const field_t *f = &e->fields[i];
        if (!(f->flags & F_READONLY) && !json_object_get(doc, f->name)) {
            fprintf(stderr, "validate_create(%s) passed without %s\n", e->name, f->name);
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    app_error_t err;
    err_clear(&err);
    json_t *body = jsonin_parse_object((const char *)data, size, &err);
    if (!body) {
        if (err.kind == ERR_NONE) {
            fprintf(stderr, "jsonin_parse_object failed without an error\n");
            abort();
        }
        return 0;
    }
    if (err.kind != ERR_NONE || !json_is_object(body)) {
        fprintf(stderr, "jsonin_parse_object returned a document and error kind %d\n",
                (int)err.kind);
        abort();
    }

    for (size_t i = 0; i < REGISTRY_COUNT; i++) {
        const entity_t *e = REGISTRY[i];

        /* validate_create fills defaults in, so it gets its own copy. */
        json_t *copy = json_deep_copy(body);
        if (!copy)
            abort(); /* out of memory is fatal, as in the server */
        err_clear(&err);
        bool ok = validate_create(e, copy, &err);
        check_verdict("validate_create", e, ok, &err);
        if (ok)
            check_complete(e, copy);
        json_decref(copy);

        err_clear(&err);
        ok = validate_patch_keys(e, body, &err);
        check_verdict("validate_patch_keys", e, ok, &err);

        /* The server merges only after validate_patch_keys passed; merging
         * regardless reaches validate_merged with more shapes. Both
         * arguments are borrowed; merged is ours. */
        json_t *merged = merge_patch(stored[i], body);
        if (!merged)
            abort();
        err_clear(&err);
        ok = validate_merged(e, merged, &err);
        check_verdict("validate_merged", e, ok, &err);
        json_decref(merged);
    }
    json_decref(body);
    return 0;
}
