/*
 * school.c — the school's verbs: school-init (its signing key and certificate request) and
 * import-chain (taking a signing certificate chain from a licensed public CA instead).
 */
#include "commands.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/x509.h>

#define SCHOOL_KEY_FILE "school.key"
#define SCHOOL_REQUEST_FILE "school.csr"

const char keys_school_init_help[] =
    "NAME\n"
    "    vanbang-keys school-init - create a school's signing key and certificate request\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-keys school-init --dir DIR --code CODE --name NAME [--province NAME]\n"
    "                             [--rsa BITS] [--passphrase-fd N]\n"
    "\n"
    "DESCRIPTION\n"
    "    Generates the key a school signs diplomas with - ECDSA P-256 (ES256) by default,\n"
    "    or RSA for RSASSA-PSS (PS256) - and a PKCS#10 certificate request for its\n"
    "    authority. The request's subject is C=VN, ST=province (if given), O=NAME, CN=NAME\n"
    "    and serialNumber=CODE: the school code travels in the X.509 serialNumber\n"
    "    attribute (2.5.4.5). The request is self-signed with ECDSA-SHA256, or RSA-PSS\n"
    "    with SHA-256. The key is written encrypted (PKCS#8, scrypt and AES-256-CBC) with\n"
    "    a passphrase asked twice on the terminal. Existing files are never overwritten.\n"
    "    Send DIR/school.csr to the authority, which runs vanbang-keys certify.\n"
    "\n"
    "OPTIONS\n"
    "    --dir DIR          directory for the files; created (mode 700) if missing\n"
    "    --code CODE        the school code: 1 to 32 of A-Z a-z 0-9 - .\n"
    "    --name NAME        the school's name, UTF-8, at most 64 characters\n"
    "    --province NAME    the province (ST), UTF-8, at most 64 characters\n"
    "    --rsa BITS         an RSA key of 2048, 3072 or 4096 bits instead of P-256, for\n"
    "                       schools whose CA requires RSA (signatures are then PS256)\n"
    "    --passphrase-fd N  read the new key's passphrase as one line from file descriptor\n"
    "                       N. Without it: the VANBANG_PASSPHRASE environment variable, else\n"
    "                       a prompt on the terminal. Never give a passphrase as an argument.\n"
    "    -h, --help         print this page\n"
    "\n"
    "FILES\n"
    "    DIR/school.key     the school's private signing key, encrypted, mode 600\n"
    "    DIR/school.csr     the certificate request for the authority (PEM)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 written; 2 usage or I/O error (a file already exists, no passphrase source).\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-keys school-init --dir school --code HN-CDKT \\\n"
    "        --name \"Trường Cao đẳng Kỹ thuật Hà Nội\" --province \"Hà Nội\"\n"
    "    vanbang-keys school-init --dir school-rsa --code HN-CDKT --name \"Trường CĐ KT\" \\\n"
    "        --rsa 3072 --passphrase-fd 3 3<passphrase.txt\n";

const char keys_import_chain_help[] =
    "NAME\n"
    "    vanbang-keys import-chain - check and keep a certificate chain from a licensed CA\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-keys import-chain --chain FILE --out FILE\n"
    "\n"
    "DESCRIPTION\n"
    "    For schools whose signing certificate comes from a licensed public CA rather than\n"
    "    from an authority's certify. FILE holds PEM certificates, the school's signing\n"
    "    certificate first, then each issuer in turn, ideally up to the root. Every\n"
    "    certificate must be valid now and signed by the next; the last is checked\n"
    "    against itself if self-signed; the whole path then goes through OpenSSL's\n"
    "    RFC 5280 checks. The first certificate must not be a CA, must allow\n"
    "    digitalSignature or nonRepudiation, and hold an ECDSA P-256 or RSA (>= 2048 bits)\n"
    "    key; the CA certificates EC (>= 256 bits) or RSA (>= 2048) keys. A failure names\n"
    "    the certificate by position and subject. The checked chain is written to --out.\n"
    "\n"
    "OPTIONS\n"
    "    --chain FILE       the chain as the CA delivered it, leaf first (PEM)\n"
    "    --out FILE         where to write the checked chain; must not exist yet\n"
    "    -h, --help         print this page\n"
    "\n"
    "FILES\n"
    "    --chain FILE read; --out FILE written (PEM), never overwritten\n"
    "\n"
    "EXIT STATUS\n"
    "    0 accepted and written; 1 the chain was rejected; 2 usage or I/O error.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-keys import-chain --chain from-ca.pem --out school/school-chain.crt\n"
    "    vanbang-keys show school/school-chain.crt\n";

int keys_school_init(int argc, char **argv)
{
    static const struct option options[] = {
        {"dir", required_argument, NULL, 'd'},
        {"code", required_argument, NULL, 'c'},
        {"name", required_argument, NULL, 'n'},
        {"province", required_argument, NULL, 's'},
        {"rsa", required_argument, NULL, 'r'},
        KEYS_PASSPHRASE_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *verb = "school-init", *dir = NULL, *code = NULL, *name = NULL, *province = NULL;
    int rsa_bits = 0, passphrase_fd = -1, option, shared;
    while ((option = keys_next_option(verb, argc, argv, options)) != -1) {
        switch (option) {
        case 'd': dir = optarg; break;
        case 'c': code = optarg; break;
        case 'n': name = optarg; break;
        case 's': province = optarg; break;
        case 'r':
            if (!keys_parse_int(verb, "--rsa", optarg, 2048, 4096, &rsa_bits))
                return KEYS_EXIT_USAGE;
            if (rsa_bits != 2048 && rsa_bits != 3072 && rsa_bits != 4096)
                return keys_usage(verb, "--rsa %d: give 2048, 3072 or 4096", rsa_bits);
            break;
        default:
            shared = keys_common_option(verb, option, keys_school_init_help, &passphrase_fd, NULL);
            if (shared != KEYS_CONTINUE)
                return shared;
        }
    }
    if (optind < argc)
        return keys_usage(verb, "unexpected argument \"%s\"", argv[optind]);
    if (!dir || !code || !name)
        return keys_usage(verb, "--dir, --code and --name are required");
    vb_error err;
    if (vb_cert_check_school_code(code, &err) != VB_OK)
        return keys_report("--code", &err, "see vanbang-keys school-init --help");

    char key_path[4096], request_path[4096];
    if (!keys_path_join(key_path, sizeof key_path, dir, SCHOOL_KEY_FILE) ||
        !keys_path_join(request_path, sizeof request_path, dir, SCHOOL_REQUEST_FILE))
        return KEYS_EXIT_USAGE;
    const char *hint = "move it away first, or choose another --dir";
    if (!keys_path_is_free(key_path, hint) || !keys_path_is_free(request_path, hint))
        return KEYS_EXIT_USAGE;

    /* Key and request first: a name X.509 cannot hold is refused before any passphrase. */
    EVP_PKEY *key = NULL;
    X509_REQ *request = NULL;
    vb_status status = rsa_bits ? vb_key_generate_rsa(rsa_bits, &key, &err)
                                : vb_key_generate_p256(&key, &err);
    if (status != VB_OK)
        return keys_report(NULL, &err, NULL);
    status = vb_cert_make_request(key, code, name, province, &request, &err);
    if (status != VB_OK) {
        EVP_PKEY_free(key);
        return keys_report(NULL, &err, err.code == VB_ERR_ARGUMENT
                                           ? "see vanbang-keys school-init --help" : NULL);
    }

    int exit_status = keys_write_new_key(dir, key_path, key,
                                         "Passphrase for the new school signing key: ",
                                         passphrase_fd);
    if (exit_status == KEYS_EXIT_OK) {
        if (vb_cert_request_save(request_path, request, &err) != VB_OK) {
            unlink(key_path);
            exit_status = keys_report(NULL, &err, NULL);
        } else {
            char described[96];
            vb_key_describe(key, described, sizeof described);
            printf("wrote %s (%s, encrypted)\n", key_path, described);
            printf("wrote %s\n", request_path);
            printf("next: send %s to your authority, which runs\n"
                   "  vanbang-keys certify --authority DIR --csr school.csr --out school.crt\n",
                   request_path);
        }
    }
    X509_REQ_free(request);
    EVP_PKEY_free(key);
    return exit_status;
}

int keys_import_chain(int argc, char **argv)
{
    static const struct option options[] = {
        {"chain", required_argument, NULL, 'c'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *verb = "import-chain", *chain_path = NULL, *out_path = NULL;
    int option;
    while ((option = keys_next_option(verb, argc, argv, options)) != -1) {
        switch (option) {
        case 'c': chain_path = optarg; break;
        case 'o': out_path = optarg; break;
        case 'h': fputs(keys_import_chain_help, stdout); return KEYS_EXIT_OK;
        default: return KEYS_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return keys_usage(verb, "unexpected argument \"%s\"", argv[optind]);
    if (!chain_path || !out_path)
        return keys_usage(verb, "--chain and --out are required");

    vb_error err;
    STACK_OF(X509) *chain = NULL;
    vb_status status = vb_cert_load_chain(chain_path, &chain, &err);
    if (status != VB_OK)
        return keys_report(NULL, &err, NULL);
    int exit_status = KEYS_EXIT_OK;
    status = vb_cert_check_chain(chain, time(NULL), &err);
    if (status != VB_OK) {
        exit_status = keys_report(chain_path, &err, "ask the CA for the complete, current chain, "
                                  "signing certificate first");
    } else if (!keys_path_is_free(out_path, "move it away first, or choose another --out")) {
        exit_status = KEYS_EXIT_USAGE;
    } else if ((status = vb_cert_save_chain(out_path, chain, &err)) != VB_OK) {
        exit_status = keys_report(NULL, &err, NULL);
    } else {
        X509 *leaf = sk_X509_value(chain, 0);
        char kid_hex[KEYS_KID_HEX_BYTES], subject[512] = "?";
        keys_kid_hex(leaf, kid_hex, sizeof kid_hex, "?");
        vb_cert_name_text(X509_get_subject_name(leaf), subject, sizeof subject, NULL);
        printf("wrote %s (%d certificates, checked)\n  subject  %s\n  kid      %s\n", out_path,
               sk_X509_num(chain), subject, kid_hex);
    }
    sk_X509_pop_free(chain, X509_free);
    return exit_status;
}
