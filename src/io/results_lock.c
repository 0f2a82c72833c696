/* The writer lock of a results file: an advisory lock file "<path>.lock" made with
 * O_CREAT|O_EXCL (atomic on local, NFS and Lustre file systems, where HDF5's own file locking is
 * usually turned off) that records who writes the file: host, pid, the pid's start time, Slurm
 * job id and restart count, and since when. It is removed when the writer ends; a lock left by a
 * writer that was killed is recognised as stale when its pid is gone (or is another process) on
 * this host, or when it belongs to an earlier incarnation of this requeued Slurm job, and is then
 * replaced. A lock from another host that cannot be checked is reported, naming its holder.
 * This module does not lock readers, and does not make the lock mandatory.
 */
#include "io/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { LOCK_TEXT_MAX = 1024, LOCK_FIELD_MAX = 256 };

struct ResultsLock {
    char path[4200]; /* the lock file */
    char text[LOCK_TEXT_MAX];
};

/* The start time of process pid in clock ticks since boot (field 22 of /proc/<pid>/stat), or 0
 * where /proc is unavailable; *zombie (may be NULL) = 1 when it has exited but was not reaped
 * (a rank whose launcher died: kill(pid, 0) still succeeds on it). */
static unsigned long long pid_start_time_state(long pid, int *zombie)
{
    char path[64], buf[1024];
    if (zombie)
        *zombie = 0;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (p && zombie && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
        *zombie = 1;
    unsigned long long start = 0;
    for (int field = 2; p && *p; p++)
        if (*p == ' ' && ++field == 22) {
            start = strtoull(p + 1, NULL, 10);
            break;
        }
    return start;
}

static unsigned long long pid_start_time(long pid)
{
    return pid_start_time_state(pid, NULL);
}

static void lock_field(const char *text, const char *key, char *out, size_t size)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\n%s=", key);
    out[0] = '\0';
    const char *p = strstr(text, pattern);
    if (!p)
        return;
    p += strlen(pattern);
    size_t n = strcspn(p, "\n");
    if (n >= size)
        n = size - 1;
    memcpy(out, p, n);
    out[n] = '\0';
}

static void env_or_empty(const char *name, char *out, size_t size)
{
    const char *v = getenv(name);
    snprintf(out, size, "%s", v ? v : "");
}

/* What this process writes into its lock (a leading newline so that every key follows one). */
static void lock_text(const char *what, char *out, size_t size)
{
    char host[LOCK_FIELD_MAX] = "", job[64], restart[32], stamp[32];
    time_t t = time(NULL);
    struct tm tm;
    gethostname(host, sizeof host - 1);
    env_or_empty("SLURM_JOB_ID", job, sizeof job);
    env_or_empty("SLURM_RESTART_COUNT", restart, sizeof restart);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    snprintf(out, size,
             "\nihsweep_lock=1\nhost=%s\npid=%ld\npid_start=%llu\nslurm_job=%s\n"
             "slurm_restart=%s\nsince=%s\nwriter=%s\n",
             host, (long)getpid(), pid_start_time((long)getpid()), job, restart, stamp, what);
}

/* 1 when the lock described by text was left by a writer that no longer runs. */
static int lock_is_stale(const char *text, double age_seconds)
{
    char host[LOCK_FIELD_MAX], me[LOCK_FIELD_MAX] = "", pid_s[32], start_s[32], job[64],
                               restart[32], my_job[64], my_restart[32];
    lock_field(text, "host", host, sizeof host);
    lock_field(text, "pid", pid_s, sizeof pid_s);
    if (!host[0] || !pid_s[0]) /* killed between creating and writing it */
        return age_seconds > 60;
    lock_field(text, "pid_start", start_s, sizeof start_s);
    lock_field(text, "slurm_job", job, sizeof job);
    lock_field(text, "slurm_restart", restart, sizeof restart);
    env_or_empty("SLURM_JOB_ID", my_job, sizeof my_job);
    env_or_empty("SLURM_RESTART_COUNT", my_restart, sizeof my_restart);
    /* an earlier incarnation of this requeued job, wherever it ran */
    if (job[0] && strcmp(job, my_job) == 0 && atol(restart) < atol(my_restart))
        return 1;
    gethostname(me, sizeof me - 1);
    if (strcmp(host, me) != 0)
        return 0;
    long pid = atol(pid_s);
    if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH))
        return 1;
    int zombie = 0;
    unsigned long long start = strtoull(start_s, NULL, 10);
    unsigned long long now = pid_start_time_state(pid, &zombie);
    return zombie || (start != 0 && now != 0 && start != now); /* exited, or the pid was reused */
}

/* Rank 0's attempt. */
static int lock_take(const char *path, const char *what, FILE *log, ResultsLock **out)
{
    int rc = 0, fd = -1;
    ResultsLock *lock = NULL;
    IH_ALLOC(lock, 1);
    if (snprintf(lock->path, sizeof lock->path, "%s.lock", path) >= (int)sizeof lock->path)
        IH_FAIL(IH_EUSAGE, "results lock: path too long: %s", path);
    lock_text(what, lock->text, sizeof lock->text);
    for (int attempt = 0; attempt < 3; attempt++) {
        fd = open(lock->path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd >= 0)
            break;
        if (errno != EEXIST)
            IH_FAIL(IH_EIO, "cannot create the lock file %s: %s", lock->path, strerror(errno));
        char held[LOCK_TEXT_MAX] = "\n";
        struct stat st;
        FILE *f = fopen(lock->path, "r");
        if (!f)
            continue; /* released meanwhile: try again */
        size_t n = fread(held + 1, 1, sizeof held - 2, f);
        fclose(f);
        held[n + 1] = '\0';
        double age = stat(lock->path, &st) == 0 ? difftime(time(NULL), st.st_mtime) : 0;
        if (!lock_is_stale(held, age)) {
            char host[LOCK_FIELD_MAX], pid[32], job[64], since[64], writer[64];
            lock_field(held, "host", host, sizeof host);
            lock_field(held, "pid", pid, sizeof pid);
            lock_field(held, "slurm_job", job, sizeof job);
            lock_field(held, "since", since, sizeof since);
            lock_field(held, "writer", writer, sizeof writer);
            IH_FAIL(IH_EIO,
                    "%s is being written by another ihsweep %s (host %s, pid %s%s%s, since %s): "
                    "two writers would train the same runs; wait for it to end, or, if it is "
                    "certainly gone, remove %s",
                    path, writer[0] ? writer : "process", host[0] ? host : "?", pid[0] ? pid : "?",
                    job[0] ? ", Slurm job " : "", job, since[0] ? since : "?", lock->path);
        }
        if (log)
            fprintf(log, "ihsweep: removing the stale lock %s left by a writer that is gone\n",
                    lock->path);
        if (unlink(lock->path) != 0 && errno != ENOENT)
            IH_FAIL(IH_EIO, "cannot remove the stale lock %s: %s", lock->path, strerror(errno));
    }
    if (fd < 0)
        IH_FAIL(IH_EIO, "cannot take the lock %s (it keeps changing hands)", lock->path);
    size_t len = strlen(lock->text + 1);
    if (write(fd, lock->text + 1, len) != (ssize_t)len || fsync(fd) != 0) {
        int err = errno;
        close(fd);
        fd = -1;
        unlink(lock->path);
        IH_FAIL(IH_EIO, "cannot write the lock file %s: %s", lock->path, strerror(err));
    }
    *out = lock;
    lock = NULL;
cleanup:
    if (fd >= 0)
        close(fd);
    free(lock);
    return rc;
}

int results_lock_acquire(MPI_Comm comm, const char *path, const char *what, FILE *log,
                         ResultsLock **out)
{
    int rank = 0, rc = 0;
    *out = NULL;
    MPI_Comm_rank(comm, &rank);
    if (rank == 0)
        rc = lock_take(path, what, log, out);
    rc = ih_mpi_agree(comm, rc);
    if (rc < 0)
        results_lock_release(out);
    return rc;
}

void results_lock_release(ResultsLock **lock)
{
    if (!lock || !*lock)
        return;
    /* remove it only while it is still ours (it may have been removed by hand and retaken) */
    char held[LOCK_TEXT_MAX] = "\n";
    FILE *f = fopen((*lock)->path, "r");
    if (f) {
        size_t n = fread(held + 1, 1, sizeof held - 2, f);
        fclose(f);
        held[n + 1] = '\0';
        if (strcmp(held, (*lock)->text) == 0)
            unlink((*lock)->path);
    }
    free(*lock);
    *lock = NULL;
}

int results_lock_holder(const char *path, char *out, int size)
{
    char lock_path[4200], held[LOCK_TEXT_MAX] = "\n", host[LOCK_FIELD_MAX], pid[32], job[64],
                          since[64], writer[64];
    struct stat st;
    snprintf(lock_path, sizeof lock_path, "%s.lock", path);
    FILE *f = fopen(lock_path, "r");
    if (!f)
        return 0;
    size_t n = fread(held + 1, 1, sizeof held - 2, f);
    fclose(f);
    held[n + 1] = '\0';
    double age = stat(lock_path, &st) == 0 ? difftime(time(NULL), st.st_mtime) : 0;
    int stale = lock_is_stale(held, age);
    lock_field(held, "host", host, sizeof host);
    lock_field(held, "pid", pid, sizeof pid);
    lock_field(held, "slurm_job", job, sizeof job);
    lock_field(held, "since", since, sizeof since);
    lock_field(held, "writer", writer, sizeof writer);
    snprintf(out, (size_t)size, "%s %s (host %s, pid %s%s%s, since %s; lock file %s)",
             writer[0] ? writer : "ihsweep", stale ? "that is gone" : "running",
             host[0] ? host : "?", pid[0] ? pid : "?", job[0] ? ", Slurm job " : "", job,
             since[0] ? since : "?", lock_path);
    return stale ? 2 : 1;
}
