/*
 * inspect.c — the verbs that look without changing anything: show (what certificates,
 * requests and key files hold, never a secret) and check-key (open a key with its passphrase,
 * and check it against a certificate).
 */
#include "commands.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

const char keys_show_help[] =
    "NAME\n"
    "    vanbang-keys show - print what certificates, requests and key files hold\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-keys show FILE...\n"
    "\n"
    "DESCRIPTION\n"
    "    For each certificate (or each one of a chain): subject, issuer, school code and\n"
    "    name, validity, key type, whether it is a CA and its key usage, serial, and the\n"
    "    kid - the first 8 bytes of SHA-256 over the certificate's DER, in hex, which is\n"
    "    the key id diplomas signed under it carry. For a certificate request: subject,\n"
    "    school code and name, key type, and whether its self-signature verifies. For a\n"
    "    private key file: whether it is encrypted and how (the key type itself is inside\n"
    "    the encryption). Nothing secret is ever printed, and no passphrase is asked.\n"
    "\n"
    "OPTIONS\n"
    "    -h, --help         print this page\n"
    "\n"
    "FILES\n"
    "    FILE...            PEM certificates, chains, requests or private keys; DER\n"
    "                       certificates too\n"
    "\n"
    "EXIT STATUS\n"
    "    0 every file was shown; 2 a file could not be read or holds none of these.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-keys show authority/authority.crt school/school.csr school/school.key\n"
    "    vanbang-keys show school/school.crt | grep kid\n";

const char keys_check_key_help[] =
    "NAME\n"
    "    vanbang-keys check-key - open a private key with its passphrase\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-keys check-key --key FILE [--cert FILE] [--passphrase-fd N]\n"
    "\n"
    "DESCRIPTION\n"
    "    Decrypts the key with the passphrase, which proves the passphrase is known and\n"
    "    the file intact, and prints the key type. With --cert, also checks that the\n"
    "    certificate (the first one, if FILE is a chain) is for this key. Nothing is\n"
    "    written.\n"
    "\n"
    "OPTIONS\n"
    "    --key FILE         an encrypted private key (authority.key, school.key)\n"
    "    --cert FILE        a certificate or chain to compare with the key\n"
    "    --passphrase-fd N  read the passphrase as one line from file descriptor N; else\n"
    "                       the VANBANG_PASSPHRASE environment variable, else the terminal\n"
    "    -h, --help         print this page\n"
    "\n"
    "FILES\n"
    "    --key FILE, --cert FILE   read only\n"
    "\n"
    "EXIT STATUS\n"
    "    0 the passphrase opens the key (and the certificate matches it); 1 wrong\n"
    "    passphrase, or the certificate is for another key; 2 usage or I/O error, or a\n"
    "    damaged or unencrypted key file.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-keys check-key --key school/school.key\n"
    "    vanbang-keys check-key --key school/school.key --cert school/school.crt \\\n"
    "        --passphrase-fd 3 3<passphrase.txt\n";

static void print_field(const char *label, const char *value)
{
    printf("  %-12s ", label);
    keys_print_text(stdout, value);
    putchar('\n');
}

static void print_name_field(const char *label, const X509_NAME *name)
{
    char text[1024];
    if (vb_cert_name_text(name, text, sizeof text, NULL) != VB_OK)
        snprintf(text, sizeof text, "(unreadable)");
    print_field(label, text);
}

/* School code and name, or why there is none (an authority or a foreign CA certificate). */
static void print_school_fields(const X509_NAME *subject)
{
    char code[VB_MAX_SCHOOL_CODE_BYTES + 1], name[512];
    vb_error err;
    if (vb_cert_school_code(subject, code, sizeof code, &err) == VB_OK)
        print_field("school code", code);
    else
        print_field("school code", "(none: no serialNumber in the subject)");
    if (vb_cert_school_name(subject, name, sizeof name, NULL) == VB_OK)
        print_field("school name", name);
}

static void print_key_field(const EVP_PKEY *key)
{
    char described[96];
    vb_key_describe(key, described, sizeof described);
    vb_error err;
    if (key && vb_key_check_signer(key, "it", &err) == VB_OK)
        strncat(described, " (may sign diplomas)", sizeof described - strlen(described) - 1);
    print_field("key", described);
}

static void print_usage_field(X509 *cert)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } usages[] = {
        {KU_DIGITAL_SIGNATURE, "digitalSignature"}, {KU_NON_REPUDIATION, "nonRepudiation"},
        {KU_KEY_ENCIPHERMENT, "keyEncipherment"},   {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
        {KU_KEY_AGREEMENT, "keyAgreement"},         {KU_KEY_CERT_SIGN, "keyCertSign"},
        {KU_CRL_SIGN, "cRLSign"},
    };
    char text[256];
    snprintf(text, sizeof text, "%s", X509_check_ca(cert) ? "CA" : "not a CA");
    if (X509_get_extension_flags(cert) & EXFLAG_KUSAGE) {
        uint32_t bits = X509_get_key_usage(cert);
        const char *separator = "; keyUsage ";
        for (size_t i = 0; i < sizeof usages / sizeof usages[0]; i++) {
            if (!(bits & usages[i].bit))
                continue;
            strncat(text, separator, sizeof text - strlen(text) - 1);
            strncat(text, usages[i].name, sizeof text - strlen(text) - 1);
            separator = ", ";
        }
    } else {
        strncat(text, "; no keyUsage", sizeof text - strlen(text) - 1);
    }
    print_field("usage", text);
}

static void show_certificate(X509 *cert)
{
    print_name_field("subject", X509_get_subject_name(cert));
    print_name_field("issuer", X509_get_issuer_name(cert));
    if (X509_check_ca(cert) == 0) /* an authority or CA has no school code to show */
        print_school_fields(X509_get_subject_name(cert));

    time_t not_before = 0, not_after = 0, now = time(NULL);
    char text[160], from[40], until[40];
    if (vb_cert_validity(cert, &not_before, &not_after, NULL) == VB_OK) {
        keys_format_time(not_before, from, sizeof from);
        keys_format_time(not_after, until, sizeof until);
        snprintf(text, sizeof text, "%s to %s (%s)", from, until,
                 now < not_before ? "not yet valid" : now > not_after ? "expired" : "valid now");
    } else {
        snprintf(text, sizeof text, "(unreadable)");
    }
    print_field("valid", text);
    print_key_field(X509_get0_pubkey(cert));
    print_usage_field(cert);

    BIGNUM *serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    char *serial_hex = serial ? BN_bn2hex(serial) : NULL;
    print_field("serial", serial_hex ? serial_hex : "(unreadable)");
    OPENSSL_free(serial_hex);
    BN_free(serial);

    char kid_hex[KEYS_KID_HEX_BYTES];
    keys_kid_hex(cert, kid_hex, sizeof kid_hex, "(unreadable)");
    print_field("kid", kid_hex);
}

static int show_file(const char *path)
{
    vb_error err;
    vb_key_file_kind kind = VB_KEY_FILE_UNKNOWN;
    if (vb_key_file_identify(path, &kind, &err) != VB_OK)
        return keys_report(NULL, &err, NULL);

    switch (kind) {
    case VB_KEY_FILE_CERTIFICATE: {
        STACK_OF(X509) *chain = NULL;
        if (vb_cert_load_chain(path, &chain, &err) != VB_OK)
            return keys_report(NULL, &err, NULL);
        int count = sk_X509_num(chain);
        if (count == 1)
            printf("%s: certificate\n", path);
        else
            printf("%s: chain of %d certificates, signing certificate first\n", path, count);
        for (int i = 0; i < count; i++) {
            if (count > 1)
                printf(" certificate %d of %d\n", i + 1, count);
            show_certificate(sk_X509_value(chain, i));
        }
        sk_X509_pop_free(chain, X509_free);
        return KEYS_EXIT_OK;
    }
    case VB_KEY_FILE_REQUEST: {
        X509_REQ *request = NULL;
        if (vb_cert_request_load(path, &request, &err) != VB_OK)
            return keys_report(NULL, &err, NULL);
        printf("%s: certificate request\n", path);
        print_name_field("subject", X509_REQ_get_subject_name(request));
        print_school_fields(X509_REQ_get_subject_name(request));
        EVP_PKEY *key = X509_REQ_get0_pubkey(request);
        print_key_field(key);
        int verified = key ? X509_REQ_verify(request, key) : 0;
        ERR_clear_error();
        print_field("signature", verified == 1 ? "self-signature verifies"
                                               : "SELF-SIGNATURE DOES NOT VERIFY");
        X509_REQ_free(request);
        return KEYS_EXIT_OK;
    }
    case VB_KEY_FILE_ENCRYPTED_KEY: {
        vb_key_encryption how;
        if (vb_key_file_encryption(path, &how, &err) != VB_OK)
            return keys_report(NULL, &err, NULL);
        char text[160];
        if (strcmp(how.kdf, "scrypt") == 0)
            snprintf(text, sizeof text, "%s, key from scrypt N=%llu r=%llu p=%llu", how.cipher,
                     (unsigned long long)how.scrypt_n, (unsigned long long)how.scrypt_r,
                     (unsigned long long)how.scrypt_p);
        else if (strcmp(how.kdf, "pbkdf2") == 0)
            snprintf(text, sizeof text, "%s, key from PBKDF2 with %llu iterations", how.cipher,
                     (unsigned long long)how.pbkdf2_iterations);
        else
            snprintf(text, sizeof text, "%s", how.cipher);
        printf("%s: encrypted private key (PKCS#8)\n", path);
        print_field("encryption", text);
        print_field("key", "inside the encryption; vanbang-keys check-key --key FILE opens it");
        return KEYS_EXIT_OK;
    }
    case VB_KEY_FILE_PLAIN_KEY:
        printf("%s: private key, NOT ENCRYPTED\n", path);
        print_field("warning", "vanbang refuses to load it; encrypt it with openssl pkcs8 "
                               "-topk8 -v2 aes-256-cbc -scrypt, then delete this file");
        return KEYS_EXIT_OK;
    case VB_KEY_FILE_PUBLIC_KEY:
        printf("%s: public key (vanbang uses certificates, not bare public keys)\n", path);
        return KEYS_EXIT_OK;
    default:
        fprintf(stderr, "%s: %s: neither a certificate, a certificate request nor a private "
                "key; check that this is the right file\n", KEYS_PROGRAM, path);
        return KEYS_EXIT_USAGE;
    }
}

int keys_show(int argc, char **argv)
{
    static const struct option options[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *verb = "show";
    int option;
    while ((option = keys_next_option(verb, argc, argv, options)) != -1) {
        switch (option) {
        case 'h': fputs(keys_show_help, stdout); return KEYS_EXIT_OK;
        default: return KEYS_EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return keys_usage(verb, "name at least one FILE");
    int exit_status = KEYS_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        fflush(stdout); /* keep each file's report before any error about the next */
        int status = show_file(argv[i]);
        if (status > exit_status)
            exit_status = status;
    }
    return exit_status;
}

int keys_check_key(int argc, char **argv)
{
    static const struct option options[] = {
        {"key", required_argument, NULL, 'k'},
        {"cert", required_argument, NULL, 'c'},
        KEYS_PASSPHRASE_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *verb = "check-key", *key_path = NULL, *cert_path = NULL;
    int passphrase_fd = -1, option, shared;
    while ((option = keys_next_option(verb, argc, argv, options)) != -1) {
        switch (option) {
        case 'k': key_path = optarg; break;
        case 'c': cert_path = optarg; break;
        default:
            shared = keys_common_option(verb, option, keys_check_key_help, &passphrase_fd, NULL);
            if (shared != KEYS_CONTINUE)
                return shared;
        }
    }
    if (optind < argc)
        return keys_usage(verb, "unexpected argument \"%s\"", argv[optind]);
    if (!key_path)
        return keys_usage(verb, "--key is required");

    vb_error err;
    X509 *cert = NULL;
    /* The certificate first: a wrong --cert path should not cost a passphrase. */
    if (cert_path && vb_cert_load(cert_path, &cert, &err) != VB_OK)
        return keys_report(NULL, &err, NULL);

    /* Then the key (a missing, plain or damaged file is said before any passphrase). */
    EVP_PKEY *key = NULL;
    int exit_status = KEYS_EXIT_OK;
    if (keys_open_key(key_path, passphrase_fd, &key, &err) != VB_OK) {
        exit_status = keys_report(NULL, &err, NULL);
    } else {
        char described[96];
        vb_key_describe(key, described, sizeof described);
        printf("%s: the passphrase opens it; %s key\n", key_path, described);
        if (cert) {
            if (vb_cert_matches_key(cert, key, &err) != VB_OK) {
                exit_status = keys_report(cert_path, &err, "check that the certificate was "
                                          "issued for this key's request");
            } else {
                char kid_hex[KEYS_KID_HEX_BYTES];
                keys_kid_hex(cert, kid_hex, sizeof kid_hex, "?");
                printf("%s: is for this key (kid %s)\n", cert_path, kid_hex);
            }
        }
    }
    EVP_PKEY_free(key);
    X509_free(cert);
    return exit_status;
}
