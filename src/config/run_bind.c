/* A run config's JSON with its symbolic heads bound: what a sweep stores as the run's resolved
 * config, so that `ihsweep train` on that text alone reproduces the run. The same replacement as
 * clamp_config_resolve, done on the JSON tree ("strongest_ih" -> "D-1:s", "pt_head" -> "0:p",
 * "rest_ih" -> every "D-1:k" with k != s), plus the progress heads the sweep sets.
 */
#include "config/json.h"

#include "ihsweep/clamp.h"
#include "ihsweep/config.h"
#include "ihsweep/error.h"

#include <stdio.h>
#include <string.h>

/* Appends the literal heads a head item stands for to out (a JSON array). 0 or IH_ENOMEM. */
static int bind_head(const cJSON *item, const ClampHeadBindings *b, int n_heads, int depth,
                     cJSON *out)
{
    char head[32];
    const char *s = cJSON_IsString(item) ? item->valuestring : "";
    if (strcmp(s, "rest_ih") == 0) {
        for (int k = 0; k < n_heads; k++) {
            if (k == b->strongest_ih)
                continue;
            snprintf(head, sizeof head, "%d:%d", depth - 1, k);
            if (!cJSON_AddItemToArray(out, cJSON_CreateString(head)))
                return IH_ENOMEM;
        }
        return 0;
    }
    cJSON *copy;
    if (strcmp(s, "strongest_ih") == 0 || strcmp(s, "pt_head") == 0) {
        int is_ih = s[0] == 's';
        snprintf(head, sizeof head, "%d:%d", is_ih ? depth - 1 : 0,
                 is_ih ? b->strongest_ih : b->pt_head);
        copy = cJSON_CreateString(head);
    } else {
        copy = cJSON_Duplicate(item, 1);
    }
    return cJSON_AddItemToArray(out, copy) ? 0 : IH_ENOMEM;
}

int run_config_bind_text(const char *text, const char *source, const ClampHeadBindings *b,
                         int n_heads, int depth, char **out)
{
    int rc = 0;
    cJSON *root = NULL, *progress = NULL;
    *out = NULL;
    IH_TRY(json_parse(text, source, &root));
    cJSON *clamps = cJSON_GetObjectItemCaseSensitive(root, "clamps");
    for (cJSON *c = cJSON_IsArray(clamps) ? clamps->child : NULL; c; c = c->next) {
        for (int single = 0; single < 2; single++) {
            const char *key = single ? "head" : "heads";
            cJSON *heads = cJSON_GetObjectItemCaseSensitive(c, key), *bound = cJSON_CreateArray();
            if (!bound)
                IH_FAIL(IH_ENOMEM, "out of memory");
            if (!heads) {
                cJSON_Delete(bound);
                continue;
            }
            int brc = 0;
            if (single) {
                brc = bind_head(heads, b, n_heads, depth, bound);
            } else {
                for (const cJSON *h = heads->child; h && brc == 0; h = h->next)
                    brc = bind_head(h, b, n_heads, depth, bound);
            }
            cJSON *value = bound;
            if (brc == 0 && single) { /* "head" takes one head, not an array */
                value = cJSON_DetachItemFromArray(bound, 0);
                cJSON_Delete(bound);
            }
            if (brc != 0 || !value || !cJSON_ReplaceItemInObjectCaseSensitive(c, key, value)) {
                cJSON_Delete(value);
                IH_FAIL(IH_ENOMEM, "out of memory");
            }
        }
    }
    progress = cJSON_CreateObject();
    if (!progress || !cJSON_AddNumberToObject(progress, "strongest_ih", b->strongest_ih) ||
        !cJSON_AddNumberToObject(progress, "pt_head", b->pt_head))
        IH_FAIL(IH_ENOMEM, "out of memory");
    cJSON_DeleteItemFromObjectCaseSensitive(root, "progress_heads");
    if (!cJSON_AddItemToObject(root, "progress_heads", progress))
        IH_FAIL(IH_ENOMEM, "out of memory");
    progress = NULL;
    if (!(*out = cJSON_PrintUnformatted(root)))
        IH_FAIL(IH_ENOMEM, "out of memory");
cleanup:
    cJSON_Delete(progress);
    cJSON_Delete(root);
    return rc;
}
