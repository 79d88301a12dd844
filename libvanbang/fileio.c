/*
 * fileio.c — bounded reads and crash-safe writes (see fileio.h).
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A rename is only durable once the directory that holds the name is synced. */
static void sync_directory_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *directory = slash ? strndup(path, (size_t)(slash - path) + 1) : strdup(".");
    if (!directory)
        return;
    int fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(directory);
}

vb_status vb_file_save(const char *path, mode_t mode, int exclusive, vb_file_writer write, const void *context,
                       vb_error *err)
{
    static const char suffix[] = ".tmp-XXXXXX";
    if (!path || !path[0])
        return vb_fail(err, VB_ERR_ARGUMENT, "no output file name");
    if (exclusive && access(path, F_OK) == 0)
        return vb_fail(err, VB_ERR_IO, "%s already exists; refusing to replace it", path);

    size_t path_length = strlen(path);
    char *temporary = malloc(path_length + sizeof suffix);
    if (!temporary)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    memcpy(temporary, path, path_length);
    memcpy(temporary + path_length, suffix, sizeof suffix);

    int fd = mkstemp(temporary);
    if (fd < 0) {
        vb_status s = vb_fail(err, VB_ERR_IO, "cannot create %s: %s", temporary, strerror(errno));
        free(temporary);
        return s;
    }
    vb_status s = VB_OK;
    FILE *out = NULL;
    if (fchmod(fd, mode) != 0 || !(out = fdopen(fd, "wb"))) {
        s = vb_fail(err, VB_ERR_IO, "cannot prepare %s: %s", temporary, strerror(errno));
        close(fd);
    } else {
        s = write(out, context, err);
        if (s == VB_OK && (fflush(out) != 0 || fsync(fileno(out)) != 0))
            s = vb_fail(err, VB_ERR_IO, "cannot write %s: %s", temporary, strerror(errno));
        if (fclose(out) != 0 && s == VB_OK)
            s = vb_fail(err, VB_ERR_IO, "cannot close %s: %s", temporary, strerror(errno));
    }
    if (s == VB_OK) {
        /* link() refuses an existing name, so an exclusive save cannot race another writer. */
        int failed = exclusive ? link(temporary, path) : rename(temporary, path);
        if (failed != 0)
            s = vb_fail(err, VB_ERR_IO, "cannot create %s: %s", path, strerror(errno));
        else if (exclusive)
            unlink(temporary);
    }
    if (s == VB_OK)
        sync_directory_of(path);
    else
        unlink(temporary);
    free(temporary);
    return s;
}

typedef struct {
    const void *data;
    size_t length;
} byte_span;

static vb_status write_span(FILE *out, const void *context, vb_error *err)
{
    const byte_span *span = context;
    if (span->length && fwrite(span->data, 1, span->length, out) != span->length)
        return vb_fail(err, VB_ERR_IO, "write failed: %s", strerror(errno));
    return VB_OK;
}

vb_status vb_file_save_bytes(const char *path, mode_t mode, const void *data, size_t length, vb_error *err)
{
    byte_span span = {data, length};
    return vb_file_save(path, mode, 0, write_span, &span, err);
}

vb_status vb_file_read_all(const char *path, size_t limit, uint8_t **data, size_t *length, vb_error *err)
{
    FILE *file = fopen(path, "rb");
    *data = NULL;
    *length = 0;
    if (!file)
        return vb_fail(err, VB_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t capacity = 4096, used = 0;
    uint8_t *buffer = malloc(capacity + 1);
    vb_status s = VB_OK;
    while (buffer) {
        if (used == capacity) {
            if (capacity > limit)
                break;
            capacity *= 2;
            uint8_t *grown = realloc(buffer, capacity + 1);
            if (!grown) {
                free(buffer);
                buffer = NULL;
                break;
            }
            buffer = grown;
        }
        size_t n = fread(buffer + used, 1, capacity - used, file);
        used += n;
        if (n == 0)
            break;
    }
    if (!buffer)
        s = vb_fail(err, VB_ERR_NOMEM, "%s: out of memory", path);
    else if (ferror(file))
        s = vb_fail(err, VB_ERR_IO, "%s: read error: %s", path, strerror(errno));
    else if (used > limit)
        s = vb_fail(err, VB_ERR_TOO_LARGE, "%s: larger than the %zu-byte limit", path, limit);
    fclose(file);
    if (s != VB_OK) {
        free(buffer);
        return s;
    }
    buffer[used] = '\0';
    *data = buffer;
    *length = used;
    return VB_OK;
}
