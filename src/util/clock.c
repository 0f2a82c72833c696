/* The monotonic clock behind every duration ihsweep reports (clock.h). */
#define _POSIX_C_SOURCE 200809L
#include "ihsweep/clock.h"

#include <time.h>

double ih_clock_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
