/* Which file system holds the results file, and the write mode it calls for: parallel file
 * systems (Lustre, GPFS/Spectrum Scale, BeeGFS) and local ones are what concurrent MPI-IO writes
 * to one file need; NFS is not (client caches make independent writes from several nodes
 * unsafe), so there --write-mode auto funnels every row through rank 0 (funnel.c).
 * IHSWEEP_FS_TYPE=<name of the table below> replaces what statfs reports (for tests, and for a
 * mount whose type the table does not know); the log then says so.
 */
#include "sweep/internal.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/vfs.h>

typedef struct {
    long magic;
    const char *name;
    int kind; /* SWEEP_FS_* */
} FsType;

static const FsType fs_types[] = {
    {0x0BD00BD0, "lustre", SWEEP_FS_PARALLEL}, {0x47504653, "gpfs", SWEEP_FS_PARALLEL},
    {0x19830326, "beegfs", SWEEP_FS_PARALLEL}, {0x6969, "nfs", SWEEP_FS_NFS},
    {0xFE534D42, "smb2", SWEEP_FS_NFS},        {0xFF534D42, "cifs", SWEEP_FS_NFS},
    {0x65735546, "fuse", SWEEP_FS_NFS},        {0xEF53, "ext4", SWEEP_FS_LOCAL},
    {0x58465342, "xfs", SWEEP_FS_LOCAL},       {(long)0x9123683E, "btrfs", SWEEP_FS_LOCAL},
    {0x2FC12FC1, "zfs", SWEEP_FS_LOCAL},       {0x01021994, "tmpfs", SWEEP_FS_LOCAL},
    {0x794C7630, "overlay", SWEEP_FS_LOCAL},
};

int sweep__fs_kind(const char *path, char *name, int size)
{
    char copy[4200];
    struct statfs st;
    const char *forced = getenv("IHSWEEP_FS_TYPE");
    if (forced && forced[0]) {
        for (size_t i = 0; i < sizeof fs_types / sizeof fs_types[0]; i++)
            if (strcasecmp(forced, fs_types[i].name) == 0) {
                snprintf(name, (size_t)size, "%s (IHSWEEP_FS_TYPE)", fs_types[i].name);
                return fs_types[i].kind;
            }
        snprintf(name, (size_t)size, "%s (IHSWEEP_FS_TYPE, not a type ihsweep knows)", forced);
        return SWEEP_FS_UNKNOWN;
    }
    snprintf(copy, sizeof copy, "%s", path);
    snprintf(name, (size_t)size, "unknown");
    if (statfs(dirname(copy), &st) != 0)
        return SWEEP_FS_UNKNOWN;
    for (size_t i = 0; i < sizeof fs_types / sizeof fs_types[0]; i++)
        if ((long)(unsigned int)st.f_type == (long)(unsigned int)fs_types[i].magic) {
            snprintf(name, (size_t)size, "%s", fs_types[i].name);
            return fs_types[i].kind;
        }
    snprintf(name, (size_t)size, "type 0x%lx", (unsigned long)(unsigned int)st.f_type);
    return SWEEP_FS_UNKNOWN;
}

int sweep__write_funnel(SweepWriteMode mode, int fs_kind)
{
    return mode == SWEEP_WRITE_FUNNEL || (mode == SWEEP_WRITE_AUTO && fs_kind == SWEEP_FS_NFS);
}
