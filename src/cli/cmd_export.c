/* ihsweep export FILE: a results file as a tidy table (analysis_export), one row per run or, with
 * --curves, one row per (run, eval); CSV or JSON to stdout or -o OUT, netCDF-4 to -o OUT. Read-only
 * on the results file; one process.
 */
#include "cli/cli.h"

#include "ihsweep/analysis.h"
#include "ihsweep/error.h"
#include "ihsweep/results.h"

#include <getopt.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

enum { MAX_ITEMS = 64 };

static void export_usage(FILE *out)
{
    fprintf(out,
            "usage: ihsweep export FILE [--format csv|json|nc] [-o OUT] [--where FIELD=VALUE]...\n"
            "                      [--curves CURVE[,CURVE...]]...\n\n"
            "Writes a results file as a tidy table: one row per run (run, status, condition,\n"
            "stage, every swept parameter under its short name such as K or seed, the init/train/\n"
            "eval seeds, n_evals, final_seq, t_star (empty when the run never crossed 0.4 ln 2),\n"
            "crossed, t_censor (the last eval of a run that never crossed), t_09, t_05,\n"
            "t_steepest, final losses and accuracies, strongest_ih, pt_head, diverged_seq,\n"
            "wall_seconds); with --curves, one row per (run, eval) of the finished runs with the\n"
            "sequences seen (seq) and the chosen curves. CSV has a header and empty cells for\n"
            "missing values (pandas.read_csv reads it as is); JSON is an array of objects;\n"
            "nc is a netCDF-4 file (xarray, ncdump) with one variable per column over the\n"
            "dimension run (with --curves: row, run and eval being columns), integers as int64\n"
            "(missing: -1), other numbers as float64 (missing: NaN), strings as UTF-8.\n\n"
            "  --format F          csv (default), json or nc (needs -o)\n"
            "  -o, --output OUT    write to OUT instead of stdout\n"
            "  --where FIELD=VALUE keep runs whose column FIELD equals VALUE (numbers compare\n"
            "                      as numbers), e.g. --where condition=match --where K=50;\n"
            "                      repeatable (all must hold)\n"
            "  --curves CURVE      long format with these curves: a metric (loss, acc, ...) for\n"
            "                      every evaluator, EVALUATOR/METRIC (fsl_train/loss), or\n"
            "                      train_loss, grad_norm, loss_no_l0_direct, ...; repeatable\n");
}

/* Splits a comma list into items (in place), appending to list[*n]. */
static int split_list(char *s, const char **list, int *n)
{
    for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
        if (*n == MAX_ITEMS)
            return -1;
        list[(*n)++] = tok;
    }
    return 0;
}

int cmd_export(int argc, char **argv)
{
    static const struct option options[] = {
        {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
        {"where", required_argument, NULL, 'w'},  {"curves", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *where[MAX_ITEMS], *curves[MAX_ITEMS], *output = NULL;
    int n_where = 0, n_curves = 0, opt;
    AnalysisExportOptions o = {0};
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "ho:", options, NULL)) != -1) {
        switch (opt) {
        case 'h':
            export_usage(stdout);
            return 0;
        case 'f':
            if (strcmp(optarg, "csv") == 0)
                o.format = ANALYSIS_EXPORT_CSV;
            else if (strcmp(optarg, "json") == 0)
                o.format = ANALYSIS_EXPORT_JSON;
            else if (strcmp(optarg, "nc") == 0)
                o.format = ANALYSIS_EXPORT_NC;
            else
                return cli_usage_error("export", "--format %s: expected csv, json or nc", optarg);
            break;
        case 'o':
            output = optarg;
            break;
        case 'w':
            if (n_where == MAX_ITEMS)
                return cli_usage_error("export", "at most %d --where options", MAX_ITEMS);
            where[n_where++] = optarg;
            break;
        case 'c':
            if (split_list(optarg, curves, &n_curves) != 0)
                return cli_usage_error("export", "at most %d curves", MAX_ITEMS);
            break;
        default:
            return cli_unknown_option("export", argv[optind - 1], options);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("export", "expected one results file");
    if (o.format == ANALYSIS_EXPORT_NC && !output)
        return cli_usage_error("export", "--format nc writes a file: name it with -o OUT.nc");
    o.nc_path = output;
    o.where = where;
    o.n_where = n_where;
    o.curves = curves;
    o.n_curves = n_curves;
    MPI_Init(&argc, &argv);
    int rc = 0;
    ResultsFile *f = NULL;
    FILE *out = stdout;
    IH_TRY(results_open(MPI_COMM_SELF, argv[optind], 0, &f));
    if (output && o.format != ANALYSIS_EXPORT_NC && !(out = fopen(output, "w")))
        IH_FAIL(IH_EIO, "cannot write %s", output);
    IH_TRY(analysis_export(f, &o, out));
cleanup:
    if (out && out != stdout && fclose(out) != 0 && rc == 0) {
        ih_error_set(__FILE__, __LINE__, __func__, IH_EIO, "cannot write %s", output);
        rc = IH_EIO;
    }
    if (f)
        results_close(&f);
    int status = cli_report_error("export", rc);
    MPI_Finalize();
    return status;
}
