/* Error codes and the error traceback shared by every module.
 *
 * Functions that allocate, parse, do I/O or call MPI return int: 0 on success, a negative IH_E*
 * code on failure. The failing site records a message with IH_FAIL; every caller on the way up
 * adds its file:line:function with IH_TRY, so the top level can print one line plus a traceback.
 * The record is thread-local (like errno): the one piece of mutable file-scope state in ihsweep.
 * Kernels and model_forward/backward never fail and never touch this.
 */
#ifndef IHSWEEP_ERROR_H
#define IHSWEEP_ERROR_H

enum {
    IH_OK = 0,
    IH_ENOMEM = -1,  /* allocation failed */
    IH_EUSAGE = -2,  /* bad command line */
    IH_ECONFIG = -3, /* invalid configuration value (names the field) */
    IH_EDATA = -4,   /* malformed input data (bad shape, bad checksum, bad JSON) */
    IH_ENOENT = -5,  /* missing input file or dataset */
    IH_EIO = -6,     /* read/write/fsync/rename failed */
    IH_EMPI = -7,    /* an MPI call failed */
    IH_EHDF5 = -8,   /* an HDF5 call failed */
    IH_ESTOP = -9,   /* stopped by a signal after checkpointing: requeue and resume */
    IH_EINTERNAL = -10,
    IH_EBROKEN = -11 /* a file exists but cannot be used (e.g. torn before its first flush): move
                        it aside and start again; bad input data, so exit status 65 */
};

/* Returns a static description of code. Local. */
const char *ih_strerror(int code);

/* Maps an error code to a sysexits-style process exit status (64 usage, 65 data: IH_EDATA and
 * IH_EBROKEN, 66 no input, 74 I/O, 75 temporary failure / requeue, 78 config, 70 software).
 * Local. */
int ih_exit_status(int code);

/* Starts a new error record (discarding the previous one) with a printf-style message. Local. */
void ih_error_set(const char *file, int line, const char *func, int code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Appends one traceback frame to the current record. Local. */
void ih_error_trace(const char *file, int line, const char *func);

/* The message of the current record ("" if none). Borrowed; valid until the next ih_error_set. */
const char *ih_error_message(void);

/* The code of the current record (IH_OK if none). */
int ih_error_code(void);

/* Writes the traceback frames, innermost first, one per line, to buf (truncated to size). */
void ih_error_traceback(char *buf, int size);

/* Clears the record. */
void ih_error_clear(void);

/* IH_FAIL(code, fmt, ...): record an error, set rc, jump to the function's `cleanup` label.
 * IH_TRY(expr): run expr (an int-returning call); on failure add a frame and jump to `cleanup`.
 * Both need `int rc` in scope and a `cleanup:` label. */
#define IH_FAIL(code, ...)                                                                         \
    do {                                                                                           \
        ih_error_set(__FILE__, __LINE__, __func__, (code), __VA_ARGS__);                          \
        rc = (code);                                                                               \
        goto cleanup;                                                                              \
    } while (0)

#define IH_TRY(expr)                                                                               \
    do {                                                                                           \
        rc = (expr);                                                                               \
        if (rc < 0) {                                                                              \
            ih_error_trace(__FILE__, __LINE__, __func__);                                          \
            goto cleanup;                                                                          \
        }                                                                                          \
    } while (0)

/* IH_ALLOC(ptr, count): calloc count elements of *ptr; IH_FAIL with IH_ENOMEM on failure. */
#define IH_ALLOC(ptr, count)                                                                       \
    do {                                                                                           \
        size_t ih_n_ = (size_t)(count);                                                            \
        (ptr) = calloc(ih_n_ ? ih_n_ : 1, sizeof(*(ptr)));                                         \
        if (!(ptr))                                                                                \
            IH_FAIL(IH_ENOMEM, "out of memory allocating %zu x %zu bytes", ih_n_,                  \
                    sizeof(*(ptr)));                                                               \
    } while (0)

#endif
