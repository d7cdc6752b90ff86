/* test_files.h - writing test input files (plain or gzip) for the reader tests. */
#ifndef TEST_FILES_H
#define TEST_FILES_H

#include <stdio.h>
#include <zlib.h>

/* Write n bytes to dir/name, gzip-compressed when gz. Returns the path (one of 8 rotating buffers). */
static inline const char *t_write_file(const char *dir, const char *name, const void *b, size_t n, int gz)
{
    static char paths[8][256];
    static int slot;
    char *path = paths[slot++ % 8];
    snprintf(path, 256, "%s/%s", dir, name);
    if (gz) {
        gzFile f = gzopen(path, "wb");
        gzwrite(f, b, (unsigned)n);
        gzclose(f);
    } else {
        FILE *f = fopen(path, "wb");
        fwrite(b, 1, n, f);
        fclose(f);
    }
    return path;
}

#endif
