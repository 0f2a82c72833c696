/* The names a results file gives its swept parameters for readers (schema 2): each parameter's
 * dataset and coordinate is called by a short name ("K", "seed", "class_split_1") instead of its
 * dotted JSON path, which stays in the dataset's `field` attribute and in the root attribute
 * param_names. The rule is a pure function of the parameter names, so creating and opening a
 * file derive the same names. No HDF5 I/O here.
 */
#include "io/internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The paper's symbols for the fields it sweeps. */
static const char *const aliases[][2] = {{"data.class_split[0]", "K"},
                                         {"data.n_labels", "L"},
                                         {"data.burstiness", "B"},
                                         {"init_seed", "seed"}};

/* Names a short name may not take: the coordinates and datasets it sits next to in a group. */
static const char *const reserved[] = {"condition", "stage",    "seq",    "id",      "hash",
                                       "config",    "checksum", "status", "run",     "eval",
                                       "head",      "probe",    "label",  "src_head"};

static int taken(const ResultsLayout *l, char (*names)[RESULTS__NAME_MAX], int p, const char *s)
{
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(reserved[i], s) == 0)
            return 1;
    for (int i = 0; i < RESULTS__N_ROW; i++) {
        const char *slash = strrchr(results__row_fields[i].path, '/');
        if (strcmp(slash + 1, s) == 0)
            return 1;
    }
    for (int m = 0; m < METRIC_COUNT; m++)
        if (strcmp(metric_name((Metric)m), s) == 0)
            return 1;
    for (int e = 0; e < l->n_evaluators; e++)
        if (strcmp(l->evaluator_names[e], s) == 0)
            return 1;
    for (int i = 0; i < p; i++)
        if (strcmp(names[i], s) == 0)
            return 1;
    return 0;
}

/* from, with "[i]" written "_i" and every other character outside [A-Za-z0-9_] as '_'. */
static void sanitize(const char *from, char *out)
{
    int n = 0;
    for (const char *c = from; *c && n < RESULTS__NAME_MAX - 1; c++) {
        if (*c == ']')
            continue;
        out[n++] = isalnum((unsigned char)*c) || *c == '_' ? *c : '_';
    }
    out[n] = '\0';
}

void results__param_short_names(const ResultsLayout *l, char (*names)[RESULTS__NAME_MAX])
{
    for (int p = 0; p < l->n_params; p++) {
        const char *field = l->param_names[p], *alias = NULL;
        for (size_t a = 0; a < sizeof aliases / sizeof aliases[0]; a++)
            if (strcmp(aliases[a][0], field) == 0)
                alias = aliases[a][1];
        const char *dot = strrchr(field, '.');
        if (alias)
            snprintf(names[p], RESULTS__NAME_MAX, "%s", alias);
        else
            sanitize(dot ? dot + 1 : field, names[p]);
        if (names[p][0] && !isdigit((unsigned char)names[p][0]) && !taken(l, names, p, names[p]))
            continue;
        sanitize(field, names[p]);
        if (names[p][0] && !isdigit((unsigned char)names[p][0]) && !taken(l, names, p, names[p]))
            continue;
        snprintf(names[p], RESULTS__NAME_MAX, "param_%d", p);
    }
}
