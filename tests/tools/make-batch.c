/*
 * tests/tools/make-batch.c — a signed upload batch (or leaf statement) for the national portal
 * (mirror.h), made straight from a school's register through the library, for the portal's
 * tests before and beside `vanbang-issue upload`. Test keys only; the passphrase comes from
 * $VANBANG_PASSPHRASE.
 *
 * Usage: make-batch --register FILE --key school.key --cert school.crt --first N [--count C]
 *                   --out FILE [--time SECONDS] [--tamper-record I] [--leaves]
 *                   [--tamper-leaf I]
 *
 * A batch holds events first … first+count−1 (count defaults to every event from first on):
 * each entry as the register stores it, the signed record of issue, correct and copy events,
 * and the personal identification number beside the issue of an original that has one; then
 * a checkpoint of size first−1+count signed with the key, and the consistency proof from size
 * first−1. --tamper-record I changes the last byte of the I-th record of the batch (0-based)
 * before the batch is signed, as a school whose register was edited would send it.
 *
 * --leaves writes a leaf statement instead: the leaf hashes of the same events;
 * --tamper-leaf I changes one bit of the I-th.
 */
#include "keys.h"
#include "log.h"
#include "mirror.h"
#include "register.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "make-batch: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(2);
}

static uint64_t number(const char *text, const char *what)
{
    char *end;
    if (!*text || *text == '-')
        die(what, text);
    unsigned long long value = strtoull(text, &end, 10);
    if (*end)
        die(what, text);
    return (uint64_t)value;
}

typedef struct {
    uint64_t first, last;        /* the sequences wanted */
    vb_mirror_event *events;
    vb_register_event *decoded;
    size_t count;
} gathered;

static vb_status gather(void *context, const vb_register_event *event, const uint8_t *entry, size_t entry_length,
                        vb_error *err)
{
    gathered *g = context;
    (void)err;
    if (event->sequence > g->last)
        return VB_OK;
    if (event->sequence != g->first + g->count)
        die("the register's events do not run on", NULL);
    uint8_t *copy = malloc(entry_length);
    if (!copy)
        die("out of memory", NULL);
    memcpy(copy, entry, entry_length);
    g->events[g->count].entry = copy;
    g->events[g->count].entry_length = entry_length;
    g->decoded[g->count] = *event;
    g->count++;
    return VB_OK;
}

/* The personal identification number kept beside an original, or "" (read from the table:
 * the register's API never hands it out, but an upload must send it). */
static void personal_id(vb_register *reg, uint64_t record_id, char out[VB_MIRROR_PERSONAL_ID_DIGITS + 1])
{
    sqlite3_stmt *statement = NULL;
    out[0] = '\0';
    if (sqlite3_prepare_v2(vb_register_db(reg), "SELECT personal_id FROM credentials WHERE record_id = ?1", -1,
                           &statement, NULL) != SQLITE_OK)
        die("cannot read the register", sqlite3_errmsg(vb_register_db(reg)));
    sqlite3_bind_int64(statement, 1, (sqlite3_int64)record_id);
    if (sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_type(statement, 0) == SQLITE_TEXT)
        snprintf(out, VB_MIRROR_PERSONAL_ID_DIGITS + 1, "%s", (const char *)sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
}

int main(int argc, char **argv)
{
    const char *register_path = NULL, *key_path = NULL, *cert_path = NULL, *out_path = NULL;
    uint64_t first = 0, count = 0, batch_time = (uint64_t)time(NULL);
    long tamper_record = -1, tamper_leaf = -1;
    int leaves_mode = 0;
    vb_error err = {0};

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--leaves") == 0) {
            leaves_mode = 1;
            continue;
        }
        if (!value)
            die("a value is missing after", arg);
        if (strcmp(arg, "--register") == 0) register_path = value;
        else if (strcmp(arg, "--key") == 0) key_path = value;
        else if (strcmp(arg, "--cert") == 0) cert_path = value;
        else if (strcmp(arg, "--out") == 0) out_path = value;
        else if (strcmp(arg, "--first") == 0) first = number(value, "bad --first");
        else if (strcmp(arg, "--count") == 0) count = number(value, "bad --count");
        else if (strcmp(arg, "--time") == 0) batch_time = number(value, "bad --time");
        else if (strcmp(arg, "--tamper-record") == 0) tamper_record = (long)number(value, "bad --tamper-record");
        else if (strcmp(arg, "--tamper-leaf") == 0) tamper_leaf = (long)number(value, "bad --tamper-leaf");
        else die("unknown option", arg);
        i++;
    }
    if (!register_path || !key_path || !cert_path || !out_path || first == 0)
        die("usage: make-batch --register FILE --key FILE --cert FILE --first N [--count C] --out FILE "
            "[--time SECONDS] [--tamper-record I] [--leaves] [--tamper-leaf I]",
            NULL);

    vb_register *reg;
    char school[VB_MAX_SCHOOL_CODE_BYTES + 1], school_name[VB_REGISTER_SCHOOL_NAME_BYTES + 1];
    uint64_t total;
    if (vb_register_open(register_path, &reg, &err) != VB_OK ||
        vb_register_school(reg, school, sizeof school, school_name, sizeof school_name, &err) != VB_OK ||
        vb_register_event_count(reg, &total, &err) != VB_OK)
        die("register", err.message);
    if (first > total)
        die("the register has fewer events than --first", NULL);
    if (count == 0)
        count = total - first + 1;
    if (first - 1 + count > total)
        die("the register has fewer events than --first + --count", NULL);

    gathered g = {.first = first, .last = first - 1 + count};
    g.events = calloc(count, sizeof *g.events);
    g.decoded = calloc(count, sizeof *g.decoded);
    if (!g.events || !g.decoded)
        die("out of memory", NULL);
    if (vb_register_each_event(reg, 0, first, gather, &g, &err) != VB_OK)
        die("reading events", err.message);
    if (g.count != count)
        die("the register's events do not run on", NULL);

    vb_register_record *loaded = malloc(sizeof *loaded);
    if (!loaded)
        die("out of memory", NULL);
    size_t records = 0;
    for (size_t i = 0; i < count; i++) {
        vb_mirror_event *event = &g.events[i];
        if (g.decoded[i].kind == VB_EVENT_REVOKE)
            continue;
        bool found;
        if (vb_register_load(reg, g.decoded[i].record_id, loaded, &found, &err) != VB_OK || !found)
            die("a record is missing", err.message);
        uint8_t *record = malloc(loaded->record_length);
        if (!record)
            die("out of memory", NULL);
        memcpy(record, loaded->record, loaded->record_length);
        if (tamper_record >= 0 && (size_t)tamper_record == records)
            record[loaded->record_length - 1] ^= 0x01;
        event->record = record;
        event->record_length = loaded->record_length;
        if (g.decoded[i].kind == VB_EVENT_ISSUE)
            personal_id(reg, g.decoded[i].record_id, event->personal_id);
        records++;
    }
    free(loaded);

    X509 *cert;
    EVP_PKEY *key;
    char passphrase[VB_PASSPHRASE_MAX_BYTES];
    uint8_t kid[VB_KID_BYTES];
    vb_cose_signer signer;
    if (vb_cert_load(cert_path, &cert, &err) != VB_OK)
        die("certificate", err.message);
    if (vb_passphrase_read("passphrase: ", 0, -1, passphrase, sizeof passphrase, &err) != VB_OK)
        die("passphrase", err.message);
    vb_status s = vb_key_load_encrypted(key_path, passphrase, strlen(passphrase), &key, &err);
    vb_passphrase_wipe(passphrase, sizeof passphrase);
    if (s != VB_OK)
        die("key", err.message);
    if (vb_cert_kid(cert, kid, &err) != VB_OK || vb_cose_signer_init(&signer, key, kid, &err) != VB_OK)
        die("signer", err.message);

    uint8_t *out = NULL;
    size_t out_length = 0;
    if (leaves_mode) {
        uint8_t *hashes = malloc(count * VB_LOG_HASH_BYTES);
        if (!hashes)
            die("out of memory", NULL);
        for (size_t i = 0; i < count; i++)
            if (vb_log_leaf_hash(g.events[i].entry, g.events[i].entry_length, hashes + i * VB_LOG_HASH_BYTES) != VB_OK)
                die("hashing a leaf", NULL);
        if (tamper_leaf >= 0 && (uint64_t)tamper_leaf < count)
            hashes[(size_t)tamper_leaf * VB_LOG_HASH_BYTES] ^= 0x80;
        vb_mirror_leaves statement = {.first = first, .count = count, .leaves = hashes, .time = batch_time};
        snprintf(statement.school, sizeof statement.school, "%s", school);
        if (vb_mirror_leaves_sign(&signer, &statement, &out, &out_length, &err) != VB_OK)
            die("signing the leaf statement", err.message);
        free(hashes);
    } else {
        vb_log_source source;
        vb_log_checkpoint checkpoint = {.size = first - 1 + count, .time = batch_time};
        uint8_t signed_checkpoint[VB_LOG_MAX_CHECKPOINT_BYTES];
        size_t checkpoint_length;
        vb_mirror_batch batch = {.first = first, .count = count, .events = g.events, .time = batch_time};
        snprintf(checkpoint.origin, sizeof checkpoint.origin, "%s", school);
        snprintf(batch.school, sizeof batch.school, "%s", school);
        vb_register_log_source(reg, &source);
        if (vb_log_root(&source, checkpoint.size, checkpoint.root, &err) != VB_OK)
            die("the log's root", err.message);
        if (vb_log_checkpoint_sign(&signer, &checkpoint, signed_checkpoint, sizeof signed_checkpoint,
                                   &checkpoint_length, &err) != VB_OK)
            die("signing the checkpoint", err.message);
        batch.checkpoint = signed_checkpoint;
        batch.checkpoint_length = checkpoint_length;
        if (first > 1 && vb_log_prove_consistency(&source, first - 1, checkpoint.size, &batch.proof, &err) != VB_OK)
            die("the consistency proof", err.message);
        if (vb_mirror_batch_sign(&signer, &batch, &out, &out_length, &err) != VB_OK)
            die("signing the batch", err.message);
    }
    FILE *file = fopen(out_path, "wb");
    if (!file || fwrite(out, 1, out_length, file) != out_length || fclose(file) != 0)
        die("cannot write", out_path);
    printf("%s: %s %s of events %llu-%llu, %zu records, %zu bytes\n", out_path, school,
           leaves_mode ? "leaf statement" : "batch", (unsigned long long)first,
           (unsigned long long)(first - 1 + count), records, out_length);

    for (size_t i = 0; i < count; i++) {
        free((void *)g.events[i].entry);
        free((void *)g.events[i].record);
        memset(g.events[i].personal_id, 0, sizeof g.events[i].personal_id);
    }
    free(g.events);
    free(g.decoded);
    free(out);
    vb_cose_signer_free(&signer);
    EVP_PKEY_free(key);
    X509_free(cert);
    vb_register_close(reg);
    return 0;
}
