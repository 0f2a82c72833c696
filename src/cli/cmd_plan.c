/* ihsweep plan SWEEP.json: a dry run. Parses and validates the sweep and lists every run (id,
 * stage, condition, the run it binds heads from, length, estimated cost) and the totals. Touches
 * no file and starts no MPI job.
 */
#include "cli/cli.h"

#include "ihsweep/config.h"
#include "ihsweep/error.h"
#include "ihsweep/sweep.h"

#include <getopt.h>
#include <stdlib.h>

enum { MAX_SETS = 256 };

static void plan_usage(FILE *out)
{
    fprintf(out,
            "usage: ihsweep plan SWEEP.json [--set FIELD=VALUE]... [--axis FIELD=V1,V2,...]...\n"
            "                    [--runs LIST] [--shard I/N] [--json [--ranks N]]\n\n"
            "Lists every run of a sweep (schema: README, 'Sweep files') without running anything:\n"
            "id, stage, condition, the run whose heads it binds, sequences, evals, estimated\n"
            "GFLOP and time on one core, and its data setting and seed; then the totals and the\n"
            "results file's layout.\n\n"
            "  --set FIELD=VALUE  override a run-config field in every run (JSON path, e.g.\n"
            "                     train_iters=2000 or data.eval_size=100); repeatable\n"
            "  --axis FIELD=V1,V2 add a swept axis (Cartesian product with the file's axes;\n"
            "                     values as JSON, e.g. optimizer.lr=1e-5,3e-5 or\n"
            "                     data.class_split=[50,1473,100],[100,1423,100]); repeatable\n"
            "  --runs LIST        only these run ids, e.g. 0-3,7 (plus the runs they bind from)\n"
            "  --shard I/N        only ids with id %% N == I (plus the runs they bind from)\n"
            "  --json             the same as one JSON object (runs, parameters, estimated\n"
            "                     costs, totals with the critical path) for scripts\n"
            "  --ranks N          with --json: the wall time for N ranks (default 1)\n"
            "  --heads-from FILE  as `run --heads-from`: the runs they bind from are not added\n"
            "                     (FILE is not read)\n");
}

int cmd_plan(int argc, char **argv)
{
    static const struct option options[] = {
        {"set", required_argument, NULL, 's'},   {"runs", required_argument, NULL, 'r'},
        {"shard", required_argument, NULL, 'S'}, {"json", no_argument, NULL, 'j'},
        {"axis", required_argument, NULL, 'a'},  {"ranks", required_argument, NULL, 'n'},
        {"heads-from", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    const char *sets[MAX_SETS], *axes[MAX_SETS], *runs = NULL, *shard = NULL;
    int n_axes = 0, n_sets = 0, opt, rc = 0, shard_i = 0, shard_n = 0, json = 0;
    int heads_elsewhere = 0;
    long ranks = 1;
    char *text = NULL;
    SweepPlan *plan = NULL;
    unsigned char *sel = NULL;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
        case 'h':
            plan_usage(stdout);
            return 0;
        case 's':
            if (n_sets == MAX_SETS)
                return cli_usage_error("plan", "at most %d --set options", MAX_SETS);
            sets[n_sets++] = optarg;
            break;
        case 'r':
            runs = optarg;
            break;
        case 'S':
            shard = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'a':
            if (n_axes == MAX_SETS)
                return cli_usage_error("plan", "at most %d --axis options", MAX_SETS);
            axes[n_axes++] = optarg;
            break;
        case 'n':
            if (cli_parse_long(optarg, 1, 1000000, &ranks) != 0)
                return cli_usage_error("plan", "--ranks %s: expected a positive integer", optarg);
            break;
        case 'H':
            heads_elsewhere = 1;
            break;
        default:
            return cli_unknown_option("plan", argv[optind - 1], options);
        }
    }
    if (optind != argc - 1)
        return cli_positional_error("plan", argc, argv, optind + 1, "one sweep file");
    if (shard)
        IH_TRY(sweep_shard_parse(shard, &shard_i, &shard_n));
    IH_TRY(config_read_file(argv[optind], &text));
    if (n_axes > 0) {
        char *grown = NULL;
        IH_TRY(sweep_text_add_axes(text, argv[optind], axes, n_axes, &grown));
        free(text);
        text = grown;
    }
    IH_TRY(sweep_plan_parse(text, argv[optind], sets, n_sets, &plan));
    IH_ALLOC(sel, plan->n_runs);
    int added = 0;
    IH_TRY(sweep_select(plan, runs, shard_i, shard_n, !heads_elsewhere, sel, &added));
    if (json) {
        sweep_plan_print_json(plan, runs || shard ? sel : NULL, (int)ranks, stdout);
        goto cleanup;
    }
    sweep_plan_print(plan, runs || shard ? sel : NULL, stdout);
    if (added)
        printf("note: %d run%s added because selected runs bind heads from them\n", added,
               added == 1 ? "" : "s");
cleanup:
    free(text);
    free(sel);
    sweep_plan_destroy(&plan);
    return cli_report_error("plan", rc);
}
