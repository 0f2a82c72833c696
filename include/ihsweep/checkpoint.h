/* Checkpoint files: a model's configuration, parameters and Adam state, plus an opaque block of
 * training state, written atomically (temp file, fsync, rename, fsync of the directory) with a
 * checksum. MPI-free. Used to resume runs and as the frozen models of graft clamps.
 */
#ifndef IHSWEEP_CHECKPOINT_H
#define IHSWEEP_CHECKPOINT_H

#include "ihsweep/model.h"

#include <stddef.h>
#include <stdint.h>

/* Writes m (config, parameters, Adam moments and step) and state[state_size] to path atomically.
 * config_hash identifies the run configuration. Errors: IH_EIO, IH_ENOMEM. Local. */
int checkpoint_write(const char *path, const Model *m, uint64_t config_hash, const void *state,
                     size_t state_size);

/* Reads a checkpoint. When expect_hash != 0 and differs from the stored hash: IH_EDATA. Creates
 * *model_out from the stored configuration (owned; destroy with model_destroy) with parameters and
 * Adam state restored. When state_out is non-NULL, *state_out receives an owned copy of the state
 * block (free()) and *state_size its size. Errors: IH_ENOENT, IH_EIO, IH_EDATA (bad magic, version,
 * checksum or size), IH_ENOMEM. Local. */
int checkpoint_read(const char *path, uint64_t expect_hash, Model **model_out, void **state_out,
                    size_t *state_size);

#endif
