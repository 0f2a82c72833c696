/* ihsweep sample: prints sequences of a data config as JSON lines (the training stream, a fixed
 * evaluator set, the dense set or the probe set) or the exemplar source's geometry, so a data setup
 * can be inspected without training. It trains nothing and writes no files.
 */
#include "cli/cli.h"

#include "ihsweep/config.h"
#include "ihsweep/data.h"
#include "ihsweep/error.h"
#include "ihsweep/exemplar_file.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static void print_usage(FILE *out)
{
    fprintf(
        out,
        "usage: ihsweep sample CONFIG.json [options]\n\n"
        "Prints sequences of a data config ({\"data\": {...}}) as JSON lines: class ids, exemplar\n"
        "ids, item types, context labels, the query label and the matching context pair.\n\n"
        "options:\n"
        "  --evaluator NAME  sequences of that evaluator's fixed set (default: training stream)\n"
        "  --dense           sequences of the dense training set D\n"
        "  --probe           sequences of the probe set\n"
        "  --n N             number of sequences (default 8)\n"
        "  --first I         first sequence of an evaluator, dense or probe set (default 0)\n"
        "  --step S          first training step (default 0)\n"
        "  --batch-size B    training batch size (default 32)\n"
        "  --train-seed S    train seed (default 0)\n"
        "  --eval-seed S     eval seed (default 1)\n"
        "  --stats           print the exemplar source's geometry over the training classes\n"
        "  --help            this text\n");
}

static void print_ints(const char *key, const int *v, int n)
{
    printf("\"%s\":[", key);
    for (int i = 0; i < n; i++)
        printf(i ? ",%d" : "%d", v[i]);
    printf("]");
}

static void print_sequence(const DataBatch *b, int k, const char *set, long step, long index)
{
    int X = b->X, P = b->P;
    printf("{\"set\":\"%s\",", set);
    if (step >= 0)
        printf("\"step\":%ld,", step);
    printf("\"index\":%ld,", index);
    print_ints("classes", b->class_ids + (size_t)k * X, X);
    printf(",");
    print_ints("exemplars", b->exemplar_ids + (size_t)k * X, X);
    printf(",\"types\":[");
    for (int x = 0; x < X; x++)
        printf("%s\"%s\"", x ? "," : "", data_item_type_name((DataItemType)b->types[k * X + x]));
    printf("],");
    print_ints("labels", b->labels + (size_t)k * P, P);
    printf(",\"query_label\":%d,\"match\":%d}\n", b->targets[k], b->match[k]);
}

static void print_stats(const Data *d)
{
    DataSourceStats st;
    const DataSource *s = data_source(d);
    data_source_stats(s, data_n_train_classes(d), &st);
    printf("{\"classes\":%d,\"exemplars\":%d,\"dim\":%d,\"mean_norm\":%.6g,\"cos_between\":%.6g,"
           "\"cos_within\":%.6g,\"frac_zero\":%.6g,\"mean_coordinate\":%.6g,\"dense_size\":%ld}\n",
           data_n_train_classes(d), s->n_exemplars, s->dim, st.mean_norm, st.cos_between,
           st.cos_within, st.frac_zero, st.mean_coordinate, data_dense_full_size(d));
}

int cmd_sample(int argc, char **argv)
{
    enum {
        OPT_EVAL = 1,
        OPT_DENSE,
        OPT_PROBE,
        OPT_N,
        OPT_FIRST,
        OPT_STEP,
        OPT_BS,
        OPT_TSEED,
        OPT_ESEED,
        OPT_STATS,
        OPT_HELP
    };
    static const struct option options[] = {{"evaluator", required_argument, NULL, OPT_EVAL},
                                            {"dense", no_argument, NULL, OPT_DENSE},
                                            {"probe", no_argument, NULL, OPT_PROBE},
                                            {"n", required_argument, NULL, OPT_N},
                                            {"first", required_argument, NULL, OPT_FIRST},
                                            {"step", required_argument, NULL, OPT_STEP},
                                            {"batch-size", required_argument, NULL, OPT_BS},
                                            {"train-seed", required_argument, NULL, OPT_TSEED},
                                            {"eval-seed", required_argument, NULL, OPT_ESEED},
                                            {"stats", no_argument, NULL, OPT_STATS},
                                            {"help", no_argument, NULL, OPT_HELP},
                                            {NULL, 0, NULL, 0}};
    const char *evaluator = NULL;
    int dense = 0, probe = 0, stats = 0;
    long n = 8, first = 0, step = 0, batch_size = 32, train_seed = 0, eval_seed = 1;
    if (cli_wants_help(argc, argv)) {
        print_usage(stdout);
        return 0;
    }
    opterr = 0;
    optind = 1;
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        long *target = NULL, min = 0, max = LONG_MAX;
        switch (opt) {
        case OPT_EVAL:
            evaluator = optarg;
            continue;
        case OPT_DENSE:
            dense = 1;
            continue;
        case OPT_PROBE:
            probe = 1;
            continue;
        case OPT_STATS:
            stats = 1;
            continue;
        case OPT_HELP:
            print_usage(stdout);
            return 0;
        case OPT_N:
            target = &n, max = 100000000;
            break;
        case OPT_FIRST:
            target = &first;
            break;
        case OPT_STEP:
            target = &step;
            break;
        case OPT_BS:
            target = &batch_size, min = 1, max = 1000000;
            break;
        case OPT_TSEED:
            target = &train_seed, max = 4294967295L;
            break;
        case OPT_ESEED:
            target = &eval_seed, max = 4294967295L;
            break;
        default:
            return cli_usage_error("sample", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
        if (cli_parse_long(optarg, min, max, target) != 0)
            return cli_usage_error("sample", "invalid value '%s' for %s", optarg, argv[optind - 1]);
    }
    if (optind != argc - 1)
        return cli_usage_error("sample", "expected one CONFIG.json argument");
    if ((evaluator != NULL) + dense + probe > 1)
        return cli_usage_error("sample", "--evaluator, --dense and --probe are exclusive");
    const char *path = argv[optind];

    int rc = 0, status = 0;
    char *text = NULL;
    DataConfig *cfg = NULL;
    Data *data = NULL;
    DataBatch *batch = NULL;
    IH_TRY(config_read_file(path, &text));
    IH_ALLOC(cfg, 1);
    IH_TRY(data_config_parse(text, path, cfg));
    IH_TRY(data_create(cfg, (uint32_t)train_seed, (uint32_t)eval_seed, exemplar_file_read, &data));
    if (stats) {
        print_stats(data);
        goto cleanup;
    }
    int eval_index = -1;
    if (evaluator) {
        eval_index = data_eval_find(data, evaluator);
        if (eval_index < 0) {
            status = cli_usage_error("sample", "no evaluator named '%s' in %s", evaluator, path);
            goto cleanup;
        }
    }
    if (dense && data_dense_size(data) == 0)
        IH_FAIL(IH_ECONFIG,
                "%s: the dense set is defined only for one training sampler with a "
                "distractor and context_pairs = 2 * burstiness",
                path);
    int capacity = evaluator || dense || probe ? 256 : (int)batch_size;
    IH_TRY(data_batch_create(data, capacity, &batch));
    if (!evaluator && !dense && !probe) {
        long printed = 0;
        for (long s = step; printed < n; s++) {
            data_train_batch(data, s, (int)batch_size, batch);
            for (int k = 0; k < batch->B && printed < n; k++, printed++)
                print_sequence(batch, k, "train", s, k);
        }
        goto cleanup;
    }
    const char *set = evaluator ? evaluator : dense ? "dense" : "probe";
    for (long done = 0; done < n;) {
        long at = first + done;
        int want = (int)(n - done < capacity ? n - done : capacity);
        if (evaluator)
            data_eval_batch(data, eval_index, (int)(at > INT_MAX ? INT_MAX : at), want, batch);
        else if (dense)
            data_dense_batch(data, at, want, batch);
        else
            data_probe_batch(data, (int)(at > INT_MAX ? INT_MAX : at), want, batch);
        if (batch->B == 0)
            break;
        for (int k = 0; k < batch->B; k++)
            print_sequence(batch, k, set, -1, at + k);
        done += batch->B;
    }
cleanup:
    data_batch_destroy(&batch);
    data_destroy(&data);
    free(cfg);
    free(text);
    if (rc < 0)
        return cli_report_error("sample", rc);
    return status;
}
