/*
 * keys.h — signing keys, passphrases and X.509 certificates of vanbang.
 *
 * Who holds what: an authority (the ministry or a province) holds a P-256 key and a self-signed
 * CA certificate; each school holds a signing key (P-256 for ES256, or RSA for PS256) and a
 * document-signer certificate that the authority issued from the school's request (CSR), or a
 * chain from a licensed public CA. A record names its signer by kid, the first 8 bytes of
 * SHA-256 over the signer certificate's DER, as the EU digital COVID certificate does.
 *
 * Private keys live on disk only as encrypted PKCS#8 PEM ("ENCRYPTED PRIVATE KEY"), the format
 * `openssl pkey` reads, so an operator can always open a key with standard tools. Passphrases
 * never come from argv: from a file descriptor, the environment, or a no-echo terminal prompt.
 *
 * Prefixes: vb_key_ (private keys and key files), vb_passphrase_ (reading secrets),
 * vb_cert_ (certificates, requests, names, chains). Every function returns a vb_status and, on
 * failure, fills err (which may be NULL) with a sentence naming the file and the fault.
 */
#ifndef VANBANG_KEYS_H
#define VANBANG_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "vanbang.h"

/* ---- Encryption of private keys at rest ----
 * PBES2 (RFC 8018) with scrypt (RFC 7914) and AES-256-CBC. The cost N*r is the largest that
 * stock OpenSSL 3.0 accepts: its scrypt refuses more than 32 MiB (128*r*(N+2) bytes), which
 * rules out N=2^15 with r=8 by 2 KiB, in PKCS5_pbe2_set_scrypt and in `openssl pkey` alike.
 * N=2^15, r=7 (28 MiB, about 0.1 s) keeps N at 2^15 and the files readable by `openssl pkey`;
 * OpenSSL's own `-scrypt` default is N=2^14, r=8, half this work. */
#define VB_KEY_SCRYPT_N 32768u
#define VB_KEY_SCRYPT_R 7u
#define VB_KEY_SCRYPT_P 1u
#define VB_KEY_SALT_BYTES 16
#define VB_KEY_FILE_MAX_BYTES (256u * 1024)  /* any key, certificate, chain or CSR file */

/* ---- Passphrases ---- */
#define VB_PASSPHRASE_ENV "VANBANG_PASSPHRASE"
#define VB_PASSPHRASE_MAX_BYTES 1024       /* buffer size for vb_passphrase_read, NUL included */

/* ---- Certificates ---- */
#define VB_CERT_AUTHORITY_DEFAULT_DAYS 3653  /* ten years */
#define VB_CERT_SIGNER_DEFAULT_DAYS 730
#define VB_CERT_MAX_DAYS 36500
#define VB_CERT_SERIAL_BYTES 16
#define VB_CERT_MAX_CHAIN 8                  /* leaf, intermediates, root */
#define VB_CERT_MAX_NAME_CHARS 64            /* X.509 upper bound of CN, O, ST (RFC 5280) */
#define VB_CERT_MIN_RSA_BITS 2048            /* Circular 15/2025/TT-BKHCN */
#define VB_CERT_MIN_EC_BITS 256
#define VB_CERT_COUNTRY "VN"
/* The school code sits in the subject's serialNumber attribute (2.5.4.5), a PrintableString;
 * so a code is 1 to VB_MAX_SCHOOL_CODE_BYTES of A-Z a-z 0-9 '-' '.', nothing else. */

/* What a key is, as far as vanbang cares: ES256 needs P-256, PS256 needs RSA. */
typedef enum {
    VB_KEY_TYPE_OTHER = 0,   /* Ed25519, DSA, ...: never allowed */
    VB_KEY_TYPE_EC_P256 = 1,
    VB_KEY_TYPE_EC_OTHER = 2, /* P-384, P-521, brainpool: allowed in a CA chain, not to sign */
    VB_KEY_TYPE_RSA = 3,      /* rsaEncryption or RSASSA-PSS */
} vb_key_type;

/* What a file holds, judged by its first PEM block (or, without PEM, as a DER certificate). */
typedef enum {
    VB_KEY_FILE_UNKNOWN = 0,
    VB_KEY_FILE_CERTIFICATE = 1,   /* one or more certificates: a cert or a chain */
    VB_KEY_FILE_REQUEST = 2,       /* a PKCS#10 certificate signing request */
    VB_KEY_FILE_ENCRYPTED_KEY = 3, /* encrypted PKCS#8: what vanbang writes */
    VB_KEY_FILE_PLAIN_KEY = 4,     /* an unencrypted or legacy-encrypted private key */
    VB_KEY_FILE_PUBLIC_KEY = 5,
} vb_key_file_kind;

/* How an encrypted key file is protected; read without the passphrase. */
typedef struct {
    char kdf[16];                /* "scrypt", "pbkdf2", or "other" */
    uint64_t scrypt_n, scrypt_r, scrypt_p;
    uint64_t pbkdf2_iterations;
    char cipher[32];             /* "aes-256-cbc", ... */
} vb_key_encryption;

/* ---- Keys ---- */
vb_status vb_key_generate_p256(EVP_PKEY **out, vb_error *err);
/* bits: 2048, 3072 or 4096. */
vb_status vb_key_generate_rsa(int bits, EVP_PKEY **out, vb_error *err);

/* Writes key as encrypted PKCS#8 PEM to a new file of mode 0600. Refuses an empty passphrase and
 * an existing path (or a symlink there): a key is never overwritten. */
vb_status vb_key_save_encrypted(const char *path, EVP_PKEY *key, const char *passphrase,
                                size_t passphrase_len, vb_error *err);
/* Reads an encrypted PKCS#8 PEM key. VB_ERR_PASSPHRASE: the passphrase does not open it;
 * VB_ERR_KEY: the file is unreadable, damaged, not a private key, or not encrypted;
 * VB_ERR_IO: the file cannot be opened. */
vb_status vb_key_load_encrypted(const char *path, const char *passphrase, size_t passphrase_len,
                                EVP_PKEY **out, vb_error *err);

vb_status vb_key_file_identify(const char *path, vb_key_file_kind *kind, vb_error *err);
vb_status vb_key_file_encryption(const char *path, vb_key_encryption *out, vb_error *err);

/* bits may be NULL; it receives the modulus size (RSA) or the curve size (EC). */
vb_key_type vb_key_type_of(const EVP_PKEY *key, int *bits);
/* "ECDSA P-256", "RSA 3072", "EC secp384r1", "ED25519"; never fails, truncates to size. */
void vb_key_describe(const EVP_PKEY *key, char *buf, size_t size);
/* May this key sign records? P-256 or RSA >= 2048; else VB_ERR_CERTIFICATE_REJECTED naming what. */
vb_status vb_key_check_signer(const EVP_PKEY *key, const char *what, vb_error *err);

/* ---- Passphrases ----
 * Source, first that applies: fd >= 0 (one line read from it); the VANBANG_PASSPHRASE
 * environment variable; a prompt on /dev/tty with echo off. confirm != 0 means a new key: the
 * terminal asks twice, and an empty passphrase is refused from any source. The result is a
 * NUL-terminated string in buf (size >= 2); wipe it with vb_passphrase_wipe after use.
 * With no fd, no variable and no terminal: VB_ERR_ARGUMENT saying how to give one. */
vb_status vb_passphrase_read(const char *prompt, int confirm, int fd, char *buf, size_t size,
                             vb_error *err);
void vb_passphrase_wipe(char *buf, size_t size);

/* ---- Certificates and requests: files ---- */
/* The first certificate of a PEM (or DER) file. */
vb_status vb_cert_load(const char *path, X509 **out, vb_error *err);
/* Every certificate of a PEM file in order, at least one and at most VB_CERT_MAX_CHAIN. */
vb_status vb_cert_load_chain(const char *path, STACK_OF(X509) **out, vb_error *err);
vb_status vb_cert_request_load(const char *path, X509_REQ **out, vb_error *err);
/* Writers create a new file (mode 0644 before umask) and refuse an existing one. */
vb_status vb_cert_save(const char *path, X509 *cert, vb_error *err);
vb_status vb_cert_save_chain(const char *path, STACK_OF(X509) *chain, vb_error *err);
vb_status vb_cert_request_save(const char *path, X509_REQ *request, vb_error *err);

/* ---- Certificates: what is in them ---- */
vb_status vb_cert_kid(X509 *cert, uint8_t kid[VB_KID_BYTES], vb_error *err);
vb_status vb_cert_validity(const X509 *cert, time_t *not_before, time_t *not_after,
                           vb_error *err);
/* The school code (serialNumber attribute) of a subject; VB_ERR_KEY if absent or malformed.
 * For a certificate pass X509_get_subject_name(cert), for a CSR X509_REQ_get_subject_name. */
vb_status vb_cert_school_code(const X509_NAME *subject, char *buf, size_t size, vb_error *err);
/* The school's name: O, else CN; UTF-8. VB_ERR_KEY if the subject has neither. */
vb_status vb_cert_school_name(const X509_NAME *subject, char *buf, size_t size, vb_error *err);
/* One attribute as UTF-8 (nid such as NID_commonName); VB_ERR_KEY if absent. */
vb_status vb_cert_name_entry(const X509_NAME *name, int nid, char *buf, size_t size,
                             vb_error *err);
/* The whole name on one line, UTF-8 kept as is: "C=VN, O=Trường …, CN=…". */
vb_status vb_cert_name_text(const X509_NAME *name, char *buf, size_t size, vb_error *err);
/* Parses "CN=…, O=…, C=VN" (attributes CN O OU C ST L serialNumber; "\," is a literal comma).
 * Text without any '=' is taken as a bare name: CN=text, C=VN. */
vb_status vb_cert_name_parse(const char *text, X509_NAME **out, vb_error *err);
/* VB_ERR_ARGUMENT unless code is 1..VB_MAX_SCHOOL_CODE_BYTES of A-Z a-z 0-9 '-' '.'. */
vb_status vb_cert_check_school_code(const char *code, vb_error *err);
/* VB_OK if cert carries the public half of key, else VB_ERR_CERTIFICATE_REJECTED. */
vb_status vb_cert_matches_key(X509 *cert, EVP_PKEY *key, vb_error *err);

/* ---- Making certificates ---- */
/* A self-signed authority certificate: v3, basicConstraints critical CA:TRUE pathlen:0 (it
 * certifies document signers directly), keyUsage critical keyCertSign+cRLSign, SKI and AKI,
 * random 16-byte serial, valid from now for days. subject as vb_cert_name_parse reads it. */
vb_status vb_cert_make_authority(EVP_PKEY *key, const char *subject, int days, X509 **out,
                                 vb_error *err);
/* A school's CSR: subject C=VN, ST=province (if not NULL), O=name, CN=name, serialNumber=code;
 * self-signed with ECDSA-SHA256, or RSASSA-PSS-SHA256 for an RSA key. */
vb_status vb_cert_make_request(EVP_PKEY *key, const char *school_code, const char *school_name,
                               const char *province, X509_REQ **out, vb_error *err);
/* Checks a CSR before an authority signs it: self-signature, signer key type, school code.
 * VB_ERR_CERTIFICATE_REJECTED names what failed. */
vb_status vb_cert_request_check(X509_REQ *request, vb_error *err);
/* The authority signs request into a document-signer certificate: subject and key from the CSR
 * (its requested extensions are ignored), basicConstraints critical CA:FALSE, keyUsage critical
 * digitalSignature, SKI, AKI, random serial, valid from now for days — which must end before
 * the authority certificate does. */
vb_status vb_cert_certify(X509 *authority_cert, EVP_PKEY *authority_key, X509_REQ *request,
                          int days, X509 **out, vb_error *err);

/* Checks a chain from a licensed CA, leaf first: each certificate valid at now, each signed by
 * the next, each issuer a CA; the last is verified against itself if self-signed, else taken as
 * the anchor; then OpenSSL's full RFC 5280 path check with the last as trust anchor. The leaf
 * must not be a CA, must carry keyUsage digitalSignature or nonRepudiation, and hold a P-256
 * or RSA >= 2048 key; the others EC >= 256 or RSA >= 2048. On failure
 * VB_ERR_CERTIFICATE_REJECTED, the message naming "certificate N (subject)" and why. */
vb_status vb_cert_check_chain(STACK_OF(X509) *chain, time_t now, vb_error *err);

#endif
