/* libFuzzer target: the parsers of command-line values. The first byte picks one: --set
 * overrides (one per line, applied to a small two-stage sweep), --runs (against a sweep of 1..64
 * runs, the second byte), --shard, and the CLI's integer and float parsers. Rejections are fine;
 * crashes, leaks and out-of-bounds accesses are not.
 */
#include "cli/cli.h"
#include "ihsweep/config.h"
#include "ihsweep/error.h"
#include "ihsweep/sweep.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char fuzz_sweep[] =
    "{\"name\": \"fuzz\", \"base\": {\"train_iters\": 2000, \"eval_every\": 1000,"
    " \"model\": {\"d_model\": 16, \"n_heads\": 4},"
    " \"data\": {\"source\": {\"type\": \"synthetic\", \"dim\": 32}, \"eval_size\": 10,"
    " \"n_probe\": 2, \"dense_subset\": 10}},"
    " \"axes\": [{\"field\": \"data.class_split\", \"values\": [[50, 1473, 100]]}],"
    " \"seeds\": [5, 6],"
    " \"conditions\": {\"none\": [], \"ablate\": [{\"type\": \"ablate_heads\","
    " \"heads\": [\"rest_ih\"]}]},"
    " \"stages\": [{\"name\": \"a\", \"conditions\": [\"none\"]},"
    " {\"name\": \"b\", \"conditions\": [\"ablate\"]}]}";

enum { FUZZ_MAX_SETS = 8 };

static void fuzz_sets(char *text)
{
    const char *sets[FUZZ_MAX_SETS];
    int n = 0;
    for (char *line = text; line && n < FUZZ_MAX_SETS;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        sets[n++] = line;
        line = nl ? nl + 1 : NULL;
    }
    SweepPlan *plan = NULL;
    sweep_plan_parse(fuzz_sweep, "fuzz", sets, n, &plan);
    sweep_plan_destroy(&plan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    char *text = malloc(size - 1);
    if (!text)
        return 0;
    memcpy(text, data + 2, size - 2);
    text[size - 2] = '\0';
    switch (data[0] % 5) {
    case 0:
        fuzz_sets(text);
        break;
    case 1: {
        int n_runs = 1 + data[1] % 64;
        unsigned char sel[64];
        sweep_runs_parse(text, n_runs, sel);
        break;
    }
    case 2: {
        int index = 0, count = 0;
        sweep_shard_parse(text, &index, &count);
        break;
    }
    case 3: {
        long v = 0;
        cli_parse_long(text, -1000, 1000000, &v);
        break;
    }
    default: {
        double v = 0;
        cli_parse_double(text, &v);
        break;
    }
    }
    ih_error_clear();
    free(text);
    return 0;
}
