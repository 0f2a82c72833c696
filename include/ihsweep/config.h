/* Configuration files: JSON text in, validated structs out. The config module is the only place
 * that includes cJSON; errors name the offending field by its JSON path. Each module's section
 * below declares the parser for that module's config struct. Local (no MPI) throughout.
 */
#ifndef IHSWEEP_CONFIG_H
#define IHSWEEP_CONFIG_H

/* ---- data (data.h) ---- */

/* ---- model ---- */

/* ---- clamps (clamp.h) ---- */

/* ---- run (train.h) ---- */

/* ---- sweep (sweep.h) ---- */

#endif
