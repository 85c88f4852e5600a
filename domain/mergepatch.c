/* RFC 7396 §2, written as the RFC's pseudo-code: a non-object patch replaces
 * the target; null members delete; object members recurse. */
#include "mergepatch.h"

json_t *merge_patch(json_t *target, json_t *patch)
{
    if (!json_is_object(patch))
        return json_deep_copy(patch);
    json_t *out = json_is_object(target) ? json_deep_copy(target) : json_object();
    const char *key;
    json_t *val;
    json_object_foreach(patch, key, val)
    {
        if (json_is_null(val)) {
            json_object_del(out, key);
        } else {
            /* json_object_get borrows; the recursive result is stolen by set_new. */
            json_object_set_new(out, key, merge_patch(json_object_get(out, key), val));
        }
    }
    return out;
}
