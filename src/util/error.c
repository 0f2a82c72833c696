/* The thread-local error record behind IH_FAIL / IH_TRY (see error.h). Does not print anything:
 * the CLI decides what to show. */
#include "ihsweep/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { ERROR_MAX_FRAMES = 32, ERROR_MSG_LEN = 1024 };

typedef struct {
    int code;
    char message[ERROR_MSG_LEN];
    int n_frames;
    char frames[ERROR_MAX_FRAMES][160];
} ErrorRecord;

static _Thread_local ErrorRecord error_record;

const char *ih_strerror(int code)
{
    switch (code) {
    case IH_OK: return "success";
    case IH_ENOMEM: return "out of memory";
    case IH_EUSAGE: return "usage error";
    case IH_ECONFIG: return "invalid configuration";
    case IH_EDATA: return "malformed data";
    case IH_ENOENT: return "missing input";
    case IH_EIO: return "I/O error";
    case IH_EMPI: return "MPI error";
    case IH_EHDF5: return "HDF5 error";
    case IH_ESTOP: return "stopped by signal (resume later)";
    case IH_EBROKEN: return "unusable file (moved aside?)";
    default: return "internal error";
    }
}

int ih_exit_status(int code)
{
    switch (code) {
    case IH_OK: return 0;
    case IH_EUSAGE: return 64;
    case IH_EDATA:
    case IH_EBROKEN: return 65;
    case IH_ENOENT: return 66;
    case IH_EIO:
    case IH_EHDF5: return 74;
    case IH_ESTOP: return 75;
    case IH_ECONFIG: return 78;
    default: return 70;
    }
}

static void error_add_frame(const char *file, int line, const char *func)
{
    if (error_record.n_frames >= ERROR_MAX_FRAMES)
        return;
    const char *base = strstr(file, "src/");
    snprintf(error_record.frames[error_record.n_frames++], sizeof error_record.frames[0],
             "%s:%d:%s", base ? base : file, line, func);
}

void ih_error_set(const char *file, int line, const char *func, int code, const char *fmt, ...)
{
    error_record.code = code;
    error_record.n_frames = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_record.message, sizeof error_record.message, fmt, ap);
    va_end(ap);
    error_add_frame(file, line, func);
}

void ih_error_trace(const char *file, int line, const char *func)
{
    error_add_frame(file, line, func);
}

const char *ih_error_message(void)
{
    return error_record.message;
}

int ih_error_code(void)
{
    return error_record.code;
}

void ih_error_traceback(char *buf, int size)
{
    int used = 0;
    if (size > 0)
        buf[0] = '\0';
    for (int i = 0; i < error_record.n_frames && used < size; i++)
        used += snprintf(buf + used, (size_t)(size - used), "  at %s\n", error_record.frames[i]);
}

void ih_error_clear(void)
{
    memset(&error_record, 0, sizeof error_record);
}
