/*
 * issuer/backup.c — `backup` (a consistent copy of the live register, with its SHA-256 beside it)
 * and `restore` (the copy back, after its checksum and integrity are checked).
 *
 * The copy is made with SQLite's online backup API in one step, which reads one snapshot of the
 * register: issuing may go on meanwhile (the write-ahead log lets readers and the writer work at
 * once), and the copy holds every batch whole or not at all. FILE.sha256 is in the format of
 * `sha256sum`, so `sha256sum -c FILE.sha256` checks a copy anywhere.
 */
#include "issuer.h"

#include "fileio.h"
#include "register.h"

#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char backup_help[] =
    "NAME\n"
    "    vanbang-issue backup — a consistent copy of the live register, with its checksum\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue backup --register FILE --out BACKUP\n"
    "\n"
    "DESCRIPTION\n"
    "    Copies the register with SQLite's online backup API, as one snapshot, while other programs\n"
    "    may go on issuing: the copy holds each batch whole or not at all. The copy is a single\n"
    "    self-contained file (no -wal beside it), mode 0600, checked with PRAGMA integrity_check, and\n"
    "    BACKUP.sha256 beside it holds its SHA-256 in sha256sum's format. An existing BACKUP is never\n"
    "    replaced. Keep backups off the machine (docs/OPERATIONS.md).\n"
    "\n"
    "OPTIONS\n"
    "    --register FILE   the live register\n"
    "    --out BACKUP      the copy to write (and BACKUP.sha256)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 written; 1 the register is damaged; 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue backup --register register.db --out /mnt/backup/register-2026-06-30.db\n";

static const char restore_help[] =
    "NAME\n"
    "    vanbang-issue restore — bring the register back from a backup\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue restore --from BACKUP --register FILE [--force]\n"
    "\n"
    "DESCRIPTION\n"
    "    Checks BACKUP against BACKUP.sha256 (refusing a copy without one, or one that does not match),\n"
    "    checks it is a whole vanbang register (integrity_check, schema version), then copies it to\n"
    "    FILE. An existing register is never overwritten unless --force is given; then the copy goes\n"
    "    through SQLite into the existing register, under its locks, so programs that hold it open see\n"
    "    the restored content. After a restore, check the log ('vanbang-issue log verify' when\n"
    "    available) and re-issue nothing blindly: records issued after the backup are not in it.\n"
    "\n"
    "OPTIONS\n"
    "    --from BACKUP     the copy made by 'vanbang-issue backup'\n"
    "    --register FILE   where the register goes back\n"
    "    --force           replace an existing register\n"
    "\n"
    "EXIT STATUS\n"
    "    0 restored; 1 the copy is damaged or does not match its checksum; 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue restore --from /mnt/backup/register-2026-06-30.db --register register.db\n";

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int issuer_backup(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"register", required_argument, NULL, 'R'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *register_path = NULL, *out = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'R': register_path = optarg; break;
        case 'o': out = optarg; break;
        case 'h': fputs(backup_help, stdout); return 0;
        default: return issuer_usage("backup", "unknown option", NULL);
        }
    }
    if (optind < argc)
        return issuer_usage("backup", "unexpected argument", argv[optind]);
    if (!register_path || !out)
        return issuer_usage("backup", "--register and --out are required", NULL);

    vb_error err = {0};
    char checksum_path[4096], line[4200], hex[65];
    uint8_t digest[32];
    snprintf(checksum_path, sizeof checksum_path, "%s.sha256", out);
    if (access(checksum_path, F_OK) == 0) {
        fprintf(stderr, ISSUER_PROGRAM ": %s exists; refusing to replace it\n", checksum_path);
        return ISSUER_EXIT_USAGE;
    }
    vb_register_counts counts = {0};
    vb_status s = vb_register_backup(register_path, out, &counts, &err);
    if (s == VB_OK)
        s = issuer_sha256_file(out, digest, &err);
    if (s == VB_OK) {
        issuer_hex(digest, sizeof digest, hex, sizeof hex);
        int n = snprintf(line, sizeof line, "%s  %s\n", hex, base_name(out));
        s = vb_file_save_bytes(checksum_path, 0600, line, (size_t)n, &err);
    }
    if (s != VB_OK)
        return issuer_report(&err);
    printf("backed up %s to %s: %llu records, %llu events, %llu batches; sha256 %s (in %s)\n", register_path, out,
           (unsigned long long)counts.records, (unsigned long long)counts.events, (unsigned long long)counts.batches,
           hex, checksum_path);
    return 0;
}

int issuer_restore(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"from", required_argument, NULL, 'f'},
        {"register", required_argument, NULL, 'R'},
        {"force", no_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *from = NULL, *register_path = NULL;
    bool force = false;
    int c;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'f': from = optarg; break;
        case 'R': register_path = optarg; break;
        case 'F': force = true; break;
        case 'h': fputs(restore_help, stdout); return 0;
        default: return issuer_usage("restore", "unknown option", NULL);
        }
    }
    if (optind < argc)
        return issuer_usage("restore", "unexpected argument", argv[optind]);
    if (!from || !register_path)
        return issuer_usage("restore", "--from and --register are required", NULL);

    vb_error err = {0};
    char checksum_path[4096], hex[65];
    uint8_t *text = NULL, digest[32];
    size_t length;
    snprintf(checksum_path, sizeof checksum_path, "%s.sha256", from);
    vb_status s = vb_file_read_all(checksum_path, 4096, &text, &length, &err);
    if (s != VB_OK) {
        fprintf(stderr, ISSUER_PROGRAM ": %s; a backup is restored only with its checksum file\n", err.message);
        return ISSUER_EXIT_REFUSED;
    }
    bool well_formed = length >= 64;
    for (size_t i = 0; well_formed && i < 64; i++)
        well_formed = isxdigit(text[i]) != 0;
    if (!well_formed) {
        free(text);
        fprintf(stderr, ISSUER_PROGRAM ": %s does not start with a SHA-256 in hex\n", checksum_path);
        return ISSUER_EXIT_REFUSED;
    }
    if ((s = issuer_sha256_file(from, digest, &err)) != VB_OK) {
        free(text);
        return issuer_report(&err);
    }
    issuer_hex(digest, sizeof digest, hex, sizeof hex);
    bool matches = strncasecmp((const char *)text, hex, 64) == 0;
    free(text);
    if (!matches) {
        fprintf(stderr, ISSUER_PROGRAM ": %s does not match %s (sha256 %s): the copy was changed or damaged; "
                        "nothing was restored\n",
                from, checksum_path, hex);
        return ISSUER_EXIT_REFUSED;
    }
    if ((s = vb_register_restore(from, register_path, force, &err)) != VB_OK)
        return issuer_report(&err);
    vb_register *reg;
    vb_register_counts counts = {0};
    if ((s = vb_register_open(register_path, &reg, &err)) == VB_OK) {
        s = vb_register_count(reg, &counts, &err);
        vb_register_close(reg);
    }
    if (s != VB_OK)
        return issuer_report(&err);
    printf("restored %s from %s (sha256 %s matches): %llu records, %llu events, %llu batches\n", register_path, from,
           hex, (unsigned long long)counts.records, (unsigned long long)counts.events,
           (unsigned long long)counts.batches);
    return 0;
}
