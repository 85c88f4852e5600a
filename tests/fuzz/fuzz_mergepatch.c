/* libFuzzer target: RFC 7396 merge patch on arbitrary JSON. The input is
 * TARGET 0x00 PATCH (without a 0x00 byte it is all PATCH, applied to null).
 * Aborts when merge_patch changes its arguments, when applying the patch a
 * second time changes the result (a merge patch is idempotent), or when the
 * result breaks RFC 7396 §2 for a top-level member of the patch. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/mergepatch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    json_object_seed(0x5eed); /* same hash layout every run, so inputs reproduce */
    return 0;
}

static void fail(const char *what, json_t *target, json_t *patch)
{
    char *t = json_dumps(target, JSON_ENCODE_ANY | JSON_COMPACT);
    char *p = json_dumps(patch, JSON_ENCODE_ANY | JSON_COMPACT);
    fprintf(stderr, "merge_patch: %s\n  target %s\n  patch  %s\n", what, t ? t : "?", p ? p : "?");
    free(t);
    free(p);
    abort();
}

/* RFC 7396 §2 for an object patch, one level deep: a null member removes
 * the key, a non-object member replaces the value, an object member leaves
 * an object behind. */
static void check_members(json_t *target, json_t *patch, json_t *result)
{
    if (!json_is_object(patch)) {
        if (!json_equal(result, patch))
            fail("a non-object patch did not replace the target", target, patch);
        return;
    }
    if (!json_is_object(result))
        fail("an object patch gave a non-object", target, patch);
    const char *key;
    size_t klen;
    json_t *val;
    json_object_keylen_foreach(patch, key, klen, val)
    {
        json_t *got = json_object_getn(result, key, klen);
        if (json_is_null(val)) {
            if (got)
                fail("a null member did not remove its key", target, patch);
        } else if (!json_is_object(val)) {
            if (!got || !json_equal(got, val))
                fail("a member was not replaced by the patch's value", target, patch);
        } else if (!json_is_object(got)) {
            fail("an object member did not leave an object", target, patch);
        }
    }
    /* Keys the patch does not name keep the target's value. */
    if (json_is_object(target))
        json_object_keylen_foreach(target, key, klen, val)
        {
            if (!json_object_getn(patch, key, klen) &&
                !json_equal(json_object_getn(result, key, klen), val))
                fail("a member the patch does not name changed", target, patch);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *bytes = (const char *)data;
    const char *nul = memchr(bytes, '\0', size);
    json_t *target, *patch;
    const size_t flags = JSON_DECODE_ANY | JSON_ALLOW_NUL;
    if (nul) {
        size_t tl = (size_t)(nul - bytes);
        target = json_loadb(bytes, tl, flags, NULL);
        patch = json_loadb(nul + 1, size - tl - 1, flags, NULL);
    } else {
        target = json_null();
        patch = json_loadb(bytes, size, flags, NULL);
    }
    if (!target || !patch) {
        json_decref(target);
        json_decref(patch);
        return 0;
    }

    /* merge_patch borrows both arguments and must leave them unchanged. */
    json_t *target0 = json_deep_copy(target), *patch0 = json_deep_copy(patch);
    if (!target0 || !patch0)
        abort(); /* out of memory */
    json_t *once = merge_patch(target, patch);
    if (!once)
        abort();
    if (!json_equal(target, target0) || !json_equal(patch, patch0))
        fail("changed an argument", target0, patch0);
    check_members(target, patch, once);

    json_t *twice = merge_patch(once, patch);
    if (!twice)
        abort();
    if (!json_equal(once, twice))
        fail("applying the patch twice differs from once", target, patch);

    json_decref(twice);
    json_decref(once);
    json_decref(target0);
    json_decref(patch0);
    json_decref(target);
    json_decref(patch);
    return 0;
}
