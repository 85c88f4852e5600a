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
