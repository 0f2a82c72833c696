/* The one wall clock for measuring durations (training time, scheduling, benchmarks). */
#ifndef IHSWEEP_CLOCK_H
#define IHSWEEP_CLOCK_H

/* Seconds on the monotonic clock (CLOCK_MONOTONIC), from an arbitrary origin: only differences
 * mean anything. Local; cannot fail. */
double ih_clock_seconds(void);

#endif
