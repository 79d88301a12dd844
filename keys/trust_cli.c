/*
 * keys/trust_cli.c — the trust-list verbs of vanbang-keys: an authority creates, extends,
 * withdraws from and shows the signed list of certificates that verifiers accept.
 *
 * The list file itself is the state: every change reads the current list (checking its
 * signature with the authority's certificate), edits it, raises the sequence number by one and
 * signs it again, replacing the file atomically.
 */
#include "trust_cli.h"

#include "commands.h"

#include "cose.h"
#include "describe.h"
#include "fileio.h"
#include "keys.h"
#include "record.h"
#include "trust.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROGRAM "vanbang-keys"

const char trust_help[] =
    "NAME\n"
    "    vanbang-keys trust-init | trust-add | trust-remove | trust-list — the trust list\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-keys trust-init   --authority DIR --list FILE [--passphrase-fd N]\n"
    "    vanbang-keys trust-add    --authority DIR --list FILE --cert FILE [--role signer|authority]\n"
    "                              [--passphrase-fd N]\n"
    "    vanbang-keys trust-remove --authority DIR --list FILE (--kid HEX | --cert FILE)\n"
    "                              [--passphrase-fd N]\n"
    "    vanbang-keys trust-list   --anchor FILE --list FILE\n"
    "    vanbang-keys trust-programs --authority DIR --list FILE --catalog FILE [--passphrase-fd N]\n"
    "\n"
    "DESCRIPTION\n"
    "    The trust list names the authority certificates and the school signer certificates\n"
    "    that verifiers accept. It carries a sequence number and an issue time and is signed\n"
    "    with the authority key (DIR/authority.key, DIR/authority.crt); verifiers refuse a list\n"
    "    that is unsigned, signed by another authority, malformed, or not newer than the one they\n"
    "    hold. Each change raises the sequence number by one and replaces FILE atomically.\n"
    "\n"
    "    trust-init creates a list holding the authority itself. trust-add adds a certificate,\n"
    "    by default as a signer (a school's certificate, or the leaf of an imported chain); add\n"
    "    a licensed CA's intermediate with --role authority first. trust-remove withdraws an\n"
    "    entry (a compromised key): it stays in the list marked removed, so verifiers say\n"
    "    \"signer removed\" rather than \"unknown\". trust-list prints the entries after checking\n"
    "    the list's signature against --anchor. trust-programs adds the national program\n"
    "    catalog (CSV lines CODE,NAME): records of a listed program may then leave its name\n"
    "    out, which the verifier fills in from the list. A catalog name never changes.\n"
    "\n"
    "OPTIONS\n"
    "    --authority DIR      folder with authority.key and authority.crt\n"
    "    --list FILE          the trust list file (trust.cbor)\n"
    "    --cert FILE          certificate (PEM) to add or remove\n"
    "    --role ROLE          signer (default) or authority\n"
    "    --kid HEX            the 16-hex-digit kid of the entry to remove\n"
    "    --anchor FILE        authority certificate to check the list with (trust-list)\n"
    "    --catalog FILE       program catalog, CSV: CODE,NAME per line (trust-programs)\n"
    "    --passphrase-fd N    read the authority key's passphrase from file descriptor N;\n"
    "                         else from $VANBANG_PASSPHRASE, else a prompt on the terminal\n"
    "\n"
    "EXIT STATUS\n"
    "    0 done; 1 the list or a certificate was refused; 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-keys trust-init --authority ca --list trust.cbor\n"
    "    vanbang-keys trust-add --authority ca --list trust.cbor --cert school/school.crt\n"
    "    vanbang-keys trust-remove --authority ca --list trust.cbor --kid 3f2a9c0d11e4b7a0\n";

typedef struct {
    const char *authority_dir, *list_path, *cert_path, *kid_hex, *anchor_path, *catalog_path;
    int role;
    int passphrase_fd;
} trust_arguments;

static int parse_arguments(int argc, char **argv, trust_arguments *a)
{
    static const struct option long_options[] = {
        {"authority", required_argument, NULL, 'A'}, {"list", required_argument, NULL, 'l'},
        {"cert", required_argument, NULL, 'c'},      {"kid", required_argument, NULL, 'k'},
        {"anchor", required_argument, NULL, 'a'},    {"role", required_argument, NULL, 'r'},
        {"catalog", required_argument, NULL, 'C'},   {"help", no_argument, NULL, 'h'},
        KEYS_PASSPHRASE_OPTIONS,                     {NULL, 0, NULL, 0},
    };
    int c;
    memset(a, 0, sizeof *a);
    a->role = VB_TRUST_ROLE_SIGNER;
    a->passphrase_fd = -1;
    optind = 1;
    while ((c = keys_next_option(argv[0], argc, argv, long_options)) != -1) {
        switch (c) {
        case 'A': a->authority_dir = optarg; break;
        case 'l': a->list_path = optarg; break;
        case 'c': a->cert_path = optarg; break;
        case 'k': a->kid_hex = optarg; break;
        case 'a': a->anchor_path = optarg; break;
        case 'r':
            if (strcmp(optarg, "signer") == 0)
                a->role = VB_TRUST_ROLE_SIGNER;
            else if (strcmp(optarg, "authority") == 0)
                a->role = VB_TRUST_ROLE_AUTHORITY;
            else {
                fprintf(stderr, PROGRAM ": --role must be 'signer' or 'authority', not '%s'\n", optarg);
                return 2;
            }
            break;
        case 'C': a->catalog_path = optarg; break;
        case 'p':
            if (!keys_parse_passphrase_fd(argv[0], optarg, &a->passphrase_fd))
                return 2;
            break;
        case 'P': return keys_refuse_passphrase_argument(argv[0]);
        case 'h': fputs(trust_help, stdout); return -1;
        default: return 2; /* keys_next_option has said what was wrong */
        }
    }
    if (optind < argc) {
        fprintf(stderr, PROGRAM ": unexpected argument '%s'. Try --help.\n", argv[optind]);
        return 2;
    }
    return 0;
}

static int fail(const vb_error *err)
{
    fprintf(stderr, PROGRAM ": %s\n", err->message);
    switch (err->code) {
    case VB_ERR_IO: case VB_ERR_ARGUMENT: case VB_ERR_NOMEM: return 2;
    default: return 1;
    }
}

/* The authority's certificate and (when needed) its unlocked key, ready to sign. */
typedef struct {
    X509 *certificate;
    EVP_PKEY *key;
    vb_cose_signer signer;
} authority_material;

static int load_authority(const trust_arguments *a, bool need_key, authority_material *m, vb_error *err)
{
    char path[4096];
    memset(m, 0, sizeof *m);
    if (!a->authority_dir) {
        fprintf(stderr, PROGRAM ": --authority DIR is required. Try --help.\n");
        return 2;
    }
    snprintf(path, sizeof path, "%s/authority.crt", a->authority_dir);
    if (vb_cert_load(path, &m->certificate, err) != VB_OK)
        return fail(err);
    if (!need_key)
        return 0;

    char passphrase[VB_PASSPHRASE_MAX_BYTES];
    snprintf(path, sizeof path, "%s/authority.key", a->authority_dir);
    if (vb_passphrase_read("Passphrase of the authority key: ", 0, a->passphrase_fd, passphrase, sizeof passphrase,
                           err) != VB_OK)
        return fail(err);
    vb_status s = vb_key_load_encrypted(path, passphrase, strlen(passphrase), &m->key, err);
    vb_passphrase_wipe(passphrase, sizeof passphrase);
    if (s != VB_OK)
        return fail(err);
    uint8_t kid[VB_KID_BYTES];
    if (vb_cert_kid(m->certificate, kid, err) != VB_OK || vb_cert_matches_key(m->certificate, m->key, err) != VB_OK ||
        vb_cose_signer_init(&m->signer, m->key, kid, err) != VB_OK)
        return fail(err);
    return 0;
}

static void free_authority(authority_material *m)
{
    if (m->signer.context)
        vb_cose_signer_free(&m->signer);
    EVP_PKEY_free(m->key);
    X509_free(m->certificate);
}

static int save_list(vb_trust_list *list, uint64_t sequence, authority_material *m, const char *path, vb_error *err)
{
    uint8_t *data;
    size_t length;
    /* Refuse here what every verifier would refuse, so a bad certificate never reaches them. */
    if (vb_trust_check(list, m->certificate, err) != VB_OK)
        return fail(err);
    if (vb_trust_sign(list, sequence, (int64_t)time(NULL), &m->signer, &data, &length, err) != VB_OK)
        return fail(err);
    vb_status s = vb_file_save_bytes(path, 0644, data, length, err);
    free(data);
    if (s != VB_OK)
        return fail(err);
    printf("%s: sequence %llu, %zu entries, %zu bytes\n", path, (unsigned long long)sequence, list->count, length);
    return 0;
}

int command_trust_init(int argc, char **argv)
{
    trust_arguments a;
    vb_error err = {0};
    authority_material m;
    vb_trust_list list = {0};
    int status = parse_arguments(argc, argv, &a);
    if (status)
        return status < 0 ? 0 : status;
    if (!a.list_path) {
        fprintf(stderr, PROGRAM ": --list FILE is required. Try --help.\n");
        return 2;
    }
    FILE *existing = fopen(a.list_path, "rb");
    if (existing) {
        fclose(existing);
        fprintf(stderr, PROGRAM ": %s already exists; use trust-add or trust-remove to change it\n", a.list_path);
        return 2;
    }
    status = load_authority(&a, true, &m, &err);
    if (status == 0 && vb_trust_add(&list, VB_TRUST_ROLE_AUTHORITY, m.certificate, &err) != VB_OK)
        status = fail(&err);
    if (status == 0)
        status = save_list(&list, 1, &m, a.list_path, &err);
    vb_trust_free(&list);
    free_authority(&m);
    return status;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Exactly 16 hexadecimal digits; anything else is refused rather than half-read, since a kid
 * read wrong would withdraw some other school's key. */
static bool parse_kid(const char *hex, uint8_t kid[VB_KID_BYTES])
{
    if (strlen(hex) != 2 * VB_KID_BYTES)
        return false;
    for (int i = 0; i < VB_KID_BYTES; i++) {
        int high = hex_digit(hex[2 * i]), low = hex_digit(hex[2 * i + 1]);
        if (high < 0 || low < 0)
            return false;
        kid[i] = (uint8_t)(high << 4 | low);
    }
    return true;
}

/* trust-add and trust-remove: load, edit, sign with sequence + 1. */
static int edit_list(int argc, char **argv, bool adding)
{
    trust_arguments a;
    vb_error err = {0};
    authority_material m;
    vb_trust_list list = {0};
    X509 *certificate = NULL;
    uint8_t kid[VB_KID_BYTES];
    int status = parse_arguments(argc, argv, &a);
    if (status)
        return status < 0 ? 0 : status;
    if (!a.list_path || (adding && !a.cert_path) || (!adding && !a.cert_path == !a.kid_hex)) {
        fprintf(stderr, PROGRAM ": %s. Try --help.\n",
                adding ? "--list and --cert are required" : "--list and one of --kid or --cert are required");
        return 2;
    }
    if (a.kid_hex && !parse_kid(a.kid_hex, kid)) {
        fprintf(stderr, PROGRAM ": --kid needs 16 hexadecimal digits, not '%s'\n", a.kid_hex);
        return 2;
    }
    status = load_authority(&a, true, &m, &err);
    if (status == 0 && vb_trust_load_file(a.list_path, &m.certificate, 1, 0, &list, &err) != VB_OK)
        status = fail(&err);
    if (status == 0 && a.cert_path && vb_cert_load(a.cert_path, &certificate, &err) != VB_OK)
        status = fail(&err);
    if (status == 0 && certificate && vb_cert_kid(certificate, kid, &err) != VB_OK)
        status = fail(&err);
    if (status == 0 && adding && vb_trust_add(&list, a.role, certificate, &err) != VB_OK)
        status = fail(&err);
    if (status == 0 && !adding && vb_trust_remove(&list, kid, (int64_t)time(NULL), &err) != VB_OK)
        status = fail(&err);
    if (status == 0)
        status = save_list(&list, list.sequence + 1, &m, a.list_path, &err);
    X509_free(certificate);
    vb_trust_free(&list);
    free_authority(&m);
    return status;
}

int command_trust_add(int argc, char **argv) { return edit_list(argc, argv, true); }

/* One catalog line: CODE,NAME with NAME optionally in double quotes ("" for a quote inside). */
static bool parse_catalog_line(char *line, uint64_t *code, char *name, size_t name_size)
{
    char *comma = strchr(line, ',');
    if (!comma || comma == line)
        return false;
    *comma = '\0';
    char *end;
    unsigned long long value = strtoull(line, &end, 10);
    if (*end || line[0] == '0' || value == 0)
        return false;
    *code = value;
    char *text = comma + 1;
    size_t used = 0;
    if (*text == '"') {
        for (text++; *text; text++) {
            if (*text == '"' && text[1] != '"')
                break;
            if (*text == '"')
                text++;
            if (used + 1 >= name_size)
                return false;
            name[used++] = *text;
        }
        if (*text != '"' || text[1])
            return false;
    } else {
        for (; *text; text++) {
            if (*text == '"' || used + 1 >= name_size)
                return false;
            name[used++] = *text;
        }
    }
    name[used] = '\0';
    return used > 0;
}

int command_trust_programs(int argc, char **argv)
{
    trust_arguments a;
    vb_error err = {0};
    authority_material m;
    vb_trust_list list = {0};
    int status = parse_arguments(argc, argv, &a);
    if (status)
        return status < 0 ? 0 : status;
    if (!a.list_path || !a.catalog_path) {
        fprintf(stderr, PROGRAM ": --list and --catalog are required. Try --help.\n");
        return 2;
    }
    FILE *catalog = fopen(a.catalog_path, "r");
    if (!catalog) {
        perror(a.catalog_path);
        return 2;
    }
    status = load_authority(&a, true, &m, &err);
    if (status == 0 && vb_trust_load_file(a.list_path, &m.certificate, 1, 0, &list, &err) != VB_OK)
        status = fail(&err);
    char line[1024], name[VB_TEXT_FIELD], normal[VB_TEXT_FIELD];
    unsigned long number = 0;
    size_t before = list.program_count;
    while (status == 0 && fgets(line, sizeof line, catalog)) {
        uint64_t code;
        number++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || (number == 1 && (line[0] < '0' || line[0] > '9')))
            continue; /* blank, or a header line */
        if (!parse_catalog_line(line, &code, name, sizeof name) ||
            !vb_text_to_nfc(name, strlen(name), normal, sizeof normal)) {
            fprintf(stderr, PROGRAM ": %s:%lu: expected CODE,NAME (code digits, name UTF-8)\n", a.catalog_path, number);
            status = 2;
        } else if (vb_trust_add_program(&list, code, normal, &err) != VB_OK) {
            fprintf(stderr, PROGRAM ": %s:%lu: %s\n", a.catalog_path, number, err.message);
            status = 1;
        }
    }
    fclose(catalog);
    if (status == 0 && list.program_count == before) {
        printf("%s: nothing new; %s left unchanged\n", a.catalog_path, a.list_path);
    } else if (status == 0) {
        printf("%s: %zu programs added, %zu in the catalog\n", a.catalog_path, list.program_count - before,
               list.program_count);
        status = save_list(&list, list.sequence + 1, &m, a.list_path, &err);
    }
    vb_trust_free(&list);
    free_authority(&m);
    return status;
}
int command_trust_remove(int argc, char **argv) { return edit_list(argc, argv, false); }

static void format_time(int64_t seconds, char *out, size_t size)
{
    time_t t = (time_t)seconds;
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm);
    else
        snprintf(out, size, "?");
}

int command_trust_list(int argc, char **argv)
{
    trust_arguments a;
    vb_error err = {0};
    vb_trust_list list = {0};
    X509 *anchor = NULL;
    int status = parse_arguments(argc, argv, &a);
    if (status)
        return status < 0 ? 0 : status;
    if (!a.list_path || !a.anchor_path) {
        fprintf(stderr, PROGRAM ": --anchor and --list are required. Try --help.\n");
        return 2;
    }
    if (vb_cert_load(a.anchor_path, &anchor, &err) != VB_OK)
        return fail(&err);
    if (vb_trust_load_file(a.list_path, &anchor, 1, 0, &list, &err) != VB_OK) {
        X509_free(anchor);
        return fail(&err);
    }
    char issued[32], from[32], until[32], kid[2 * VB_KID_BYTES + 1];
    format_time(list.issued_at, issued, sizeof issued);
    printf("trust list %s: sequence %llu, issued %s, %zu entries\n", a.list_path, (unsigned long long)list.sequence,
           issued, list.count);
    for (size_t i = 0; i < list.count; i++) {
        const vb_trust_entry *e = &list.entries[i];
        vb_describe_hex(e->kid, VB_KID_BYTES, kid, sizeof kid);
        format_time(e->not_before, from, sizeof from);
        format_time(e->not_after, until, sizeof until);
        printf("%s  %-9s %-8s %s\n", kid, e->role == VB_TRUST_ROLE_AUTHORITY ? "authority" : "signer",
               e->school_code[0] ? e->school_code : "-", e->organization);
        printf("                  valid %s .. %s", from, until);
        if (e->removed_at) {
            format_time(e->removed_at, from, sizeof from);
            printf("  REMOVED %s", from);
        }
        printf("\n");
    }
    if (list.program_count)
        printf("program catalog: %zu programs\n", list.program_count);
    for (size_t i = 0; i < list.program_count; i++)
        printf("  %llu  %s\n", (unsigned long long)list.programs[i].code, list.programs[i].name);
    vb_trust_free(&list);
    X509_free(anchor);
    return 0;
}
