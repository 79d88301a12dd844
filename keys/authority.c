/*
 * authority.c — the authority's verbs: authority-init (its key and self-signed CA
 * certificate) and certify (signing a school's request into a document-signer certificate).
 */
#include "commands.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/x509.h>

#define AUTHORITY_KEY_FILE "authority.key"
#define AUTHORITY_CERT_FILE "authority.crt"

const char keys_authority_init_help[] =
    "NAME\n"
    "    vanbang-keys authority-init - create an authority's key and CA certificate\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-keys authority-init --dir DIR --name NAME [--days N] [--passphrase-fd N]\n"
    "\n"
    "DESCRIPTION\n"
    "    Generates an ECDSA P-256 key for an authority (the ministry or a province) and a\n"
    "    self-signed X.509 v3 CA certificate for it: basicConstraints critical CA:TRUE\n"
    "    pathlen:0 (it certifies schools' signing keys directly), keyUsage critical\n"
    "    keyCertSign and cRLSign, a random 16-byte serial. The key is written encrypted\n"
    "    (PKCS#8, scrypt and AES-256-CBC) with a passphrase asked twice on the terminal.\n"
    "    Existing files are never overwritten. Keep the key offline; publish the\n"
    "    certificate to verifiers.\n"
    "\n"
    "OPTIONS\n"
    "    --dir DIR          directory for the files; created (mode 700) if missing\n"
    "    --name NAME        the authority's name, UTF-8. Either a bare name, which becomes\n"
    "                       CN=NAME, C=VN, or a distinguished name such as\n"
    "                       \"CN=Cục Giáo dục nghề nghiệp, O=Bộ Giáo dục và Đào tạo, C=VN\"\n"
    "                       (attributes CN O OU C ST L serialNumber; write \\, for a comma\n"
    "                       inside a value; each value at most 64 characters)\n"
    "    --days N           validity in days, from now (default 3653, ten years)\n"
    "    --passphrase-fd N  read the new key's passphrase as one line from file descriptor\n"
    "                       N. Without it: the VANBANG_PASSPHRASE environment variable, else\n"
    "                       a prompt on the terminal. Never give a passphrase as an argument.\n"
    "    -h, --help         print this page\n"
    "\n"
    "FILES\n"
    "    DIR/authority.key  the authority's private key, encrypted, mode 600\n"
    "    DIR/authority.crt  its self-signed CA certificate (PEM)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 written; 2 usage or I/O error (a file already exists, no passphrase source).\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-keys authority-init --dir /media/offline/authority \\\n"
    "        --name \"CN=Sở Giáo dục và Đào tạo Hà Nội, C=VN\"\n"
    "    vanbang-keys authority-init --dir authority --name \"Test authority\" \\\n"
    "        --passphrase-fd 3 3<passphrase.txt\n";

const char keys_certify_help[] =
    "NAME\n"
    "    vanbang-keys certify - sign a school's request into its signing certificate\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-keys certify --authority DIR --csr FILE --out FILE [--days N]\n"
    "                         [--passphrase-fd N]\n"
    "\n"
    "DESCRIPTION\n"
    "    Run by the authority. Checks the school's certificate request (its self-signature,\n"
    "    a key that may sign diplomas: ECDSA P-256 or RSA of at least 2048 bits, a school\n"
    "    code in the subject), asks the passphrase of the authority key, and issues a\n"
    "    document-signer certificate: the request's subject and key, basicConstraints\n"
    "    critical CA:FALSE, keyUsage critical digitalSignature, subject and authority key\n"
    "    identifiers, a random serial, valid from now for N days. Extensions asked for in\n"
    "    the request are ignored. The certificate may not outlast the authority's own.\n"
    "    Prints the new certificate's kid, the key id diplomas will carry.\n"
    "\n"
    "OPTIONS\n"
    "    --authority DIR    directory made by authority-init (authority.key, authority.crt)\n"
    "    --csr FILE         the school's request, as school-init wrote it\n"
    "    --out FILE         the certificate to write; must not exist yet\n"
    "    --days N           validity in days (default 730)\n"
    "    --passphrase-fd N  read the authority key's passphrase as one line from file\n"
    "                       descriptor N; else VANBANG_PASSPHRASE, else the terminal\n"
    "    -h, --help         print this page\n"
    "\n"
    "FILES\n"
    "    DIR/authority.key, DIR/authority.crt   read\n"
    "    --out FILE                             written (PEM), never overwritten\n"
    "\n"
    "EXIT STATUS\n"
    "    0 certified; 1 wrong passphrase, or the request was rejected; 2 usage or I/O\n"
    "    error.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-keys certify --authority authority --csr HN-CDKT.csr --out HN-CDKT.crt\n"
    "    vanbang-keys certify --authority authority --csr HN-CDKT.csr --out HN-CDKT.crt \\\n"
    "        --days 365 --passphrase-fd 3 3<authority-passphrase.txt\n";

/* Says what was made, with the kid that diplomas signed under the certificate will carry. */
static void print_certificate_summary(const char *path, X509 *cert)
{
    char kid_hex[KEYS_KID_HEX_BYTES], subject[512] = "?", from[40], until[40];
    time_t not_before = 0, not_after = 0;
    keys_kid_hex(cert, kid_hex, sizeof kid_hex, "?");
    vb_cert_name_text(X509_get_subject_name(cert), subject, sizeof subject, NULL);
    vb_cert_validity(cert, &not_before, &not_after, NULL);
    keys_format_time(not_before, from, sizeof from);
    keys_format_time(not_after, until, sizeof until);
    printf("wrote %s\n  subject  %s\n  valid    %s to %s\n  kid      %s\n", path, subject, from,
           until, kid_hex);
}

int keys_authority_init(int argc, char **argv)
{
    static const struct option options[] = {
        {"dir", required_argument, NULL, 'd'},
        {"name", required_argument, NULL, 'n'},
        KEYS_DAYS_OPTION,
        KEYS_PASSPHRASE_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *verb = "authority-init", *dir = NULL, *name = NULL;
    int days = VB_CERT_AUTHORITY_DEFAULT_DAYS, passphrase_fd = -1, option, shared;
    while ((option = keys_next_option(verb, argc, argv, options)) != -1) {
        switch (option) {
        case 'd': dir = optarg; break;
        case 'n': name = optarg; break;
        default:
            shared = keys_common_option(verb, option, keys_authority_init_help, &passphrase_fd,
                                        &days);
            if (shared != KEYS_CONTINUE)
                return shared;
        }
    }
    if (optind < argc)
        return keys_usage(verb, "unexpected argument \"%s\"", argv[optind]);
    if (!dir || !name)
        return keys_usage(verb, "--dir and --name are required");

    char key_path[4096], cert_path[4096];
    if (!keys_path_join(key_path, sizeof key_path, dir, AUTHORITY_KEY_FILE) ||
        !keys_path_join(cert_path, sizeof cert_path, dir, AUTHORITY_CERT_FILE))
        return KEYS_EXIT_USAGE;
    const char *hint = "move it away first, or choose another --dir";
    if (!keys_path_is_free(key_path, hint) || !keys_path_is_free(cert_path, hint))
        return KEYS_EXIT_USAGE;

    /* Everything that can be refused is done before the passphrase is asked. */
    vb_error err;
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    vb_status status = vb_key_generate_p256(&key, &err);
    if (status != VB_OK)
        return keys_report(NULL, &err, NULL);
    status = vb_cert_make_authority(key, name, days, &cert, &err);
    if (status != VB_OK) {
        EVP_PKEY_free(key);
        if (err.code == VB_ERR_ARGUMENT)
            return keys_report("--name", &err, "see vanbang-keys authority-init --help");
        return keys_report(NULL, &err, NULL);
    }

    int exit_status = keys_write_new_key(dir, key_path, key,
                                         "Passphrase for the new authority key: ", passphrase_fd);
    if (exit_status == KEYS_EXIT_OK) {
        if (vb_cert_save(cert_path, cert, &err) != VB_OK) {
            unlink(key_path); /* a key without its certificate would only confuse */
            exit_status = keys_report(NULL, &err, NULL);
        } else {
            printf("wrote %s (encrypted; keep it offline and the passphrase safe)\n", key_path);
            print_certificate_summary(cert_path, cert);
        }
    }
    X509_free(cert);
    EVP_PKEY_free(key);
    return exit_status;
}

int keys_certify(int argc, char **argv)
{
    static const struct option options[] = {
        {"authority", required_argument, NULL, 'a'},
        {"csr", required_argument, NULL, 'c'},
        {"out", required_argument, NULL, 'o'},
        KEYS_DAYS_OPTION,
        KEYS_PASSPHRASE_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *verb = "certify", *dir = NULL, *request_path = NULL, *out_path = NULL;
    int days = VB_CERT_SIGNER_DEFAULT_DAYS, passphrase_fd = -1, option, shared;
    while ((option = keys_next_option(verb, argc, argv, options)) != -1) {
        switch (option) {
        case 'a': dir = optarg; break;
        case 'c': request_path = optarg; break;
        case 'o': out_path = optarg; break;
        default:
            shared = keys_common_option(verb, option, keys_certify_help, &passphrase_fd, &days);
            if (shared != KEYS_CONTINUE)
                return shared;
        }
    }
    if (optind < argc)
        return keys_usage(verb, "unexpected argument \"%s\"", argv[optind]);
    if (!dir || !request_path || !out_path)
        return keys_usage(verb, "--authority, --csr and --out are required");

    char key_path[4096], cert_path[4096];
    if (!keys_path_join(key_path, sizeof key_path, dir, AUTHORITY_KEY_FILE) ||
        !keys_path_join(cert_path, sizeof cert_path, dir, AUTHORITY_CERT_FILE))
        return KEYS_EXIT_USAGE;

    vb_error err;
    vb_status status;
    int exit_status = KEYS_EXIT_OK;
    X509 *authority_cert = NULL, *school_cert = NULL;
    X509_REQ *request = NULL;
    EVP_PKEY *authority_key = NULL;

    if ((status = vb_cert_load(cert_path, &authority_cert, &err)) != VB_OK) {
        exit_status = keys_report(NULL, &err, "--authority names the directory authority-init "
                                  "made");
        goto done;
    }
    if ((status = vb_cert_request_load(request_path, &request, &err)) != VB_OK) {
        exit_status = keys_report(NULL, &err, NULL);
        goto done;
    }
    /* Refuse a bad request or a taken --out before bothering anyone for a passphrase. */
    if ((status = vb_cert_request_check(request, &err)) != VB_OK) {
        exit_status = keys_report(request_path, &err, "ask the school for a new request "
                                  "(vanbang-keys school-init)");
        goto done;
    }
    if (!keys_path_is_free(out_path, "move it away first, or choose another --out")) {
        exit_status = KEYS_EXIT_USAGE;
        goto done;
    }
    if ((status = keys_open_key(key_path, passphrase_fd, &authority_key, &err)) != VB_OK) {
        exit_status = keys_report(NULL, &err, NULL);
        goto done;
    }
    if ((status = vb_cert_certify(authority_cert, authority_key, request, days, &school_cert,
                                  &err)) != VB_OK) {
        exit_status = keys_report(err.code == VB_ERR_CERTIFICATE_REJECTED ||
                                          err.code == VB_ERR_KEY ? dir : NULL, &err, NULL);
        goto done;
    }
    if ((status = vb_cert_save(out_path, school_cert, &err)) != VB_OK) {
        exit_status = keys_report(NULL, &err, NULL);
        goto done;
    }
    print_certificate_summary(out_path, school_cert);

done:
    X509_free(school_cert);
    EVP_PKEY_free(authority_key);
    X509_REQ_free(request);
    X509_free(authority_cert);
    return exit_status;
}
