/* libFuzzer target: every parser of user-written JSON. The first byte picks the parser (run,
 * data, clamp list, sweep file); the rest is the text. A parser may reject its input with any
 * error code; it must not crash, leak, hang or read out of bounds.
 */
#include "ihsweep/clamp.h"
#include "ihsweep/config.h"
#include "ihsweep/data.h"
#include "ihsweep/error.h"
#include "ihsweep/sweep_plan.h"
#include "ihsweep/train.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    switch (data[0] % 4) {
    case 0: {
        RunConfig cfg;
        run_config_parse(text, "fuzz", &cfg);
        break;
    }
    case 1: {
        DataConfig cfg;
        data_config_parse(text, "fuzz", &cfg);
        break;
    }
    case 2: {
        ClampConfig cfg;
        clamp_config_parse(text, "fuzz", &cfg);
        break;
    }
    default: {
        SweepPlan *plan = NULL;
        sweep_plan_parse(text, "fuzz", NULL, 0, &plan);
        sweep_plan_destroy(&plan);
        break;
    }
    }
    ih_error_clear();
    free(text);
    return 0;
}
