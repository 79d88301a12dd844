/*
 * fileio.h — whole-file reads with a size limit, and atomic writes: a file is written under a
 * temporary name beside its destination, synced, then renamed into place, so a crash leaves the
 * old file or the new one, never half of one.
 */
#ifndef VB_FILEIO_H
#define VB_FILEIO_H

#include "vanbang.h"

#include <stdio.h>
#include <sys/types.h>

/* Writes through `write` (which returns a vb_status) into a new temporary file of `mode`, then
 * renames it to path. With exclusive set, an existing path is refused instead of replaced. */
typedef vb_status (*vb_file_writer)(FILE *out, const void *context, vb_error *err);
vb_status vb_file_save(const char *path, mode_t mode, int exclusive, vb_file_writer write, const void *context,
                       vb_error *err);
/* The same for a buffer. */
vb_status vb_file_save_bytes(const char *path, mode_t mode, const void *data, size_t length, vb_error *err);

/* Reads a whole file of at most `limit` bytes into a malloc'd buffer (NUL-terminated past the end). */
vb_status vb_file_read_all(const char *path, size_t limit, uint8_t **data, size_t *length, vb_error *err);

#endif
