/* Error and usage reporting shared by the subcommands. */
#include "cli/cli.h"

#include "ihsweep/error.h"

#include <stdarg.h>
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

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}
