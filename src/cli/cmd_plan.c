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
            "usage: ihsweep plan SWEEP.json [--set FIELD=VALUE]... [--runs LIST] [--shard I/N]\n\n"
            "Lists every run of a sweep (schema: README, 'Sweep files') without running anything:\n"
            "id, stage, condition, the run whose heads it binds, sequences, evals, estimated\n"
            "GFLOP and time on one core, and its data setting and seed; then the totals and the\n"
            "results file's layout.\n\n"
            "  --set FIELD=VALUE  override a run-config field in every run (JSON path, e.g.\n"
            "                     train_iters=2000 or data.eval_size=100); repeatable\n"
            "  --runs LIST        only these run ids, e.g. 0-3,7 (plus the runs they bind from)\n"
            "  --shard I/N        only ids with id %% N == I (plus the runs they bind from)\n"
            "  --heads-from FILE  as `run --heads-from`: the runs they bind from are not added\n"
            "                     (FILE is not read)\n");
}

int cmd_plan(int argc, char **argv)
{
    static const struct option options[] = {{"set", required_argument, NULL, 's'},
                                            {"runs", required_argument, NULL, 'r'},
                                            {"heads-from", required_argument, NULL, 'H'},
                                            {"shard", required_argument, NULL, 'S'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    const char *sets[MAX_SETS], *runs = NULL, *shard = NULL;
    int heads_elsewhere = 0;
    int n_sets = 0, opt, rc = 0, shard_i = 0, shard_n = 0;
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
        case 'H':
            heads_elsewhere = 1;
            break;
        default:
            return cli_usage_error("plan", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("plan", "expected one sweep file");
    if (shard)
        IH_TRY(sweep_shard_parse(shard, &shard_i, &shard_n));
    IH_TRY(config_read_file(argv[optind], &text));
    IH_TRY(sweep_plan_parse(text, argv[optind], sets, n_sets, &plan));
    IH_ALLOC(sel, plan->n_runs);
    int added = 0;
    IH_TRY(sweep_select(plan, runs, shard_i, shard_n, !heads_elsewhere, sel, &added));
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
