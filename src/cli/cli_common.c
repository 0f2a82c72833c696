/* Error and usage reporting and the number parsers shared by the subcommands. */
#include "cli/cli.h"

#include "ihsweep/error.h"
#include "ihsweep/mpi_agree.h"
#include "ihsweep/suggest.h"

#include <getopt.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ihsweep %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see ihsweep %s --help)\n", cmd);
    va_end(ap);
    return 64;
}

int cli_report_error(const char *cmd, int rc)
{
    if (rc == 0)
        return 0;
    const char *msg = ih_error_message();
    fprintf(stderr, "ihsweep %s: error: %s\n", cmd, msg[0] ? msg : ih_strerror(rc));
    const char *trace = getenv("IHSWEEP_TRACEBACK");
    if (trace && strcmp(trace, "1") == 0) {
        char buf[4096];
        ih_error_traceback(buf, (int)sizeof buf);
        fputs(buf, stderr);
    }
    return ih_exit_status(rc);
}

int cli_mpi_finish(const char *cmd, MPI_Comm comm, int rc)
{
    int rank = 0, size = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    /* who reports: own errors first, then errors that only echo another rank's, then rank 0 */
    const char *msg = ih_error_message();
    int echo = strncmp(msg, IH_MPI_AGREE_OTHER, strlen(IH_MPI_AGREE_OTHER)) == 0;
    int mine = rc == 0 ? 2 * size : echo ? size + rank : rank, first = mine;
    int agreed = ih_mpi_agree(comm, rc);
    if (agreed == 0)
        return 0;
    if (MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS)
        first = mine; /* cannot tell: every rank that failed reports */
    int reports = first == 2 * size ? rank == 0 : mine == first;
    return reports ? cli_report_error(cmd, rc < 0 ? rc : agreed) : ih_exit_status(agreed);
}

int cli_parse_long(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !end || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_double(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || !end || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}

int cli_unknown_option(const char *cmd, const char *arg, const struct option *options)
{
    const char *names[128];
    int n = 0;
    char word[128];
    /* "--sett=3" -> "sett" */
    snprintf(word, sizeof word, "%s", arg + strspn(arg, "-"));
    word[strcspn(word, "=")] = '\0';
    for (; options[n].name && n < 128; n++)
        names[n] = options[n].name;
    const char *near =
        word[0] && arg[0] == '-' && arg[1] == '-' ? ih_suggest(word, names, n) : NULL;
    if (near && strcmp(near, word) != 0)
        return cli_usage_error(cmd, "unknown option '%s'; did you mean '--%s'?", arg, near);
    return cli_usage_error(cmd, "unknown or incomplete option '%s'", arg);
}

int cli_positional_error(const char *cmd, int argc, char **argv, int first, const char *expected)
{
    for (int i = first; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (eq && eq != argv[i] && !strchr(argv[i], '/') && argv[i][0] != '-')
            return cli_usage_error(cmd,
                                   "'%s' looks like an override: pass it as --set %s (or "
                                   "--axis FIELD=V1,V2,... to sweep a field)",
                                   argv[i], argv[i]);
    }
    return cli_usage_error(cmd, "expected %s", expected);
}
