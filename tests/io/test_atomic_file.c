/* atomic_file: round trip, replacement, empty payload, the exact header bytes of a known payload
 * (the checksum is FNV-1a and must never change: existing checkpoints must stay readable),
 * detection of corrupted, truncated and foreign files, a missing file, and no temp files left
 * behind. MPI-free.
 */
#include "harness.h"

#include "ihsweep/atomic_file.h"
#include "ihsweep/error.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

TEST_COUNTS_DECLARE;

static const char *dir = "atomic_test_dir";

static void flip_byte(const char *path, long offset)
{
    FILE *fp = fopen(path, "r+b");
    CHECK(fp != NULL);
    if (!fp)
        return;
    fseek(fp, offset, SEEK_SET);
    int c = fgetc(fp);
    fseek(fp, offset, SEEK_SET);
    fputc(c ^ 0x10, fp);
    fclose(fp);
}

static int count_files(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static void test_round_trip(const char *path)
{
    enum { N = 100000 };
    unsigned char *payload = malloc(N);
    for (int i = 0; i < N; i++)
        payload[i] = (unsigned char)(i * 131 + 7);
    CHECK_OK(atomic_file_write(path, payload, N));
    void *back = NULL;
    size_t size = 0;
    CHECK_OK(atomic_file_read(path, &back, &size));
    CHECK_INT_EQ(size, N);
    CHECK(back && memcmp(back, payload, N) == 0);
    free(back);

    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size == N + ATOMIC_FILE_HEADER_BYTES);

    /* Replacing it with a shorter payload, then an empty one. */
    CHECK_OK(atomic_file_write(path, "new", 3));
    CHECK_OK(atomic_file_read(path, &back, &size));
    CHECK_INT_EQ(size, 3);
    CHECK(back && memcmp(back, "new", 3) == 0);
    free(back);
    CHECK_OK(atomic_file_write(path, NULL, 0));
    back = NULL;
    CHECK_OK(atomic_file_read(path, &back, &size));
    CHECK_INT_EQ(size, 0);
    CHECK(back != NULL);
    free(back);
    CHECK_INT_EQ(count_files(), 1); /* no temp file left */
    free(payload);
}

static void test_damage(const char *path)
{
    void *back = NULL;
    size_t size = 0;
    const char text[] = "checkpoint payload";

    CHECK_OK(atomic_file_write(path, text, sizeof text));
    flip_byte(path, ATOMIC_FILE_HEADER_BYTES + 5); /* payload byte */
    CHECK_ERR(atomic_file_read(path, &back, &size), IH_EDATA);
    CHECK(strstr(ih_error_message(), "checksum") != NULL);
    CHECK(back == NULL);

    CHECK_OK(atomic_file_write(path, text, sizeof text));
    flip_byte(path, 12); /* reserved header byte: covered by the checksum */
    CHECK_ERR(atomic_file_read(path, &back, &size), IH_EDATA);

    CHECK_OK(atomic_file_write(path, text, sizeof text));
    flip_byte(path, 8); /* version */
    CHECK_ERR(atomic_file_read(path, &back, &size), IH_EDATA);
    CHECK(strstr(ih_error_message(), "version") != NULL);

    CHECK_OK(atomic_file_write(path, text, sizeof text));
    CHECK(truncate(path, ATOMIC_FILE_HEADER_BYTES + 4) == 0);
    CHECK_ERR(atomic_file_read(path, &back, &size), IH_EDATA);

    FILE *fp = fopen(path, "wb");
    if (fp) {
        fputs("not a checkpoint at all, just some text", fp);
        fclose(fp);
    }
    CHECK_ERR(atomic_file_read(path, &back, &size), IH_EDATA);
    CHECK(strstr(ih_error_message(), "not a checkpoint") != NULL);

    unlink(path);
    CHECK_ERR(atomic_file_read(path, &back, &size), IH_ENOENT);
    CHECK_ERR(atomic_file_write("no_such_dir/x/ckpt.bin", text, sizeof text), IH_EIO);
}

/* The header of a known payload, byte for byte (checksum from an independent FNV-1a 64). */
static void test_golden_header(const char *path)
{
    static const char payload[] = "induction heads\n";
    static const unsigned char want[ATOMIC_FILE_HEADER_BYTES] = {
        'I', 'H', 'S', 'W', 'A', 'T', 'O', 'M', 1,    0,    0,    0,    0,    0,    0,    0,
        16,  0,   0,   0,   0,   0,   0,   0,   0x40, 0x85, 0xf7, 0x05, 0x79, 0x67, 0xaf, 0x80};
    unsigned char got[ATOMIC_FILE_HEADER_BYTES] = {0};
    CHECK_OK(atomic_file_write(path, payload, sizeof payload - 1));
    FILE *fp = fopen(path, "rb");
    CHECK(fp != NULL);
    if (fp) {
        CHECK_INT_EQ(fread(got, 1, sizeof got, fp), sizeof got);
        fclose(fp);
    }
    for (int i = 0; i < ATOMIC_FILE_HEADER_BYTES; i++)
        CHECK_INT_EQ(got[i], want[i]);
    unlink(path);
}

int main(void)
{
    char path[256];
    mkdir(dir, 0777);
    snprintf(path, sizeof path, "%s/ckpt.bin", dir);
    unlink(path);
    test_round_trip(path);
    test_golden_header(path);
    test_damage(path);
    rmdir(dir);
    TEST_MAIN_END("test_atomic_file");
}
