/* ihsweep status FILE: progress and the t* table of a results file, read on one process (the
 * same summary and table that `ihsweep run` prints at its end). Writes nothing.
 */
#include "cli/cli.h"

#include "ihsweep/error.h"
#include "ihsweep/sweep.h"

#include <getopt.h>
#include <mpi.h>

static void status_usage(FILE *out)
{
    fprintf(out,
            "usage: ihsweep status FILE [--runs LIST] [--json]\n\n"
            "Prints the progress of a results file (done, diverged, failed, pending; rows that\n"
            "fail their checksum count as pending) and the table of t* per stage, condition and\n"
            "data setting (mean and sd over seeds of done runs).\n\n"
            "Unfinished runs are running (a checkpoint written in the last 15 minutes),\n"
            "interrupted (an older checkpoint: --resume continues it) or pending; the ETA\n"
            "assumes as many ranks as runs are running and the speed of the done runs.\n\n"
            "  --runs LIST  only these run ids, e.g. 0-3,7, each listed on its own line\n"
            "  --json       one JSON object: counts by state, ETA, one object per run\n");
}

int cmd_status(int argc, char **argv)
{
    static const struct option options[] = {{"runs", required_argument, NULL, 'r'},
                                            {"json", no_argument, NULL, 'j'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    const char *runs = NULL;
    int opt, json = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
        case 'h':
            status_usage(stdout);
            return 0;
        case 'r':
            runs = optarg;
            break;
        case 'j':
            json = 1;
            break;
        default:
            return cli_unknown_option("status", argv[optind - 1], options);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("status", "expected one results file");
    MPI_Init(&argc, &argv);
    int size = 1, status;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size > 1)
        status = cli_usage_error("status", "reads a file in one process; run it without mpirun");
    else
        status = cli_report_error("status", sweep_status_print(argv[optind], runs, json, stdout));
    MPI_Finalize();
    return status;
}
