/* A no-op dlclose, preloaded into the MPI ranks of the sanitizer job: Open MPI unloads its
 * plugins in MPI_Finalize, after which LeakSanitizer cannot name the modules of their
 * allocations and lsan_mpi.supp cannot match them. Keeping them loaded costs nothing. */
int dlclose(void *handle);

int dlclose(void *handle)
{
    (void)handle;
    return 0;
}
