/*
 * tests/tools/make-statuslist.c — signs a school's status list (docs/FORMAT.md §11) from the
 * command line, straight through the library (vb_statuslist_sign), for the verifier's tests.
 * Test keys only; the passphrase comes from $VANBANG_PASSPHRASE.
 *
 * Usage: make-statuslist --key school.key --cert school.crt --sequence N --out FILE
 *                        [--origin CODE] [--issued-at SECONDS] [--replacement RECORD.cose]…
 *                        [ENTRY…]
 * ENTRY is one of
 *   ID:revoked:REASON:DD/MM/YYYY[:DECISION]      REASON 1…6 (FORMAT.md §11 grounds)
 *   ID:superseded:BY_ID:DD/MM/YYYY[:DECISION]
 * with record ids in decimal (the register's record numbers). --origin defaults to the
 * certificate's school code, --issued-at to now. A payload the library would refuse is refused
 * here too (exit 2); the signer checks (origin, certificate validity) are the verifier's.
 */
#include "keys.h"
#include "statuslist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "make-statuslist: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(2);
}

static uint64_t parse_u64(const char *text, const char *what)
{
    char *end;
    errno = 0;
    if (!*text || *text == '-')
        die(what, text);
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || *end)
        die(what, text);
    return (uint64_t)value;
}

static uint8_t *read_file(const char *path, size_t *length)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open", path);
    size_t capacity = 4096, n = 0;
    uint8_t *data = malloc(capacity);
    for (size_t got; data && (got = fread(data + n, 1, capacity - n, f)) > 0;) {
        n += got;
        if (n == capacity)
            data = realloc(data, capacity *= 2);
    }
    fclose(f);
    if (!data)
        die("out of memory", NULL);
    *length = n;
    return data;
}

/* ID:STATE:VALUE:DATE[:DECISION] into the builder. */
static void add_entry(vb_statuslist_builder *builder, char *text)
{
    char *fields[5] = {0};
    char *p = text;
    vb_error err = {0};
    for (int i = 0; i < 4; i++) {
        fields[i] = p;
        char *colon = strchr(p, ':');
        if (!colon) {
            if (i < 3)
                die("an entry is ID:revoked:REASON:DD/MM/YYYY[:DECISION] or ID:superseded:BY_ID:DD/MM/YYYY", text);
            p = NULL;
            break;
        }
        *colon = '\0';
        p = colon + 1;
    }
    fields[4] = p; /* the decision number: the rest, colons and all */

    vb_statuslist_entry entry;
    memset(&entry, 0, sizeof entry);
    entry.record_id = parse_u64(fields[0], "bad record id");
    if (strcmp(fields[1], "revoked") == 0) {
        entry.state = VB_STATUSLIST_STATE_REVOKED;
        entry.reason = (int)parse_u64(fields[2], "bad reason");
    } else if (strcmp(fields[1], "superseded") == 0) {
        entry.state = VB_STATUSLIST_STATE_SUPERSEDED;
        entry.superseded_by = parse_u64(fields[2], "bad superseding id");
    } else {
        die("the state is revoked or superseded", fields[1]);
    }
    if (!vb_date_parse_dmy(fields[3], &entry.decision_date))
        die("bad date (DD/MM/YYYY)", fields[3]);
    if (vb_statuslist_builder_add(builder, &entry, fields[4], &err) != VB_OK)
        die("entry", err.message);
}

int main(int argc, char **argv)
{
    const char *key_path = NULL, *cert_path = NULL, *out_path = NULL, *origin = NULL;
    uint64_t sequence = 0;
    int64_t issued_at = (int64_t)time(NULL);
    vb_statuslist_builder builder;
    vb_error err = {0};

    vb_statuslist_builder_init(&builder);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--key") == 0 && value) key_path = value, i++;
        else if (strcmp(arg, "--cert") == 0 && value) cert_path = value, i++;
        else if (strcmp(arg, "--out") == 0 && value) out_path = value, i++;
        else if (strcmp(arg, "--origin") == 0 && value) origin = value, i++;
        else if (strcmp(arg, "--sequence") == 0 && value) sequence = parse_u64(value, "bad sequence"), i++;
        else if (strcmp(arg, "--issued-at") == 0 && value) issued_at = (int64_t)parse_u64(value, "bad time"), i++;
        else if (strcmp(arg, "--replacement") == 0 && value) {
            size_t length;
            uint8_t *record = read_file(value, &length);
            if (vb_statuslist_builder_add_replacement(&builder, record, length, &err) != VB_OK)
                die("replacement", err.message);
            free(record);
            i++;
        } else if (arg[0] == '-') {
            die("unknown option", arg);
        } else {
            char *copy = strdup(arg);
            if (!copy)
                die("out of memory", NULL);
            add_entry(&builder, copy);
            free(copy);
        }
    }
    if (!key_path || !cert_path || !out_path || sequence == 0)
        die("usage: make-statuslist --key FILE --cert FILE --sequence N --out FILE [--origin CODE] "
            "[--issued-at SECONDS] [--replacement FILE]… [ENTRY…]",
            NULL);

    X509 *cert;
    EVP_PKEY *key;
    char passphrase[VB_PASSPHRASE_MAX_BYTES], school[VB_MAX_SCHOOL_CODE_BYTES + 1];
    if (vb_cert_load(cert_path, &cert, &err) != VB_OK)
        die("certificate", err.message);
    if (!origin) {
        if (vb_cert_school_code(X509_get_subject_name(cert), school, sizeof school, &err) != VB_OK)
            die("certificate", err.message);
        origin = school;
    }
    if (vb_passphrase_read("passphrase: ", 0, -1, passphrase, sizeof passphrase, &err) != VB_OK)
        die("passphrase", err.message);
    vb_status s = vb_key_load_encrypted(key_path, passphrase, strlen(passphrase), &key, &err);
    vb_passphrase_wipe(passphrase, sizeof passphrase);
    if (s != VB_OK)
        die("key", err.message);

    uint8_t kid[VB_KID_BYTES], *signed_list;
    size_t length;
    vb_cose_signer signer;
    if (vb_cert_kid(cert, kid, &err) != VB_OK || vb_cose_signer_init(&signer, key, kid, &err) != VB_OK)
        die("signer", err.message);
    if (vb_statuslist_sign(&builder, &signer, origin, sequence, issued_at, &signed_list, &length, &err) != VB_OK)
        die("sign", err.message);
    FILE *f = fopen(out_path, "wb");
    if (!f || fwrite(signed_list, 1, length, f) != length || fclose(f) != 0)
        die("cannot write", out_path);
    printf("%s: %s sequence %llu, %zu entries, %zu bytes\n", out_path, origin, (unsigned long long)sequence,
           builder.count, length);
    free(signed_list);
    vb_statuslist_builder_free(&builder);
    vb_cose_signer_free(&signer);
    EVP_PKEY_free(key);
    X509_free(cert);
    return 0;
}
