/* Adding objects to a finished results file without risking its runs: the additions go into a
 * copy in the same directory ("<path>.update-<pid>"), which replaces the file by rename only once
 * it is complete, flushed, closed and synced. A failure at any point (a full disk above all)
 * removes the copy and leaves the file as it was. Free space is checked before copying, so
 * that a disk too small for the copy fails at once with a clear message.
 * This module does not decide what is added (analysis/ does).
 */
#include "io/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

enum { COPY_CHUNK = 1 << 20 };

static void dir_of(const char *path, char *out, size_t size)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s", path);
    snprintf(out, size, "%s", dirname(tmp));
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

/* Rank 0: checks free space, then copies path to tmp and syncs the copy. */
static int copy_file(const char *path, const char *tmp, double reserve)
{
    int rc = 0, in = -1, out = -1;
    char *buf = NULL, dir[4200];
    struct stat st;
    struct statvfs vfs;
    dir_of(path, dir, sizeof dir);
    in = open(path, O_RDONLY);
    if (in < 0 || fstat(in, &st) != 0)
        IH_FAIL(errno == ENOENT ? IH_ENOENT : IH_EIO, "cannot open %s: %s", path, strerror(errno));
    if (statvfs(dir, &vfs) == 0) {
        double free_bytes = (double)vfs.f_bavail * (double)vfs.f_frsize;
        double need = (double)st.st_size + reserve;
        if (free_bytes < need)
            IH_FAIL(IH_EIO,
                    "not enough free space in %s to update %s safely: about %.1f MiB are needed "
                    "(a copy of the file plus the additions), %.1f MiB are free; %s is unchanged",
                    dir, path, need / 1048576.0, free_bytes / 1048576.0, path);
    }
    out = open(tmp, O_WRONLY | O_CREAT | O_EXCL, st.st_mode & 0777);
    if (out < 0)
        IH_FAIL(IH_EIO, "cannot create %s: %s", tmp, strerror(errno));
    IH_ALLOC(buf, COPY_CHUNK);
    for (;;) {
        ssize_t n = read(in, buf, COPY_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            IH_FAIL(IH_EIO, "cannot read %s: %s", path, strerror(errno));
        if (n == 0)
            break;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                IH_FAIL(IH_EIO, "cannot copy %s to %s: %s; %s is unchanged", path, tmp,
                        strerror(errno), path);
            done += w;
        }
    }
    /* Reserve the room for the additions now: HDF5 allocates new objects at the end of its
     * address space, inside these blocks, so its writes cannot meet a full disk (after a failed
     * write HDF5 cannot close the file and crashes at MPI_Finalize). Closing trims the rest. */
    int err = reserve > 0 ? posix_fallocate(out, st.st_size, (off_t)reserve) : 0;
    if (err != 0)
        IH_FAIL(IH_EIO, "cannot reserve %.1f MiB in %s for updating %s: %s; %s is unchanged",
                reserve / 1048576.0, dir, path, strerror(err), path);
    if (fsync(out) != 0)
        IH_FAIL(IH_EIO, "cannot sync %s: %s; %s is unchanged", tmp, strerror(errno), path);
cleanup:
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0 && rc == 0) {
        ih_error_set(__FILE__, __LINE__, __func__, IH_EIO, "cannot close %s: %s", tmp,
                     strerror(errno));
        rc = IH_EIO;
    }
    if (rc < 0 && out >= 0)
        unlink(tmp);
    free(buf);
    return rc;
}

int results_update_open(MPI_Comm comm, const char *path, double reserve, char *tmp, int tmp_size,
                        ResultsFile **out)
{
    int rc = 0, rank = 0;
    long pid = (long)getpid();
    *out = NULL;
    MPI_Comm_rank(comm, &rank);
    MPI_Bcast(&pid, 1, MPI_LONG, 0, comm); /* rank 0's name for the copy, everywhere */
    if (snprintf(tmp, (size_t)tmp_size, "%s.update-%ld", path, pid) >= tmp_size)
        IH_FAIL(IH_EUSAGE, "results: path too long: %s", path);
    IH_TRY(ih_mpi_agree(comm, rank == 0 ? copy_file(path, tmp, reserve) : 0));
    rc = results_open(comm, tmp, 1, out);
    if (rc < 0) {
        ih_error_trace(__FILE__, __LINE__, __func__);
        if (rank == 0)
            unlink(tmp);
    }
cleanup:
    return rc;
}

/* Rank 0: syncs the complete copy and renames it over path. */
static int swap_in(const char *tmp, const char *path, const char *dir)
{
    int rc = 0;
    if (fsync_path(tmp, O_RDONLY) != 0)
        IH_FAIL(IH_EIO, "cannot sync %s: %s; %s is unchanged", tmp, strerror(errno), path);
    if (rename(tmp, path) != 0)
        IH_FAIL(IH_EIO, "cannot rename %s to %s: %s; %s is unchanged", tmp, path, strerror(errno),
                path);
    fsync_path(dir, O_RDONLY | O_DIRECTORY); /* the rename is done; this only hardens it */
cleanup:
    return rc;
}

int results_update_commit(MPI_Comm comm, ResultsFile **f, const char *tmp, const char *path)
{
    int rc = 0, rank = 0;
    MPI_Comm_rank(comm, &rank);
    rc = results_flush(*f);
    IH_TRY(ih_mpi_agree(comm, rc));
    rc = results_close(f);
    IH_TRY(ih_mpi_agree(comm, rc));
    if (rank == 0) {
        char dir[4200];
        dir_of(path, dir, sizeof dir);
        rc = swap_in(tmp, path, dir);
    }
    IH_TRY(ih_mpi_agree(comm, rc));
cleanup:
    if (rc < 0)
        results_update_discard(comm, f, tmp);
    return rc;
}

void results_update_discard(MPI_Comm comm, ResultsFile **f, const char *tmp)
{
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    if (f && *f)
        results__close_doomed(comm, f, rank == 0 ? tmp : NULL);
    if (rank == 0 && tmp && tmp[0])
        unlink(tmp);
}
