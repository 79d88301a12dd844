/*
 * tests/tools/make-bundle.c — puts signed status lists into one status bundle, the file the
 * national portal serves (mirror.h: a CBOR array of the lists, each exactly as its school
 * signed it), straight through the library (vb_mirror_bundle_encode), for the verifier's tests.
 * Nothing is checked or signed here: a tampered list goes into the bundle as it is.
 *
 * Usage: make-bundle --out FILE [LIST.cose…]
 * The lists go in the order given; none makes an empty bundle.
 */
#include "fileio.h"
#include "mirror.h"
#include "statuslist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "make-bundle: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *out_path = NULL;
    int first = 1;
    vb_error err = {0};

    if (argc >= 3 && strcmp(argv[1], "--out") == 0) {
        out_path = argv[2];
        first = 3;
    }
    if (!out_path)
        die("usage: make-bundle --out FILE [LIST.cose…]", NULL);
    size_t count = (size_t)(argc - first);
    if (count > VB_MIRROR_MAX_BUNDLE_LISTS)
        die("too many lists for one bundle", NULL);
    uint8_t **lists = calloc(count ? count : 1, sizeof *lists);
    size_t *lengths = calloc(count ? count : 1, sizeof *lengths);
    if (!lists || !lengths)
        die("out of memory", NULL);
    for (size_t i = 0; i < count; i++)
        if (vb_file_read_all(argv[first + (int)i], VB_STATUSLIST_MAX_BYTES, &lists[i], &lengths[i], &err) != VB_OK)
            die(argv[first + (int)i], err.message);

    uint8_t *bundle;
    size_t bundle_length;
    if (vb_mirror_bundle_encode((const uint8_t *const *)lists, lengths, count, &bundle, &bundle_length, &err) != VB_OK)
        die("cannot encode the bundle", err.message);
    if (vb_file_save_bytes(out_path, 0644, bundle, bundle_length, &err) != VB_OK)
        die(out_path, err.message);

    free(bundle);
    for (size_t i = 0; i < count; i++)
        free(lists[i]);
    free(lists);
    free(lengths);
    return 0;
}
