/* --axis FIELD=V1,V2,... (Hydra's multirun habit): sweep text with extra axes appended, so that
 * a sweep can grow an axis from the command line without editing its file. The result is stored
 * in the results file like any sweep text (status and export re-plan from it).
 */
#include "config/json.h"

#include "ihsweep/config.h"
#include "ihsweep/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The values of "V1,V2,...": a JSON array when "[V1,V2,...]" parses ("1e-5,3e-5",
 * "[50,1473,100],[100,1423,100]"), else the comma-separated items as strings ("relu,abs"). */
static cJSON *axis_values(const char *list)
{
    size_t n = strlen(list);
    char *text = malloc(n + 3);
    cJSON *values = NULL;
    if (!text)
        return NULL;
    snprintf(text, n + 3, "[%s]", list);
    values = cJSON_ParseWithOpts(text, NULL, 1);
    if (!values || !cJSON_IsArray(values)) {
        cJSON_Delete(values);
        values = cJSON_CreateArray();
        memcpy(text, list, n + 1);
        for (char *item = strtok(text, ","); values && item; item = strtok(NULL, ","))
            if (!cJSON_AddItemToArray(values, cJSON_CreateString(item))) {
                cJSON_Delete(values);
                values = NULL;
            }
    }
    free(text);
    return values;
}

int sweep_text_add_axes(const char *text, const char *source, const char *const *axes, int n_axes,
                        char **out)
{
    int rc = 0;
    cJSON *root = NULL, *list = NULL;
    *out = NULL;
    IH_TRY(json_parse(text, source, &root));
    if (!cJSON_IsObject(root))
        IH_FAIL(IH_ECONFIG, "%s: expected a sweep object", source);
    list = cJSON_GetObjectItemCaseSensitive(root, "axes");
    if (!list && !(list = cJSON_AddArrayToObject(root, "axes")))
        IH_FAIL(IH_ENOMEM, "out of memory");
    if (!cJSON_IsArray(list))
        IH_FAIL(IH_ECONFIG, "%s: axes: expected an array", source);
    for (int i = 0; i < n_axes; i++) {
        const char *eq = strchr(axes[i], '=');
        if (!eq || eq == axes[i] || !eq[1])
            IH_FAIL(IH_EUSAGE,
                    "--axis %s: expected FIELD=V1,V2,... (e.g. "
                    "optimizer.lr=1e-5,3e-5)",
                    axes[i]);
        cJSON *axis = cJSON_CreateObject(), *values = axis_values(eq + 1);
        char field[256];
        snprintf(field, sizeof field, "%.*s", (int)(eq - axes[i]), axes[i]);
        if (!axis || !values || !cJSON_AddStringToObject(axis, "field", field) ||
            !cJSON_AddItemToObject(axis, "values", values) || !cJSON_AddItemToArray(list, axis)) {
            cJSON_Delete(axis);
            IH_FAIL(IH_ENOMEM, "out of memory");
        }
    }
    if (!(*out = cJSON_Print(root)))
        IH_FAIL(IH_ENOMEM, "out of memory");
cleanup:
    cJSON_Delete(root);
    return rc;
}
