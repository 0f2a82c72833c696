/* Shared pieces of the command-line layer: the subcommand table and the one way errors are shown.
 * Only src/cli/ parses argv; everything below it takes structs. */
#ifndef IHSWEEP_CLI_H
#define IHSWEEP_CLI_H

#include <mpi.h>
#include <stdio.h>

typedef struct {
    const char *name;
    const char *summary;
    int (*main)(int argc, char **argv); /* returns a process exit status */
} CliCommand;

/* Every subcommand: argv[0] is the subcommand name. Returns a sysexits-style status. */
int cmd_bench(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_toy(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_export(int argc, char **argv);

/* Prints "ihsweep <cmd>: <message>" for a usage problem and returns 64. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints the current error record as one line "ihsweep <cmd>: error: <message>" (plus the traceback
 * when IHSWEEP_TRACEBACK=1) and returns the exit status for rc. */
int cli_report_error(const char *cmd, int rc);

/* Ends a subcommand that ran on comm: agrees on rc (ih_mpi_agree) and reports the error once, as
 * one cli_report_error line from a single rank: the lowest rank with an error of its own (not
 * just news of another rank's), else the lowest failing rank, else rank 0. Returns the exit
 * status of the agreed code on every rank (0 when every rank succeeded). Collective on comm. */
int cli_mpi_finish(const char *cmd, MPI_Comm comm, int rc);

/* Parses all of s as a base-10 integer in [min, max] into *out (untouched on failure). Returns 0,
 * or -1 when s is empty, has trailing characters, overflows or is out of range. */
int cli_parse_long(const char *s, long min, long max, long *out);

/* Parses all of s as a floating-point number (strtod syntax: "inf" and "nan" are numbers; check
 * isfinite where that matters) into *out (untouched on failure). Returns 0, or -1 when s is
 * empty, has trailing characters, or overflows or underflows (ERANGE). */
int cli_parse_double(const char *s, double *out);

/* True when argv holds -h or --help. */
int cli_wants_help(int argc, char **argv);

/* Usage error for an unknown option arg: names the nearest long option of options (a getopt
 * table ending with a NULL name) when one is close. Returns 64. */
struct option;
int cli_unknown_option(const char *cmd, const char *arg, const struct option *options);

/* Usage error for wrong positional arguments argv[first..argc): when one of them looks like a
 * Hydra-style override (FIELD=VALUE), the message says to pass it as `--set FIELD=VALUE`
 * (`--axis FIELD=V1,V2` for a list); otherwise "expected <expected>". Returns 64. */
int cli_positional_error(const char *cmd, int argc, char **argv, int first, const char *expected);

#endif
