/* ihsweep: dispatches to subcommands. Each subcommand lives in its own cmd_<name>.c. */
#include "cli/cli.h"

#include "ihsweep/results.h"
#include "ihsweep/suggest.h"
#include "ihsweep/version.h"

#include <stdio.h>
#include <string.h>

static void print_version(void)
{
    char libs[512];
    results_library_versions(libs, (int)sizeof libs);
    printf("ihsweep %s (git %s)\n%s\n", ih_version_string(), ih_git_hash(), libs);
}

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    print_version();
    return 0;
}

static const CliCommand commands[] = {
    {"version", "print version, git hash and library versions", cmd_version},
    {"train", "train one run from a run config into an HDF5 file", cmd_train},
    {"plan", "list the runs of a sweep file with cost estimates (dry run)", cmd_plan},
    {"run", "run a sweep across MPI ranks into one results file", cmd_run},
    {"status", "progress and t* table of a results file", cmd_status},
    {"merge", "merge shard results files into one", cmd_merge},
    {"sample", "print sequences of a data config as JSON lines", cmd_sample},
    {"bench", "time training steps of the paper model on one core", cmd_bench},
    {"toy", "the three-vector toy model of the paper (design 4.8)", cmd_toy},
    {"analyze", "phase-change timing tables and essential dynamics", cmd_analyze},
    {"plot", "draw figures from a results file", cmd_plot},
    {"export", "a results file as a tidy table (CSV, JSON): one row per run or per eval",
     cmd_export},
};
static const int n_commands = (int)(sizeof commands / sizeof commands[0]);

static void print_usage(FILE *out)
{
    fprintf(out, "usage: ihsweep <command> [options]   (ihsweep <command> --help for details)\n\n"
                 "Sweeps of small transformer training runs that study induction-head formation.\n\n"
                 "commands:\n");
    for (int i = 0; i < n_commands; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\noptions:\n  --help     this text\n  --version  version, git hash and "
                 "library versions\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return 64;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        print_version();
        return 0;
    }
    for (int i = 0; i < n_commands; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].main(argc - 1, argv + 1);
    if (argv[1][0] == '-') {
        fprintf(stderr, "ihsweep: unknown option '%s' (see ihsweep --help)\n", argv[1]);
        return 64;
    }
    const char *names[sizeof commands / sizeof commands[0]];
    for (int i = 0; i < n_commands; i++)
        names[i] = commands[i].name;
    const char *near = ih_suggest(argv[1], names, n_commands);
    if (near)
        fprintf(stderr, "ihsweep: unknown command '%s'; did you mean '%s'? (see ihsweep --help)\n",
                argv[1], near);
    else
        fprintf(stderr, "ihsweep: unknown command '%s' (see ihsweep --help)\n", argv[1]);
    return 64;
}
