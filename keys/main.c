/*
 * main.c — vanbang-keys: the keys and certificates of authorities and schools.
 *
 * One verb per run, as signify does. This file holds the table of verbs and the dispatch; the
 * verbs live in authority.c, school.c and inspect.c, the helpers they share in cli.c, and
 * the work itself in libvanbang/keys.c.
 */
#include "commands.h"
#include "trust_cli.h"

#include <stdio.h>
#include <string.h>

static const keys_verb keys_verbs[] = {
    {"authority-init", keys_authority_init, keys_authority_init_help,
     "create an authority's key and self-signed CA certificate"},
    {"school-init", keys_school_init, keys_school_init_help,
     "create a school's signing key and certificate request"},
    {"certify", keys_certify, keys_certify_help,
     "sign a school's request into a signing certificate (authority side)"},
    {"import-chain", keys_import_chain, keys_import_chain_help,
     "check and keep a signing certificate chain from a licensed CA"},
    {"show", keys_show, keys_show_help,
     "print what certificates, requests and key files hold (never secrets)"},
    {"check-key", keys_check_key, keys_check_key_help,
     "open a key with its passphrase; check it matches a certificate"},
    {"trust-init", command_trust_init, trust_help, "create the signed trust list holding the authority"},
    {"trust-add", command_trust_add, trust_help, "add a signer (or authority) certificate to the trust list"},
    {"trust-remove", command_trust_remove, trust_help, "withdraw an entry (a compromised key) from the trust list"},
    {"trust-list", command_trust_list, trust_help, "check a trust list's signature and print its entries"},
    {"trust-programs", command_trust_programs, trust_help, "add the national program catalog to the trust list"},
};
#define KEYS_VERB_COUNT (sizeof keys_verbs / sizeof keys_verbs[0])

static void print_overview(FILE *out)
{
    fprintf(out,
            "NAME\n"
            "    vanbang-keys - keys and certificates for signed diplomas\n"
            "\n"
            "SYNOPSIS\n"
            "    vanbang-keys VERB [OPTIONS]\n"
            "    vanbang-keys VERB --help\n"
            "    vanbang-keys --help\n"
            "\n"
            "DESCRIPTION\n"
            "    An authority (ministry or province) certifies each school's signing key; a\n"
            "    school signs diplomas with it. Private keys are kept encrypted with a\n"
            "    passphrase, which is read from --passphrase-fd N, the %s\n"
            "    environment variable, or the terminal - never from the command line.\n"
            "\n"
            "VERBS\n",
            VB_PASSPHRASE_ENV);
    for (size_t i = 0; i < KEYS_VERB_COUNT; i++)
        fprintf(out, "    %-16s %s\n", keys_verbs[i].name, keys_verbs[i].summary);
    fprintf(out,
            "\n"
            "EXIT STATUS\n"
            "    0 done; 1 a check failed (wrong passphrase, certificate rejected);\n"
            "    2 usage or I/O error.\n"
            "\n"
            "EXAMPLES\n"
            "    vanbang-keys authority-init --dir authority --name \"Sở Giáo dục và Đào tạo Hà Nội\"\n"
            "    vanbang-keys school-init --dir school --code HN-CDKT \\\n"
            "        --name \"Trường Cao đẳng Kỹ thuật Hà Nội\"\n"
            "    vanbang-keys certify --authority authority --csr school/school.csr \\\n"
            "        --out school/school.crt\n"
            "    vanbang-keys show school/school.crt\n");
}

static const keys_verb *find_verb(const char *name)
{
    for (size_t i = 0; i < KEYS_VERB_COUNT; i++)
        if (strcmp(keys_verbs[i].name, name) == 0)
            return &keys_verbs[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return KEYS_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        print_overview(stdout);
        return KEYS_EXIT_OK;
    }
    if (strcmp(name, "help") == 0) {
        if (argc < 3) {
            print_overview(stdout);
            return KEYS_EXIT_OK;
        }
        const keys_verb *verb = find_verb(argv[2]);
        if (!verb) {
            fprintf(stderr, "%s: unknown verb \"%s\"; run %s --help for the list\n",
                    KEYS_PROGRAM, argv[2], KEYS_PROGRAM);
            return KEYS_EXIT_USAGE;
        }
        fputs(verb->help, stdout);
        return KEYS_EXIT_OK;
    }
    const keys_verb *verb = find_verb(name);
    if (!verb) {
        fprintf(stderr, "%s: unknown verb \"%s\"; run %s --help for the list\n", KEYS_PROGRAM,
                name, KEYS_PROGRAM);
        return KEYS_EXIT_USAGE;
    }
    return verb->run(argc - 1, argv + 1);
}
