/*
 * tests/tools/bench-record.c — the library's figures for `make bench`: record sizes and QR
 * versions over a roster, and how many records per second are built and signed, decoded and
 * verified, and drawn as QR symbols, on one core. scripts/bench.sh sets these beside
 * `openssl speed` measured in the same run.
 *
 * Keys are made in memory (an authority, a certified school key, a trust list with the
 * roster's program catalog), so the figures need no files but the roster.
 *
 * Usage: bench-record ROSTER.csv [SECONDS] [TYPE]     (TYPE 1 college, 2 intermediate)
 */
#include "keys.h"
#include "link.h"
#include "qr.h"
#include "record.h"
#include "roster.h"
#include "trust.h"
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BASE_URL "https://xacthuc.example.edu.vn/V/"
#define MAX_ROWS 20000

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, const vb_error *err)
{
    fprintf(stderr, "bench-record: %s: %s\n", what, err ? err->message : "");
    exit(2);
}

static int compare_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static int compare_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

typedef struct {
    uint8_t bytes[VB_MAX_RECORD_BYTES];
    size_t length;
} signed_record;

/* min / median / max of n values, sorted in place */
static void report_sizes(const char *label, size_t *sizes, size_t n)
{
    qsort(sizes, n, sizeof *sizes, compare_size);
    printf("size.%s.min %zu bytes\nsize.%s.median %zu bytes\nsize.%s.max %zu bytes\n", label, sizes[0], label,
           n % 2 ? sizes[n / 2] : (sizes[n / 2 - 1] + sizes[n / 2]) / 2, label, sizes[n - 1]);
}

static void report_versions(const char *label, int *versions, size_t n)
{
    qsort(versions, n, sizeof *versions, compare_int);
    printf("qr.%s.min %d version\nqr.%s.median %d version\nqr.%s.max %d version\n", label, versions[0], label,
           versions[n / 2], label, versions[n - 1]);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench-record ROSTER.csv [SECONDS] [TYPE]\n");
        return 2;
    }
    double seconds = argc > 2 ? atof(argv[2]) : 3.0;
    int type = argc > 3 ? atoi(argv[3]) : VB_TYPE_COLLEGE;
    vb_error err = {0};

    /* Keys and trust, in memory. */
    EVP_PKEY *authority_key, *school_key;
    X509 *authority, *school;
    X509_REQ *request;
    uint8_t authority_kid[VB_KID_BYTES], school_kid[VB_KID_BYTES];
    if (vb_key_generate_p256(&authority_key, &err) || vb_key_generate_p256(&school_key, &err) ||
        vb_cert_make_authority(authority_key, "CN=Bench authority, C=VN", 3650, &authority, &err) ||
        vb_cert_make_request(school_key, "CDNBENCH", "Trường Cao đẳng Bench", NULL, &request, &err) ||
        vb_cert_certify(authority, authority_key, request, 730, &school, &err) ||
        vb_cert_kid(authority, authority_kid, &err) || vb_cert_kid(school, school_kid, &err))
        die("keys", &err);

    /* The roster's rows as credentials. */
    vb_credential *credentials = calloc(MAX_ROWS, sizeof *credentials);
    vb_roster_options options;
    vb_roster_reader *reader;
    vb_roster_row row;
    bool has_row = true;
    size_t n = 0;
    vb_trust_list list = {0};
    time_t signed_at = time(NULL);
    vb_roster_options_init(&options, type, (int32_t)(signed_at / 86400));
    options.check_duplicates = false;
    if (vb_roster_open(argv[1], &options, &reader, &err))
        die(argv[1], &err);
    while (n < MAX_ROWS && vb_roster_next(reader, &row, &has_row, &err) == VB_OK && has_row) {
        if (row.problem_count)
            continue;
        vb_roster_batch batch = {type, (int32_t)(signed_at / 86400), "Hà Nội", "CDNBENCH", false};
        vb_credential *c = &credentials[n];
        if (vb_roster_row_to_credential(&row, &batch, c, &err))
            continue;
        c->signed_at = (int64_t)signed_at;
        c->register_number = (uint32_t)(n + 1);
        c->register_year = 2026;
        snprintf(c->serial, sizeof c->serial, "2026%06zu", n + 1);
        c->record_id[0] = (uint8_t)((n + 1) >> 8);
        c->record_id[1] = (uint8_t)(n + 1);
        c->record_id_length = 2;
        if (c->program_code[0])
            vb_trust_add_program(&list, strtoull(c->program_code, NULL, 10), c->program_name, NULL);
        n++;
    }
    vb_roster_close(reader);
    if (n == 0)
        die("no usable rows in the roster", NULL);
    printf("rows %zu records\n", n);

    /* Trust list: signed and parsed back, as a verifier loads it. */
    vb_cose_signer authority_signer, signer;
    uint8_t *list_bytes;
    size_t list_length;
    vb_trust_list trust;
    if (vb_trust_add(&list, VB_TRUST_ROLE_AUTHORITY, authority, &err) ||
        vb_trust_add(&list, VB_TRUST_ROLE_SIGNER, school, &err) ||
        vb_cose_signer_init(&authority_signer, authority_key, authority_kid, &err) ||
        vb_trust_sign(&list, 1, (int64_t)signed_at, &authority_signer, &list_bytes, &list_length, &err) ||
        vb_trust_parse(list_bytes, list_length, &authority, 1, 0, &trust, &err) ||
        vb_cose_signer_init(&signer, school_key, school_kid, &err))
        die("trust list", &err);

    /* Sizes and QR versions: names in full, and with the program catalog. */
    signed_record *records = calloc(n, sizeof *records);
    size_t *sizes = calloc(n, sizeof *sizes);
    int *versions_m = calloc(n, sizeof *versions_m), *versions_q = calloc(n, sizeof *versions_q);
    for (int with_catalog = 0; with_catalog <= 1; with_catalog++) {
        for (size_t i = 0; i < n; i++) {
            char link[VB_MAX_LINK_CHARS + 1];
            QRcode *code;
            credentials[i].program_name_from_catalog = with_catalog && credentials[i].program_code[0];
            if (vb_record_sign(&signer, &credentials[i], records[i].bytes, sizeof records[i].bytes,
                               &records[i].length, &err) ||
                vb_link_encode(BASE_URL, records[i].bytes, records[i].length, link, sizeof link, NULL, &err))
                die("sign", &err);
            sizes[i] = records[i].length;
            if (vb_qr_encode_link(link, strlen(link), QR_ECLEVEL_M, &code, &err))
                die("qr", &err);
            versions_m[i] = code->version;
            vb_qr_free(code);
            if (vb_qr_encode_link(link, strlen(link), QR_ECLEVEL_Q, &code, &err))
                die("qr", &err);
            versions_q[i] = code->version;
            vb_qr_free(code);
        }
        const char *label = with_catalog ? "catalog" : "full";
        char m[32], q[32];
        snprintf(m, sizeof m, "%s.M", label);
        snprintf(q, sizeof q, "%s.Q", label);
        report_sizes(label, sizes, n);
        report_versions(m, versions_m, n);
        report_versions(q, versions_q, n);
    }

    /* Build + sign: claims encoding, Sig_structure hash, ECDSA, DER → r‖s, envelope. */
    uint64_t count = 0;
    double start = now_seconds(), elapsed;
    do {
        for (int k = 0; k < 64; k++, count++) {
            signed_record *r = &records[count % n];
            if (vb_record_sign(&signer, &credentials[count % n], r->bytes, sizeof r->bytes, &r->length, &err))
                die("sign", &err);
        }
    } while ((elapsed = now_seconds() - start) < seconds);
    printf("sign %.1f records/s\n", (double)count / elapsed);

    /* Decode + verify: strict COSE and claims decoding, trust look-up, ECDSA verify. */
    vb_verification *verification = malloc(sizeof *verification);
    count = 0;
    start = now_seconds();
    do {
        for (int k = 0; k < 64; k++, count++) {
            signed_record *r = &records[count % n];
            if (vb_verify_record(&trust, r->bytes, r->length, verification) != VB_OK)
                die("verify", &verification->error);
        }
    } while ((elapsed = now_seconds() - start) < seconds);
    printf("verify %.1f records/s\n", (double)count / elapsed);

    /* The same from the link text, as the verifier receives it. */
    char (*links)[VB_MAX_LINK_CHARS + 1] = calloc(n, sizeof *links);
    for (size_t i = 0; i < n; i++)
        vb_link_encode(BASE_URL, records[i].bytes, records[i].length, links[i], sizeof links[i], NULL, &err);
    count = 0;
    start = now_seconds();
    do {
        for (int k = 0; k < 64; k++, count++)
            if (vb_verify_link(&trust, links[count % n], strlen(links[count % n]), verification) != VB_OK)
                die("verify link", &verification->error);
    } while ((elapsed = now_seconds() - start) < seconds);
    printf("verify_link %.1f records/s\n", (double)count / elapsed);

    /* QR symbols: segments, Reed-Solomon, the standard's mask choice. */
    count = 0;
    start = now_seconds();
    do {
        for (int k = 0; k < 16; k++, count++) {
            QRcode *code;
            const char *link = links[count % n];
            if (vb_qr_encode_link(link, strlen(link), QR_ECLEVEL_M, &code, &err))
                die("qr", &err);
            vb_qr_free(code);
        }
    } while ((elapsed = now_seconds() - start) < seconds);
    printf("qr_encode %.1f symbols/s\n", (double)count / elapsed);

    free(links);
    free(verification);
    free(records);
    free(sizes);
    free(versions_m);
    free(versions_q);
    free(credentials);
    free(list_bytes);
    vb_trust_free(&trust);
    vb_trust_free(&list);
    vb_cose_signer_free(&signer);
    vb_cose_signer_free(&authority_signer);
    X509_free(authority);
    X509_free(school);
    X509_REQ_free(request);
    EVP_PKEY_free(authority_key);
    EVP_PKEY_free(school_key);
    return 0;
}
