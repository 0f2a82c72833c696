/* ihsweep merge OUT IN...: merges the results files of a sharded sweep (`ihsweep run --shard`,
 * one per Slurm array task) into a new file OUT (results_merge: layouts and run hashes must agree,
 * every done or diverged row is verified and copied, duplicates must match). Runs as one process
 * or under mpirun (rows are split across ranks). Never overwrites OUT.
 */
#include "cli/cli.h"

#include "ihsweep/error.h"
#include "ihsweep/results.h"

#include <getopt.h>
#include <mpi.h>
#include <stdio.h>

static void merge_usage(FILE *out)
{
    fprintf(out,
            "usage: [mpirun -n N] ihsweep merge OUT IN1 [IN2 ...]\n\n"
            "Merges shard results files of one sweep (same layout and run hashes) into the new\n"
            "file OUT: every verified done or diverged row of any input is copied; a run done in\n"
            "several inputs must have the same checksum in each. Refuses an existing OUT.\n");
}

int cmd_merge(int argc, char **argv)
{
    static const struct option options[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (opt == 'h') {
            merge_usage(stdout);
            return 0;
        }
        return cli_usage_error("merge", "unknown or incomplete option '%s'", argv[optind - 1]);
    }
    if (argc - optind < 2)
        return cli_usage_error("merge", "expected OUT and at least one input file");
    MPI_Init(&argc, &argv);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const char *const *inputs = (const char *const *)(argv + optind + 1);
    int rc = results_merge(MPI_COMM_WORLD, argv[optind], inputs, argc - optind - 1);
    int status = ih_exit_status(rc);
    if (rank == 0) {
        if (rc < 0)
            cli_report_error("merge", rc);
        else
            fprintf(stderr, "ihsweep merge: wrote %s from %d input%s\n", argv[optind],
                    argc - optind - 1, argc - optind - 1 == 1 ? "" : "s");
    }
    MPI_Finalize();
    return status;
}
