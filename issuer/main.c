/*
 * issuer/main.c — vanbang-issue: what a school registrar runs to turn a graduation roster into
 * signed diplomas. The verbs live in their own files; this one dispatches and prints help.
 */
#include "issuer.h"

#include <stdio.h>
#include <string.h>

static const char main_help[] =
    "NAME\n"
    "    vanbang-issue — issue signed diplomas from a graduation roster\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue VERB [OPTIONS]      (vanbang-issue VERB --help for each)\n"
    "\n"
    "VERBS\n"
    "    init            create the school's original register (sổ gốc)\n"
    "    issue           issue a roster into the register: numbered, signed, QR codes, all or nothing\n"
    "    revoke          revoke a credential (thu hồi) by decision\n"
    "    correct         issue a correcting record that supersedes the current one (chỉnh sửa)\n"
    "    copy            issue a copy from the register (bản sao từ sổ gốc)\n"
    "    show            a credential's records, state and history\n"
    "    search          find credentials by name, serial or date of birth\n"
    "    export          the register as CSV, for the publication duty\n"
    "    backup          a consistent copy of the live register, with its SHA-256\n"
    "    restore         bring a register back from a backup\n"
    "    log             the register's tamper-evident log: verify, prove, consistency, checkpoints\n"
    "    status          the signed status list of revoked and superseded records: export, show\n"
    "    upload          mirror the register to the national diploma portal (or export it as CSV)\n"
    "    sign            sign a roster without a register (numbers from options)\n"
    "    qr              draw the QR code of a link: terminal, PNG or SVG\n"
    "    sample-roster   write a realistic roster from a seeded generator (demos, benchmarks)\n"
    "    programs        list a roster's programs as a catalog for the trust list\n"
    "    print           print a signed batch to PDF through a template (overlay or full sheet)\n"
    "\n"
    "ENVIRONMENT\n"
    "    VANBANG_PASSPHRASE   passphrase of the school key (else --passphrase-fd, else a prompt)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 done; 1 the roster or a record was refused; 2 usage or file errors; 3 (upload) the portal\n"
    "    could not be reached in time: run it again later.\n";

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} verbs[] = {
    {"init", issuer_init},
    {"issue", issuer_issue},
    {"revoke", issuer_revoke},
    {"correct", issuer_correct},
    {"copy", issuer_copy},
    {"show", issuer_show},
    {"search", issuer_search},
    {"export", issuer_export},
    {"backup", issuer_backup},
    {"restore", issuer_restore},
    {"log", issuer_log},
    {"status", issuer_status},
    {"upload", issuer_upload},
    {"sign", issuer_sign},
    {"qr", issuer_qr},
    {"sample-roster", issuer_sample_roster},
    {"programs", issuer_programs},
    {"print", issuer_print},
};

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(main_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? ISSUER_EXIT_USAGE : 0;
    }
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcmp(argv[1], verbs[i].name) == 0)
            return verbs[i].run(argc - 1, argv + 1);
    fprintf(stderr, ISSUER_PROGRAM ": unknown verb '%s'. Try 'vanbang-issue --help'.\n", argv[1]);
    return ISSUER_EXIT_USAGE;
}
