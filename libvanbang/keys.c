/*
 * keys.c — signing keys, passphrases and X.509 certificates (see keys.h for the model).
 *
 * In order: small file and OpenSSL helpers; generating, saving and loading private keys;
 * describing key files and key types; reading passphrases; loading and saving certificates and
 * requests; reading names; making authority certificates, requests and signer certificates;
 * checking a chain from a licensed CA.
 *
 * Nothing here prints or exits: every failure becomes a vb_status and a sentence in vb_error,
 * and the OpenSSL error queue is left empty on return so one failure never leaks into the next.
 */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

/* ======================================================================================
 * Helpers: OpenSSL errors, files, PEM blocks
 * ====================================================================================== */

/* The reason of OpenSSL's latest error, for the end of a message; empties the queue. The
 * strings are OpenSSL's static tables, so the pointer stays good. */
static const char *openssl_reason(void)
{
    unsigned long code = ERR_peek_last_error();
    const char *reason = code ? ERR_reason_error_string(code) : NULL;
    ERR_clear_error();
    return reason ? reason : "no reason given by OpenSSL";
}

/* Reads a whole key, certificate or CSR file; refuses anything but a regular file of at most
 * max bytes, since these files are small and a huge one is a mistake or an attack. The buffer
 * is wiped when freed (file_free) because it may hold a plain private key we are refusing. */
static vb_status file_read_bounded(const char *path, size_t max, unsigned char **out,
                                   size_t *out_len, vb_error *err)
{
    *out = NULL;
    *out_len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vb_fail(err, VB_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        close(fd);
        return vb_fail(err, VB_ERR_IO, "%s: cannot stat: %s", path, strerror(saved));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return vb_fail(err, VB_ERR_IO, "%s: not a regular file", path);
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > max) {
        close(fd);
        return vb_fail(err, VB_ERR_TOO_LARGE, "%s: %lld bytes, more than the %zu a key or "
                       "certificate file may hold", path, (long long)st.st_size, max);
    }
    /* One spare byte tells a file that grew since fstat from one that did not. */
    size_t capacity = (size_t)st.st_size + 1;
    unsigned char *data = malloc(capacity);
    if (!data) {
        close(fd);
        return vb_fail(err, VB_ERR_NOMEM, "%s: out of memory", path);
    }
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, data + len, capacity - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;
            close(fd);
            OPENSSL_clear_free(data, capacity);
            return vb_fail(err, VB_ERR_IO, "%s: cannot read: %s", path, strerror(saved));
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == capacity) {
            close(fd);
            OPENSSL_clear_free(data, capacity);
            return vb_fail(err, VB_ERR_IO, "%s: the file changed while being read", path);
        }
    }
    close(fd);
    *out = data;
    *out_len = len;
    return VB_OK;
}

static void file_free(unsigned char *data, size_t len)
{
    if (data)
        OPENSSL_clear_free(data, len + 1);
}

/* Creates path with O_EXCL|O_NOFOLLOW and writes data: an existing file or a symlink planted
 * there is refused rather than followed or overwritten. A failed write leaves no file behind. */
static vb_status file_create_exclusive(const char *path, mode_t mode, const void *data,
                                       size_t len, vb_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        if (errno == EEXIST)
            return vb_fail(err, VB_ERR_IO, "%s: already exists, and vanbang never overwrites a "
                           "key or certificate", path);
        return vb_fail(err, VB_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    }
    const unsigned char *p = data;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, p + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto failed;
        done += (size_t)n;
    }
    if (fsync(fd) != 0)
        goto failed;
    if (close(fd) != 0) {
        fd = -1;
        goto failed;
    }
    return VB_OK;

failed:;
    int saved = errno;
    if (fd >= 0)
        close(fd);
    unlink(path);
    return vb_fail(err, VB_ERR_IO, "%s: cannot write: %s", path, strerror(saved));
}

/* Writes what a PEM writer put in a memory BIO to a new file. */
static vb_status file_create_from_bio(const char *path, mode_t mode, BIO *bio, vb_error *err)
{
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    if (len <= 0 || !data)
        return vb_fail(err, VB_ERR_CRYPTO, "%s: could not encode: %s", path, openssl_reason());
    return file_create_exclusive(path, mode, data, (size_t)len, err);
}

/* One PEM block: its label ("CERTIFICATE"), headers (legacy encryption lives there) and bytes. */
typedef struct {
    char *label;
    char *headers;
    unsigned char *der;
    long der_len;
} pem_block;

/* 1: a block was read; 0: no further block; -1: a block is damaged (bad base64, no END line). */
static int pem_block_read(BIO *bio, pem_block *block)
{
    memset(block, 0, sizeof *block);
    ERR_set_mark();
    if (PEM_read_bio(bio, &block->label, &block->headers, &block->der, &block->der_len) == 1) {
        ERR_pop_to_mark();
        return 1;
    }
    unsigned long code = ERR_peek_last_error();
    ERR_pop_to_mark();
    return ERR_GET_LIB(code) == ERR_LIB_PEM && ERR_GET_REASON(code) == PEM_R_NO_START_LINE ? 0 : -1;
}

static void pem_block_free(pem_block *block)
{
    OPENSSL_free(block->label);
    OPENSSL_free(block->headers);
    if (block->der)
        OPENSSL_clear_free(block->der, (size_t)block->der_len);
    memset(block, 0, sizeof *block);
}

/* The first PEM block of a file's bytes, as pem_block_read says (-1 also when out of memory). */
static int pem_first_block(const unsigned char *data, size_t len, pem_block *block)
{
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    int found = bio ? pem_block_read(bio, block) : -1;
    BIO_free(bio);
    return found;
}

/* Reads a key or request file and its first PEM block into *block (free it with
 * pem_block_free); a file without PEM or with a damaged block is refused, the message naming
 * what was `expected` ("a CERTIFICATE REQUEST"). The file's bytes are wiped once parsed. */
static vb_status pem_file_first_block(const char *path, const char *expected, pem_block *block,
                                      vb_error *err)
{
    unsigned char *data = NULL;
    size_t len = 0;
    vb_status status = file_read_bounded(path, VB_KEY_FILE_MAX_BYTES, &data, &len, err);
    if (status != VB_OK)
        return status;
    int found = pem_first_block(data, len, block);
    file_free(data, len);
    if (found == 1)
        return VB_OK;
    ERR_clear_error();
    if (found == 0)
        return vb_fail(err, VB_ERR_KEY, "%s: not a PEM file; expected %s", path, expected);
    return vb_fail(err, VB_ERR_KEY, "%s: damaged PEM (bad base64 or no END line)", path);
}

/* Writes what a PEM writer put in pem (a memory BIO, NULL if none could be made; `encoded`
 * is whether the writer succeeded) to a new file of mode 0644, and frees pem. */
static vb_status pem_file_save(const char *path, BIO *pem, int encoded, const char *what,
                               vb_error *err)
{
    vb_status status;
    if (!pem || !encoded)
        status = vb_fail(err, VB_ERR_CRYPTO, "%s: cannot encode the %s: %s", path, what,
                         openssl_reason());
    else
        status = file_create_from_bio(path, 0644, pem, err);
    BIO_free(pem);
    return status;
}

static int pem_label_is_certificate(const char *label)
{
    return strcmp(label, "CERTIFICATE") == 0 || strcmp(label, "X509 CERTIFICATE") == 0;
}

static int pem_label_is_request(const char *label)
{
    return strcmp(label, "CERTIFICATE REQUEST") == 0 ||
           strcmp(label, "NEW CERTIFICATE REQUEST") == 0;
}

static int pem_label_is_private_key(const char *label)
{
    size_t len = strlen(label);
    const char *suffix = "PRIVATE KEY";
    size_t suffix_len = strlen(suffix);
    return len >= suffix_len && strcmp(label + len - suffix_len, suffix) == 0;
}

/* ======================================================================================
 * Private keys: generate, save encrypted, load
 * ====================================================================================== */

vb_status vb_key_generate_p256(EVP_PKEY **out, vb_error *err)
{
    *out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!*out)
        return vb_fail(err, VB_ERR_CRYPTO, "cannot generate a P-256 key: %s", openssl_reason());
    return VB_OK;
}

vb_status vb_key_generate_rsa(int bits, EVP_PKEY **out, vb_error *err)
{
    *out = NULL;
    if (bits != 2048 && bits != 3072 && bits != 4096)
        return vb_fail(err, VB_ERR_ARGUMENT, "RSA keys are 2048, 3072 or 4096 bits, not %d", bits);
    *out = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    if (!*out)
        return vb_fail(err, VB_ERR_CRYPTO, "cannot generate an RSA key: %s", openssl_reason());
    return VB_OK;
}

vb_status vb_key_save_encrypted(const char *path, EVP_PKEY *key, const char *passphrase,
                                size_t passphrase_len, vb_error *err)
{
    if (!passphrase || passphrase_len == 0)
        return vb_fail(err, VB_ERR_ARGUMENT, "%s: refusing an empty passphrase: the key would "
                       "be as good as unencrypted", path);
    if (passphrase_len > INT_MAX)
        return vb_fail(err, VB_ERR_ARGUMENT, "%s: passphrase too long", path);

    vb_status status = VB_ERR_CRYPTO;
    PKCS8_PRIV_KEY_INFO *plain = NULL;
    X509_ALGOR *scheme = NULL;
    X509_SIG *encrypted = NULL;
    BIO *pem = NULL;
    unsigned char salt[VB_KEY_SALT_BYTES];

    plain = EVP_PKEY2PKCS8(key);
    if (!plain) {
        vb_fail(err, VB_ERR_CRYPTO, "%s: cannot encode the key: %s", path, openssl_reason());
        goto done;
    }
    if (RAND_bytes(salt, sizeof salt) != 1) {
        vb_fail(err, VB_ERR_CRYPTO, "%s: no random salt: %s", path, openssl_reason());
        goto done;
    }
    /* A NULL IV asks OpenSSL for a random one. */
    scheme = PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), salt, sizeof salt, NULL, VB_KEY_SCRYPT_N,
                                   VB_KEY_SCRYPT_R, VB_KEY_SCRYPT_P);
    if (!scheme) {
        vb_fail(err, VB_ERR_CRYPTO, "%s: cannot set up scrypt: %s", path, openssl_reason());
        goto done;
    }
    encrypted = PKCS8_set0_pbe(passphrase, (int)passphrase_len, plain, scheme);
    if (!encrypted) {
        vb_fail(err, VB_ERR_CRYPTO, "%s: cannot encrypt the key: %s", path, openssl_reason());
        goto done;
    }
    scheme = NULL; /* now owned by encrypted */
    pem = BIO_new(BIO_s_mem());
    if (!pem || PEM_write_bio_PKCS8(pem, encrypted) != 1) {
        vb_fail(err, VB_ERR_CRYPTO, "%s: cannot encode the key: %s", path, openssl_reason());
        goto done;
    }
    status = file_create_from_bio(path, 0600, pem, err);

done:
    OPENSSL_cleanse(salt, sizeof salt);
    BIO_free(pem);
    X509_SIG_free(encrypted);
    X509_ALGOR_free(scheme);
    PKCS8_PRIV_KEY_INFO_free(plain); /* OpenSSL wipes the key bytes as it frees them */
    ERR_clear_error();
    return status;
}

/* After PKCS8_decrypt failed: did the passphrase fail to open the key, or is the file's
 * encryption unusable? AES-CBC has no authentication, so a wrong passphrase shows as bad
 * padding (255 times in 256) or, when the padding happens to look right, as garbage that does
 * not decode as a key. Anything else — an unknown cipher, scrypt parameters over OpenSSL's
 * memory limit, a ciphertext of the wrong length — is the file's fault, and *reason says what.
 * Empties the error queue. */
static int decrypt_failure_is_wrong_passphrase(const char **reason)
{
    int wrong = 0, wrong_length = 0;
    unsigned long code, last = 0;
    while ((code = ERR_get_error()) != 0) {
        int lib = ERR_GET_LIB(code), why = ERR_GET_REASON(code);
        if ((lib == ERR_LIB_EVP && why == EVP_R_BAD_DECRYPT) ||
            (lib == ERR_LIB_PKCS12 && why == PKCS12_R_PKCS12_CIPHERFINAL_ERROR) ||
            (lib == ERR_LIB_PKCS12 && why == PKCS12_R_DECODE_ERROR))
            wrong = 1;
        if (lib == ERR_LIB_EVP && why == EVP_R_WRONG_FINAL_BLOCK_LENGTH)
            wrong_length = 1;
        last = code;
    }
    *reason = last && ERR_reason_error_string(last) ? ERR_reason_error_string(last)
                                                    : "no reason given by OpenSSL";
    if (wrong_length)
        *reason = "the encrypted data has a wrong length (damaged file)";
    return wrong && !wrong_length;
}

/* Reads the first PEM block of a key file and returns it as an encrypted PKCS#8 structure,
 * or says precisely why the file is not one. */
static vb_status key_file_read_encrypted(const char *path, X509_SIG **out, vb_error *err)
{
    *out = NULL;
    pem_block block;
    vb_status status = pem_file_first_block(path, "an ENCRYPTED PRIVATE KEY", &block, err);
    if (status != VB_OK)
        return status;

    if (strcmp(block.label, "ENCRYPTED PRIVATE KEY") == 0) {
        const unsigned char *p = block.der;
        *out = d2i_X509_SIG(NULL, &p, block.der_len);
        if (!*out || p != block.der + block.der_len) {
            X509_SIG_free(*out);
            *out = NULL;
            status = vb_fail(err, VB_ERR_KEY, "%s: damaged encrypted private key", path);
        }
    } else if (pem_label_is_private_key(block.label)) {
        if (block.headers && strstr(block.headers, "ENCRYPTED"))
            status = vb_fail(err, VB_ERR_KEY, "%s: private key in OpenSSL's legacy encrypted "
                             "format; convert it with openssl pkcs8 -topk8 -v2 aes-256-cbc "
                             "-scrypt", path);
        else
            status = vb_fail(err, VB_ERR_KEY, "%s: private key is not encrypted, and vanbang "
                             "refuses to load one; encrypt it with openssl pkcs8 -topk8 -v2 "
                             "aes-256-cbc -scrypt", path);
    } else {
        status = vb_fail(err, VB_ERR_KEY, "%s: holds a %s, not an encrypted private key", path,
                         block.label);
    }
    pem_block_free(&block);
    ERR_clear_error();
    return status;
}

vb_status vb_key_load_encrypted(const char *path, const char *passphrase, size_t passphrase_len,
                                EVP_PKEY **out, vb_error *err)
{
    *out = NULL;
    if (!passphrase || passphrase_len > INT_MAX)
        return vb_fail(err, VB_ERR_ARGUMENT, "%s: no usable passphrase given", path);
    X509_SIG *encrypted = NULL;
    vb_status status = key_file_read_encrypted(path, &encrypted, err);
    if (status != VB_OK)
        return status;

    ERR_clear_error();
    PKCS8_PRIV_KEY_INFO *plain = PKCS8_decrypt(encrypted, passphrase, (int)passphrase_len);
    X509_SIG_free(encrypted);
    if (!plain) {
        const char *reason = NULL;
        if (decrypt_failure_is_wrong_passphrase(&reason))
            return vb_fail(err, VB_ERR_PASSPHRASE, "wrong passphrase for %s", path);
        return vb_fail(err, VB_ERR_KEY, "%s: cannot decrypt: %s", path, reason);
    }
    *out = EVP_PKCS82PKEY(plain);
    PKCS8_PRIV_KEY_INFO_free(plain);
    if (!*out)
        return vb_fail(err, VB_ERR_KEY, "%s: decrypted, but the key inside is unreadable: %s",
                       path, openssl_reason());
    ERR_clear_error();
    return VB_OK;
}

/* ======================================================================================
 * Key files and key types: what they are, without the passphrase
 * ====================================================================================== */

vb_status vb_key_file_identify(const char *path, vb_key_file_kind *kind, vb_error *err)
{
    *kind = VB_KEY_FILE_UNKNOWN;
    unsigned char *data = NULL;
    size_t len = 0;
    vb_status status = file_read_bounded(path, VB_KEY_FILE_MAX_BYTES, &data, &len, err);
    if (status != VB_OK)
        return status;
    pem_block block;
    int found = pem_first_block(data, len, &block);
    if (found == 1) {
        if (pem_label_is_certificate(block.label))
            *kind = VB_KEY_FILE_CERTIFICATE;
        else if (pem_label_is_request(block.label))
            *kind = VB_KEY_FILE_REQUEST;
        else if (strcmp(block.label, "ENCRYPTED PRIVATE KEY") == 0)
            *kind = VB_KEY_FILE_ENCRYPTED_KEY;
        else if (pem_label_is_private_key(block.label))
            *kind = VB_KEY_FILE_PLAIN_KEY;
        else if (strcmp(block.label, "PUBLIC KEY") == 0)
            *kind = VB_KEY_FILE_PUBLIC_KEY;
        pem_block_free(&block);
    } else if (found == 0) {
        /* No PEM at all: perhaps a DER certificate, as some CAs hand them out. */
        const unsigned char *p = data;
        X509 *cert = d2i_X509(NULL, &p, (long)len);
        if (cert && p == data + len)
            *kind = VB_KEY_FILE_CERTIFICATE;
        X509_free(cert);
    }
    file_free(data, len);
    ERR_clear_error();
    return VB_OK;
}

static void copy_text(char *buf, size_t size, const char *text)
{
    if (size == 0)
        return;
    snprintf(buf, size, "%s", text ? text : "");
}

vb_status vb_key_file_encryption(const char *path, vb_key_encryption *out, vb_error *err)
{
    memset(out, 0, sizeof *out);
    X509_SIG *encrypted = NULL;
    vb_status status = key_file_read_encrypted(path, &encrypted, err);
    if (status != VB_OK)
        return status;

    const X509_ALGOR *scheme = NULL;
    X509_SIG_get0(encrypted, &scheme, NULL);
    int scheme_nid = OBJ_obj2nid(scheme->algorithm);
    copy_text(out->kdf, sizeof out->kdf, "other");

    if (scheme_nid != NID_pbes2 || !scheme->parameter) {
        /* A PKCS#12-era scheme (PBE-SHA1-3DES, ...): name it and say no more. */
        copy_text(out->cipher, sizeof out->cipher,
                  scheme_nid != NID_undef ? OBJ_nid2ln(scheme_nid) : "unknown");
        X509_SIG_free(encrypted);
        return VB_OK;
    }
    PBE2PARAM *pbes2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), scheme->parameter);
    if (!pbes2) {
        X509_SIG_free(encrypted);
        return vb_fail(err, VB_ERR_KEY, "%s: damaged encryption parameters: %s", path,
                       openssl_reason());
    }
    int cipher_nid = OBJ_obj2nid(pbes2->encryption->algorithm);
    copy_text(out->cipher, sizeof out->cipher,
              cipher_nid != NID_undef ? OBJ_nid2ln(cipher_nid) : "unknown");
    int kdf_nid = OBJ_obj2nid(pbes2->keyfunc->algorithm);
    if (kdf_nid == NID_id_scrypt && pbes2->keyfunc->parameter) {
        SCRYPT_PARAMS *scrypt = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(SCRYPT_PARAMS),
                                                          pbes2->keyfunc->parameter);
        if (scrypt) {
            copy_text(out->kdf, sizeof out->kdf, "scrypt");
            ASN1_INTEGER_get_uint64(&out->scrypt_n, scrypt->costParameter);
            ASN1_INTEGER_get_uint64(&out->scrypt_r, scrypt->blockSize);
            ASN1_INTEGER_get_uint64(&out->scrypt_p, scrypt->parallelizationParameter);
            SCRYPT_PARAMS_free(scrypt);
        }
    } else if (kdf_nid == NID_id_pbkdf2 && pbes2->keyfunc->parameter) {
        PBKDF2PARAM *pbkdf2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM),
                                                        pbes2->keyfunc->parameter);
        if (pbkdf2) {
            copy_text(out->kdf, sizeof out->kdf, "pbkdf2");
            ASN1_INTEGER_get_uint64(&out->pbkdf2_iterations, pbkdf2->iter);
            PBKDF2PARAM_free(pbkdf2);
        }
    }
    PBE2PARAM_free(pbes2);
    X509_SIG_free(encrypted);
    ERR_clear_error();
    return VB_OK;
}

vb_key_type vb_key_type_of(const EVP_PKEY *key, int *bits)
{
    if (bits)
        *bits = key ? EVP_PKEY_get_bits(key) : 0;
    if (!key)
        return VB_KEY_TYPE_OTHER;
    if (EVP_PKEY_is_a(key, "EC")) {
        char group[80];
        size_t group_len = 0;
        if (EVP_PKEY_get_group_name(key, group, sizeof group, &group_len) == 1 &&
            (OBJ_sn2nid(group) == NID_X9_62_prime256v1 || strcmp(group, "P-256") == 0))
            return VB_KEY_TYPE_EC_P256;
        return VB_KEY_TYPE_EC_OTHER;
    }
    if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS"))
        return VB_KEY_TYPE_RSA;
    return VB_KEY_TYPE_OTHER;
}

void vb_key_describe(const EVP_PKEY *key, char *buf, size_t size)
{
    int bits = 0;
    switch (vb_key_type_of(key, &bits)) {
    case VB_KEY_TYPE_EC_P256:
        snprintf(buf, size, "ECDSA P-256");
        break;
    case VB_KEY_TYPE_EC_OTHER: {
        char group[80] = "unknown curve";
        size_t group_len = 0;
        EVP_PKEY_get_group_name(key, group, sizeof group, &group_len);
        const char *nist = EC_curve_nid2nist(OBJ_sn2nid(group));
        snprintf(buf, size, "ECDSA %s (%d bits)", nist ? nist : group, bits);
        break;
    }
    case VB_KEY_TYPE_RSA:
        snprintf(buf, size, "RSA %d%s", bits,
                 EVP_PKEY_is_a(key, "RSA-PSS") ? " (RSASSA-PSS key)" : "");
        break;
    default: {
        const char *name = key ? EVP_PKEY_get0_type_name(key) : NULL;
        snprintf(buf, size, "%s", name ? name : "unknown key type");
        break;
    }
    }
    ERR_clear_error();
}

vb_status vb_key_check_signer(const EVP_PKEY *key, const char *what, vb_error *err)
{
    int bits = 0;
    vb_key_type type = vb_key_type_of(key, &bits);
    if (type == VB_KEY_TYPE_EC_P256 || (type == VB_KEY_TYPE_RSA && bits >= VB_CERT_MIN_RSA_BITS))
        return VB_OK;
    char described[96];
    vb_key_describe(key, described, sizeof described);
    return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "%s has a %s key; a signing key must be "
                   "ECDSA P-256 (ES256) or RSA of at least %d bits (PS256)", what, described,
                   VB_CERT_MIN_RSA_BITS);
}

/* May this key sit in a CA chain above a signer? EC >= 256 or RSA >= 2048 (Circular 15/2025). */
static int key_allowed_in_chain(const EVP_PKEY *key)
{
    int bits = 0;
    vb_key_type type = vb_key_type_of(key, &bits);
    return ((type == VB_KEY_TYPE_EC_P256 || type == VB_KEY_TYPE_EC_OTHER) &&
            bits >= VB_CERT_MIN_EC_BITS) ||
           (type == VB_KEY_TYPE_RSA && bits >= VB_CERT_MIN_RSA_BITS);
}

/* ======================================================================================
 * Passphrases: a file descriptor, the environment, or the terminal — never argv
 * ====================================================================================== */

/* Set by the signal handler while the terminal has echo off, so that an interrupted prompt
 * restores the terminal before the signal takes its usual effect (as readpassphrase(3) does). */
static volatile sig_atomic_t passphrase_signal;

static void passphrase_note_signal(int signal_number)
{
    passphrase_signal = signal_number;
}

static const int passphrase_signals[] = {SIGALRM, SIGHUP, SIGINT, SIGPIPE, SIGQUIT,
                                         SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU};
#define PASSPHRASE_SIGNAL_COUNT (sizeof passphrase_signals / sizeof passphrase_signals[0])

void vb_passphrase_wipe(char *buf, size_t size)
{
    if (buf && size)
        OPENSSL_cleanse(buf, size);
}

/* Reads one line, byte by byte so that nothing after the newline is taken from a shared fd.
 * A trailing CR is dropped (files written on Windows). */
static vb_status passphrase_read_line(int fd, const char *source, char *buf, size_t size,
                                      vb_error *err)
{
    size_t len = 0;
    int too_long = 0, has_nul = 0;
    char c = 0;
    for (;;) {
        ssize_t n = read(fd, &c, 1);
        if (n < 0 && errno == EINTR && !passphrase_signal)
            continue;
        if (n < 0) {
            int saved = errno;
            vb_passphrase_wipe(buf, size);
            if (passphrase_signal)
                return vb_fail(err, VB_ERR_ARGUMENT, "passphrase entry interrupted");
            return vb_fail(err, VB_ERR_IO, "cannot read the passphrase from %s: %s", source,
                           strerror(saved));
        }
        if (n == 0 || c == '\n')
            break;
        if (c == '\0')
            has_nul = 1;
        if (len + 1 < size)
            buf[len++] = c;
        else
            too_long = 1;
    }
    OPENSSL_cleanse(&c, sizeof c);
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    buf[len] = '\0';
    if (too_long || has_nul) {
        vb_passphrase_wipe(buf, size);
        if (has_nul)
            return vb_fail(err, VB_ERR_ARGUMENT, "the passphrase from %s holds a NUL byte",
                           source);
        return vb_fail(err, VB_ERR_ARGUMENT, "the passphrase from %s is longer than %zu bytes",
                       source, size - 1);
    }
    return VB_OK;
}

static void tty_write_text(int tty, const char *text)
{
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t n = write(tty, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        done += (size_t)n;
    }
}

/* Prompts on the terminal with echo off, restoring the terminal and the signal dispositions
 * whatever happens. */
static vb_status passphrase_from_tty(int tty, const char *prompt, char *buf, size_t size,
                                     vb_error *err)
{
    struct termios saved_mode, quiet_mode;
    if (tcgetattr(tty, &saved_mode) != 0)
        return vb_fail(err, VB_ERR_IO, "cannot set up the terminal for a passphrase: %s",
                       strerror(errno));
    quiet_mode = saved_mode;
    quiet_mode.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);

    struct sigaction note, saved_actions[PASSPHRASE_SIGNAL_COUNT];
    memset(&note, 0, sizeof note);
    note.sa_handler = passphrase_note_signal;
    sigemptyset(&note.sa_mask);
    note.sa_flags = 0; /* no SA_RESTART: a signal must interrupt read() */
    passphrase_signal = 0;
    for (size_t i = 0; i < PASSPHRASE_SIGNAL_COUNT; i++)
        sigaction(passphrase_signals[i], &note, &saved_actions[i]);

    tty_write_text(tty, prompt);
    vb_status status;
    if (tcsetattr(tty, TCSAFLUSH, &quiet_mode) != 0)
        status = vb_fail(err, VB_ERR_IO, "cannot turn off the terminal's echo: %s",
                         strerror(errno));
    else
        status = passphrase_read_line(tty, "the terminal", buf, size, err);
    tcsetattr(tty, TCSAFLUSH, &saved_mode);
    tty_write_text(tty, "\n");

    for (size_t i = 0; i < PASSPHRASE_SIGNAL_COUNT; i++)
        sigaction(passphrase_signals[i], &saved_actions[i], NULL);
    int caught = passphrase_signal;
    passphrase_signal = 0;
    if (caught) {
        vb_passphrase_wipe(buf, size);
        raise(caught); /* now with the caller's disposition: usually the process ends here */
        return vb_fail(err, VB_ERR_ARGUMENT, "passphrase entry interrupted");
    }
    return status;
}

static vb_status passphrase_from_terminal(const char *prompt, int confirm, char *buf,
                                          size_t size, vb_error *err)
{
    int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty < 0)
        return vb_fail(err, VB_ERR_ARGUMENT, "no passphrase given and no terminal to ask on; "
                       "set %s or pass --passphrase-fd N", VB_PASSPHRASE_ENV);
    vb_status status = passphrase_from_tty(tty, prompt, buf, size, err);
    if (status == VB_OK && confirm) {
        char again[VB_PASSPHRASE_MAX_BYTES];
        status = passphrase_from_tty(tty, "Same passphrase again, to confirm: ", again,
                                     sizeof again, err);
        if (status == VB_OK && (strlen(again) != strlen(buf) ||
                                CRYPTO_memcmp(again, buf, strlen(buf)) != 0))
            status = vb_fail(err, VB_ERR_ARGUMENT, "the two passphrases differ");
        vb_passphrase_wipe(again, sizeof again);
    }
    close(tty);
    if (status != VB_OK)
        vb_passphrase_wipe(buf, size);
    return status;
}

vb_status vb_passphrase_read(const char *prompt, int confirm, int fd, char *buf, size_t size,
                             vb_error *err)
{
    if (!buf || size < 2)
        return vb_fail(err, VB_ERR_ARGUMENT, "passphrase buffer too small");
    buf[0] = '\0';
    vb_status status;
    const char *from_environment = getenv(VB_PASSPHRASE_ENV);
    if (fd >= 0) {
        char source[48];
        snprintf(source, sizeof source, "file descriptor %d", fd);
        if (fcntl(fd, F_GETFD) == -1)
            return vb_fail(err, VB_ERR_ARGUMENT, "--passphrase-fd %d: that file descriptor is "
                           "not open", fd);
        status = passphrase_read_line(fd, source, buf, size, err);
    } else if (from_environment) {
        size_t len = strlen(from_environment);
        if (len + 1 > size)
            return vb_fail(err, VB_ERR_ARGUMENT, "%s is longer than %zu bytes",
                           VB_PASSPHRASE_ENV, size - 1);
        memcpy(buf, from_environment, len + 1);
        status = VB_OK;
    } else {
        status = passphrase_from_terminal(prompt ? prompt : "Passphrase: ", confirm, buf, size,
                                          err);
    }
    if (status == VB_OK && confirm && buf[0] == '\0')
        status = vb_fail(err, VB_ERR_ARGUMENT, "refusing an empty passphrase for a new key");
    if (status != VB_OK)
        vb_passphrase_wipe(buf, size);
    return status;
}

/* ======================================================================================
 * Certificates and requests: loading and saving
 * ====================================================================================== */

vb_status vb_cert_load_chain(const char *path, STACK_OF(X509) **out, vb_error *err)
{
    *out = NULL;
    unsigned char *data = NULL;
    size_t len = 0;
    vb_status status = file_read_bounded(path, VB_KEY_FILE_MAX_BYTES, &data, &len, err);
    if (status != VB_OK)
        return status;
    STACK_OF(X509) *chain = sk_X509_new_null();
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    if (!chain || !bio) {
        status = vb_fail(err, VB_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    for (int index = 1;; index++) {
        pem_block block;
        int found = pem_block_read(bio, &block);
        if (found == 0)
            break;
        if (found < 0) {
            status = vb_fail(err, VB_ERR_KEY, "%s: PEM block %d is damaged (bad base64 or no "
                             "END line)", path, index);
            goto done;
        }
        if (!pem_label_is_certificate(block.label)) {
            status = vb_fail(err, VB_ERR_KEY, "%s: PEM block %d is a %s, not a CERTIFICATE",
                             path, index, block.label);
            pem_block_free(&block);
            goto done;
        }
        if (sk_X509_num(chain) >= VB_CERT_MAX_CHAIN) {
            status = vb_fail(err, VB_ERR_TOO_LARGE, "%s: more than %d certificates", path,
                             VB_CERT_MAX_CHAIN);
            pem_block_free(&block);
            goto done;
        }
        const unsigned char *p = block.der;
        X509 *cert = d2i_X509(NULL, &p, block.der_len);
        int whole = cert && p == block.der + block.der_len;
        pem_block_free(&block);
        if (!whole || !sk_X509_push(chain, cert)) {
            X509_free(cert);
            status = vb_fail(err, VB_ERR_KEY, "%s: certificate %d is damaged", path, index);
            goto done;
        }
    }
    if (sk_X509_num(chain) == 0) {
        /* No PEM: accept one DER certificate, the other common way CAs hand them out. */
        const unsigned char *p = data;
        X509 *cert = d2i_X509(NULL, &p, (long)len);
        if (!cert || p != data + len || !sk_X509_push(chain, cert)) {
            X509_free(cert);
            status = vb_fail(err, VB_ERR_KEY, "%s: no certificate in it (neither PEM nor DER)",
                             path);
            goto done;
        }
    }
    *out = chain;
    chain = NULL;

done:
    BIO_free(bio);
    sk_X509_pop_free(chain, X509_free);
    file_free(data, len);
    ERR_clear_error();
    return status;
}

vb_status vb_cert_load(const char *path, X509 **out, vb_error *err)
{
    *out = NULL;
    STACK_OF(X509) *chain = NULL;
    vb_status status = vb_cert_load_chain(path, &chain, err);
    if (status != VB_OK)
        return status;
    *out = sk_X509_shift(chain);
    sk_X509_pop_free(chain, X509_free);
    return VB_OK;
}

vb_status vb_cert_request_load(const char *path, X509_REQ **out, vb_error *err)
{
    *out = NULL;
    pem_block block;
    vb_status status = pem_file_first_block(path, "a CERTIFICATE REQUEST", &block, err);
    if (status != VB_OK)
        return status;
    if (!pem_label_is_request(block.label)) {
        status = vb_fail(err, VB_ERR_KEY, "%s: holds a %s, not a CERTIFICATE REQUEST", path,
                         block.label);
    } else {
        const unsigned char *p = block.der;
        *out = d2i_X509_REQ(NULL, &p, block.der_len);
        if (!*out || p != block.der + block.der_len) {
            X509_REQ_free(*out);
            *out = NULL;
            status = vb_fail(err, VB_ERR_KEY, "%s: damaged certificate request", path);
        }
    }
    pem_block_free(&block);
    ERR_clear_error();
    return status;
}

vb_status vb_cert_save_chain(const char *path, STACK_OF(X509) *chain, vb_error *err)
{
    BIO *pem = BIO_new(BIO_s_mem());
    if (!pem)
        return vb_fail(err, VB_ERR_NOMEM, "%s: out of memory", path);
    for (int i = 0; i < sk_X509_num(chain); i++) {
        if (PEM_write_bio_X509(pem, sk_X509_value(chain, i)) != 1) {
            BIO_free(pem);
            return vb_fail(err, VB_ERR_CRYPTO, "%s: cannot encode certificate %d: %s", path,
                           i + 1, openssl_reason());
        }
    }
    return pem_file_save(path, pem, 1, "chain", err);
}

vb_status vb_cert_save(const char *path, X509 *cert, vb_error *err)
{
    BIO *pem = BIO_new(BIO_s_mem());
    int encoded = pem && PEM_write_bio_X509(pem, cert) == 1;
    return pem_file_save(path, pem, encoded, "certificate", err);
}

vb_status vb_cert_request_save(const char *path, X509_REQ *request, vb_error *err)
{
    BIO *pem = BIO_new(BIO_s_mem());
    int encoded = pem && PEM_write_bio_X509_REQ(pem, request) == 1;
    return pem_file_save(path, pem, encoded, "request", err);
}

/* ======================================================================================
 * What is in a certificate: kid, validity, names
 * ====================================================================================== */

vb_status vb_cert_kid(X509 *cert, uint8_t kid[VB_KID_BYTES], vb_error *err)
{
    unsigned char *der = NULL;
    int der_len = i2d_X509(cert, &der);
    if (der_len <= 0)
        return vb_fail(err, VB_ERR_CRYPTO, "cannot encode the certificate: %s",
                       openssl_reason());
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    int ok = EVP_Digest(der, (size_t)der_len, digest, &digest_len, EVP_sha256(), NULL);
    OPENSSL_free(der);
    if (!ok || digest_len < VB_KID_BYTES)
        return vb_fail(err, VB_ERR_CRYPTO, "cannot hash the certificate: %s", openssl_reason());
    memcpy(kid, digest, VB_KID_BYTES);
    return VB_OK;
}

static vb_status asn1_time_to_unix(const ASN1_TIME *when, time_t *out, vb_error *err)
{
    struct tm broken_down;
    memset(&broken_down, 0, sizeof broken_down);
    if (!when || ASN1_TIME_to_tm(when, &broken_down) != 1)
        return vb_fail(err, VB_ERR_KEY, "unreadable certificate time: %s", openssl_reason());
    *out = timegm(&broken_down);
    return VB_OK;
}

vb_status vb_cert_validity(const X509 *cert, time_t *not_before, time_t *not_after,
                           vb_error *err)
{
    vb_status status = asn1_time_to_unix(X509_get0_notBefore(cert), not_before, err);
    if (status == VB_OK)
        status = asn1_time_to_unix(X509_get0_notAfter(cert), not_after, err);
    return status;
}

/* "2026-04-15 00:00:00 UTC", for messages. */
static void format_utc(time_t when, char *buf, size_t size)
{
    struct tm broken_down;
    if (!gmtime_r(&when, &broken_down) ||
        strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &broken_down) == 0)
        snprintf(buf, size, "(time %lld)", (long long)when);
}

vb_status vb_cert_name_entry(const X509_NAME *name, int nid, char *buf, size_t size,
                             vb_error *err)
{
    if (size)
        buf[0] = '\0';
    int index = X509_NAME_get_index_by_NID(name, nid, -1);
    if (index < 0)
        return vb_fail(err, VB_ERR_KEY, "the name has no %s", OBJ_nid2sn(nid));
    const ASN1_STRING *value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    unsigned char *utf8 = NULL;
    int len = value ? ASN1_STRING_to_UTF8(&utf8, value) : -1;
    if (len < 0)
        return vb_fail(err, VB_ERR_KEY, "the %s cannot be read as text: %s", OBJ_nid2sn(nid),
                       openssl_reason());
    vb_status status = VB_OK;
    if (memchr(utf8, '\0', (size_t)len))
        status = vb_fail(err, VB_ERR_KEY, "the %s holds a NUL byte", OBJ_nid2sn(nid));
    else if ((size_t)len + 1 > size)
        status = vb_fail(err, VB_ERR_TOO_LARGE, "the %s is longer than %zu bytes",
                         OBJ_nid2sn(nid), size ? size - 1 : 0);
    else
        memcpy(buf, utf8, (size_t)len + 1);
    OPENSSL_free(utf8);
    return status;
}

vb_status vb_cert_check_school_code(const char *code, vb_error *err)
{
    size_t len = code ? strlen(code) : 0;
    if (len == 0 || len > VB_MAX_SCHOOL_CODE_BYTES)
        return vb_fail(err, VB_ERR_ARGUMENT, "a school code has 1 to %d characters",
                       VB_MAX_SCHOOL_CODE_BYTES);
    for (size_t i = 0; i < len; i++) {
        char c = code[i];
        int allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                      (c >= '0' && c <= '9') || c == '-' || c == '.';
        if (!allowed)
            return vb_fail(err, VB_ERR_ARGUMENT, "school code \"%s\": only letters A-Z a-z, "
                           "digits, '-' and '.' may appear", code);
    }
    return VB_OK;
}

vb_status vb_cert_school_code(const X509_NAME *subject, char *buf, size_t size, vb_error *err)
{
    vb_status status = vb_cert_name_entry(subject, NID_serialNumber, buf, size, err);
    if (status != VB_OK)
        return vb_fail(err, VB_ERR_KEY, "the subject has no school code (serialNumber)");
    if (vb_cert_check_school_code(buf, NULL) != VB_OK)
        return vb_fail(err, VB_ERR_KEY, "the subject's serialNumber \"%s\" is not a school code",
                       buf);
    return VB_OK;
}

vb_status vb_cert_school_name(const X509_NAME *subject, char *buf, size_t size, vb_error *err)
{
    if (vb_cert_name_entry(subject, NID_organizationName, buf, size, NULL) == VB_OK)
        return VB_OK;
    if (vb_cert_name_entry(subject, NID_commonName, buf, size, NULL) == VB_OK)
        return VB_OK;
    return vb_fail(err, VB_ERR_KEY, "the subject has neither an O nor a CN");
}

vb_status vb_cert_name_text(const X509_NAME *name, char *buf, size_t size, vb_error *err)
{
    /* RFC 4514 order and escaping, but UTF-8 printed as is (ESC_MSB off) so Vietnamese
     * names stay readable; control characters are still escaped. */
    unsigned long flags = ((unsigned long)ASN1_STRFLGS_RFC2253 & ~(unsigned long)ASN1_STRFLGS_ESC_MSB) |
                          XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_DN_REV | XN_FLAG_FN_SN |
                          XN_FLAG_DUMP_UNKNOWN_FIELDS;
    if (size)
        buf[0] = '\0';
    BIO *text = BIO_new(BIO_s_mem());
    if (!text || X509_NAME_print_ex(text, name, 0, flags) < 0) {
        BIO_free(text);
        return vb_fail(err, VB_ERR_KEY, "unreadable name: %s", openssl_reason());
    }
    char *data = NULL;
    long len = BIO_get_mem_data(text, &data);
    vb_status status = VB_OK;
    if (len < 0 || (size_t)len + 1 > size)
        status = vb_fail(err, VB_ERR_TOO_LARGE, "name longer than %zu bytes",
                         size ? size - 1 : 0);
    else {
        memcpy(buf, data, (size_t)len);
        buf[len] = '\0';
    }
    BIO_free(text);
    return status;
}

/* Characters, not bytes: X.509 bounds names in characters, and Vietnamese takes 2-3 bytes each. */
static size_t utf8_character_count(const char *text)
{
    size_t count = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if ((*p & 0xC0) != 0x80)
            count++;
    return count;
}

static vb_status name_add_text(X509_NAME *name, int nid, const char *value, vb_error *err)
{
    if (!value || !*value)
        return vb_fail(err, VB_ERR_ARGUMENT, "empty %s in a name", OBJ_nid2sn(nid));
    size_t limit = nid == NID_countryName ? 2 : VB_CERT_MAX_NAME_CHARS;
    if (utf8_character_count(value) > limit)
        return vb_fail(err, VB_ERR_ARGUMENT, "%s \"%s\" is longer than the %zu characters X.509 "
                       "allows", OBJ_nid2sn(nid), value, limit);
    if (X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8, (const unsigned char *)value, -1,
                                   -1, 0) != 1)
        return vb_fail(err, VB_ERR_ARGUMENT, "%s \"%s\" is not acceptable: %s", OBJ_nid2sn(nid),
                       value, openssl_reason());
    return VB_OK;
}

static int name_attribute_nid(const char *attribute)
{
    static const struct {
        const char *name;
        int nid;
    } attributes[] = {
        {"CN", NID_commonName}, {"O", NID_organizationName},
        {"OU", NID_organizationalUnitName}, {"C", NID_countryName},
        {"ST", NID_stateOrProvinceName}, {"L", NID_localityName},
        {"serialNumber", NID_serialNumber},
    };
    for (size_t i = 0; i < sizeof attributes / sizeof attributes[0]; i++)
        if (strcasecmp(attributes[i].name, attribute) == 0)
            return attributes[i].nid;
    return NID_undef;
}

static void trim_spaces(char *text)
{
    size_t start = 0, len = strlen(text);
    while (text[start] == ' ')
        start++;
    while (len > start && text[len - 1] == ' ')
        len--;
    memmove(text, text + start, len - start);
    text[len - start] = '\0';
}

vb_status vb_cert_name_parse(const char *text, X509_NAME **out, vb_error *err)
{
    *out = NULL;
    if (!text || !*text)
        return vb_fail(err, VB_ERR_ARGUMENT, "empty name");
    X509_NAME *name = X509_NAME_new();
    if (!name)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    vb_status status = VB_OK;

    if (!strchr(text, '=')) {
        status = name_add_text(name, NID_countryName, VB_CERT_COUNTRY, err);
        if (status == VB_OK)
            status = name_add_text(name, NID_commonName, text, err);
        goto done;
    }

    /* Split "CN=a, O=b\, c, C=VN" into attribute=value pairs, honouring backslash escapes.
     * The string is in RFC 4514 order (most specific first), the encoding the reverse. */
    size_t text_len = strlen(text);
    char *pairs = malloc(text_len + 1);
    size_t pair_count = 0;
    if (!pairs) {
        status = vb_fail(err, VB_ERR_NOMEM, "out of memory");
        goto done;
    }
    size_t used = 0;
    for (const char *p = text;; p++) {
        if (*p == '\\' && p[1]) {
            pairs[used++] = *++p;
        } else if (*p == ',' || *p == '\0') {
            pairs[used++] = '\0';
            pair_count++;
            if (*p == '\0')
                break;
        } else {
            pairs[used++] = *p;
        }
    }
    /* Walk the pairs from the last to the first. */
    for (size_t index = pair_count; index > 0 && status == VB_OK; index--) {
        char *pair = pairs;
        for (size_t skip = 1; skip < index; skip++)
            pair += strlen(pair) + 1;
        char *equals = strchr(pair, '=');
        if (!equals) {
            trim_spaces(pair);
            status = vb_fail(err, VB_ERR_ARGUMENT, "\"%s\" in the name is not ATTRIBUTE=value "
                             "(write \\, for a comma inside a value)", pair);
            break;
        }
        *equals = '\0';
        char *value = equals + 1;
        trim_spaces(pair);
        trim_spaces(value);
        int nid = name_attribute_nid(pair);
        if (nid == NID_undef) {
            status = vb_fail(err, VB_ERR_ARGUMENT, "unknown attribute \"%s\" in the name; use "
                             "CN, O, OU, C, ST, L or serialNumber", pair);
            break;
        }
        status = name_add_text(name, nid, value, err);
    }
    free(pairs);
    if (status == VB_OK && X509_NAME_get_index_by_NID(name, NID_commonName, -1) < 0)
        status = vb_fail(err, VB_ERR_ARGUMENT, "the name needs a CN");

done:
    if (status != VB_OK) {
        X509_NAME_free(name);
        ERR_clear_error();
        return status;
    }
    *out = name;
    return VB_OK;
}

vb_status vb_cert_matches_key(X509 *cert, EVP_PKEY *key, vb_error *err)
{
    EVP_PKEY *public_key = X509_get0_pubkey(cert);
    int same = public_key && key ? EVP_PKEY_eq(public_key, key) : 0;
    ERR_clear_error();
    if (same != 1)
        return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "the certificate is for another key");
    return VB_OK;
}

/* ======================================================================================
 * Making certificates and requests
 * ====================================================================================== */

/* Sets up a SHA-256 signature with key: ECDSA for EC keys, RSASSA-PSS (salt = hash length)
 * for RSA keys, the RSA scheme Circular 15/2025 names. */
static vb_status sign_context_init(EVP_MD_CTX *context, EVP_PKEY *key, vb_error *err)
{
    EVP_PKEY_CTX *key_context = NULL;
    if (EVP_DigestSignInit_ex(context, &key_context, "SHA256", NULL, NULL, key, NULL) != 1)
        return vb_fail(err, VB_ERR_CRYPTO, "cannot set up signing: %s", openssl_reason());
    if (vb_key_type_of(key, NULL) == VB_KEY_TYPE_RSA &&
        (EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING) != 1 ||
         EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, RSA_PSS_SALTLEN_DIGEST) != 1 ||
         EVP_PKEY_CTX_set_rsa_mgf1_md(key_context, EVP_sha256()) != 1))
        return vb_fail(err, VB_ERR_CRYPTO, "cannot set up RSA-PSS: %s", openssl_reason());
    return VB_OK;
}

static vb_status cert_sign(X509 *cert, EVP_PKEY *key, vb_error *err)
{
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    if (!context)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    vb_status status = sign_context_init(context, key, err);
    if (status == VB_OK && X509_sign_ctx(cert, context) <= 0)
        status = vb_fail(err, VB_ERR_CRYPTO, "cannot sign the certificate: %s",
                         openssl_reason());
    EVP_MD_CTX_free(context);
    return status;
}

/* A random positive serial of exactly VB_CERT_SERIAL_BYTES bytes (RFC 5280 allows 20): the
 * top bit clear keeps it positive, the next bit set keeps its length fixed. */
static vb_status cert_set_random_serial(X509 *cert, vb_error *err)
{
    unsigned char bytes[VB_CERT_SERIAL_BYTES];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        return vb_fail(err, VB_ERR_CRYPTO, "no random serial: %s", openssl_reason());
    bytes[0] = (unsigned char)((bytes[0] & 0x7F) | 0x40);
    BIGNUM *number = BN_bin2bn(bytes, sizeof bytes, NULL);
    ASN1_INTEGER *serial = number ? BN_to_ASN1_INTEGER(number, NULL) : NULL;
    int ok = serial && X509_set_serialNumber(cert, serial) == 1;
    ASN1_INTEGER_free(serial);
    BN_free(number);
    if (!ok)
        return vb_fail(err, VB_ERR_CRYPTO, "cannot set the serial: %s", openssl_reason());
    return VB_OK;
}

static vb_status cert_add_extension(X509 *cert, X509V3_CTX *context, int nid, const char *value,
                                    vb_error *err)
{
    X509_EXTENSION *extension = X509V3_EXT_nconf_nid(NULL, context, nid, value);
    int ok = extension && X509_add_ext(cert, extension, -1) == 1;
    X509_EXTENSION_free(extension);
    if (!ok)
        return vb_fail(err, VB_ERR_CRYPTO, "cannot add %s: %s", OBJ_nid2sn(nid),
                       openssl_reason());
    return VB_OK;
}

/* The extensions of every certificate made here, in this order: basicConstraints and keyUsage
 * as given, the subject key identifier, then the authority key identifier (the issuer's, as
 * context names it; for a self-signed certificate, copied from the subject key identifier,
 * which is why that one goes first). */
static vb_status cert_add_extensions(X509 *cert, X509V3_CTX *context,
                                     const char *basic_constraints, const char *key_usage,
                                     vb_error *err)
{
    vb_status status = cert_add_extension(cert, context, NID_basic_constraints, basic_constraints,
                                          err);
    if (status == VB_OK)
        status = cert_add_extension(cert, context, NID_key_usage, key_usage, err);
    if (status == VB_OK)
        status = cert_add_extension(cert, context, NID_subject_key_identifier, "hash", err);
    if (status == VB_OK)
        status = cert_add_extension(cert, context, NID_authority_key_identifier, "keyid:always",
                                    err);
    return status;
}

/* The last step of every certificate made here: unless status is already a failure, signs cert
 * with signing_key; then hands it to *out, or frees it and returns the failure. */
static vb_status cert_finish(vb_status status, X509 *cert, EVP_PKEY *signing_key, X509 **out,
                             vb_error *err)
{
    if (status == VB_OK)
        status = cert_sign(cert, signing_key, err);
    if (status != VB_OK) {
        X509_free(cert);
        ERR_clear_error();
        return status;
    }
    *out = cert;
    return VB_OK;
}

/* Version, serial, validity from now for days, then subject, issuer and public key: how every
 * certificate made here starts. */
static vb_status cert_start(X509 *cert, int days, const X509_NAME *subject,
                            const X509_NAME *issuer, EVP_PKEY *public_key, vb_error *err)
{
    if (X509_set_version(cert, X509_VERSION_3) != 1 ||
        !X509_gmtime_adj(X509_getm_notBefore(cert), 0) ||
        !X509_time_adj_ex(X509_getm_notAfter(cert), days, 0, NULL))
        return vb_fail(err, VB_ERR_CRYPTO, "cannot set up the certificate: %s",
                       openssl_reason());
    vb_status status = cert_set_random_serial(cert, err);
    if (status == VB_OK &&
        (X509_set_subject_name(cert, subject) != 1 || X509_set_issuer_name(cert, issuer) != 1 ||
         X509_set_pubkey(cert, public_key) != 1))
        status = vb_fail(err, VB_ERR_CRYPTO, "cannot fill the certificate: %s",
                         openssl_reason());
    return status;
}

vb_status vb_cert_make_authority(EVP_PKEY *key, const char *subject, int days, X509 **out,
                                 vb_error *err)
{
    *out = NULL;
    if (days < 1 || days > VB_CERT_MAX_DAYS)
        return vb_fail(err, VB_ERR_ARGUMENT, "validity of %d days; give 1 to %d", days,
                       VB_CERT_MAX_DAYS);
    vb_status status = vb_key_check_signer(key, "the authority", err);
    if (status != VB_OK)
        return status;
    X509_NAME *name = NULL;
    status = vb_cert_name_parse(subject, &name, err);
    if (status != VB_OK)
        return status;

    X509 *cert = X509_new();
    if (!cert) {
        X509_NAME_free(name);
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    }
    status = cert_start(cert, days, name, name, key, err); /* self-signed */
    X509V3_CTX context;
    X509V3_set_ctx(&context, cert, cert, NULL, NULL, 0);
    /* pathlen:0: the authority certifies schools' signing keys itself, never another CA. */
    if (status == VB_OK)
        status = cert_add_extensions(cert, &context, "critical,CA:TRUE,pathlen:0",
                                     "critical,keyCertSign,cRLSign", err);
    X509_NAME_free(name); /* the certificate holds its own copies */
    return cert_finish(status, cert, key, out, err);
}

vb_status vb_cert_make_request(EVP_PKEY *key, const char *school_code, const char *school_name,
                               const char *province, X509_REQ **out, vb_error *err)
{
    *out = NULL;
    vb_status status = vb_cert_check_school_code(school_code, err);
    if (status != VB_OK)
        return status;
    status = vb_key_check_signer(key, "the school", err);
    if (status != VB_OK)
        return status;

    X509_REQ *request = X509_REQ_new();
    X509_NAME *name = X509_NAME_new();
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    if (!request || !name || !context) {
        status = vb_fail(err, VB_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* Most general first: country, province, then the school, its name and its code. */
    status = name_add_text(name, NID_countryName, VB_CERT_COUNTRY, err);
    if (status == VB_OK && province)
        status = name_add_text(name, NID_stateOrProvinceName, province, err);
    if (status == VB_OK)
        status = name_add_text(name, NID_organizationName, school_name, err);
    if (status == VB_OK)
        status = name_add_text(name, NID_commonName, school_name, err);
    if (status == VB_OK)
        status = name_add_text(name, NID_serialNumber, school_code, err);
    if (status != VB_OK)
        goto done;
    if (X509_REQ_set_version(request, X509_REQ_VERSION_1) != 1 ||
        X509_REQ_set_subject_name(request, name) != 1 || X509_REQ_set_pubkey(request, key) != 1) {
        status = vb_fail(err, VB_ERR_CRYPTO, "cannot fill the request: %s", openssl_reason());
        goto done;
    }
    status = sign_context_init(context, key, err);
    if (status == VB_OK && X509_REQ_sign_ctx(request, context) <= 0)
        status = vb_fail(err, VB_ERR_CRYPTO, "cannot sign the request: %s", openssl_reason());

done:
    EVP_MD_CTX_free(context);
    X509_NAME_free(name);
    if (status != VB_OK) {
        X509_REQ_free(request);
        ERR_clear_error();
        return status;
    }
    *out = request;
    return VB_OK;
}

vb_status vb_cert_request_check(X509_REQ *request, vb_error *err)
{
    EVP_PKEY *key = X509_REQ_get0_pubkey(request);
    if (!key) {
        ERR_clear_error();
        return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "the request carries no readable "
                       "public key");
    }
    int verified = X509_REQ_verify(request, key);
    ERR_clear_error();
    if (verified != 1)
        return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "the request's self-signature does not "
                       "verify: it was altered, or not made with the key it carries");
    vb_status status = vb_key_check_signer(key, "the request", err);
    if (status != VB_OK)
        return status;
    char code[VB_MAX_SCHOOL_CODE_BYTES + 1];
    vb_error reason;
    if (vb_cert_school_code(X509_REQ_get_subject_name(request), code, sizeof code, &reason) !=
        VB_OK)
        return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "the request's subject is not a "
                       "school's: %s", reason.message);
    return VB_OK;
}

vb_status vb_cert_certify(X509 *authority_cert, EVP_PKEY *authority_key, X509_REQ *request,
                          int days, X509 **out, vb_error *err)
{
    *out = NULL;
    if (days < 1 || days > VB_CERT_MAX_DAYS)
        return vb_fail(err, VB_ERR_ARGUMENT, "validity of %d days; give 1 to %d", days,
                       VB_CERT_MAX_DAYS);
    vb_status status = vb_cert_request_check(request, err);
    if (status != VB_OK)
        return status;
    if (X509_check_private_key(authority_cert, authority_key) != 1) {
        ERR_clear_error();
        return vb_fail(err, VB_ERR_KEY, "the authority key does not match the authority "
                       "certificate");
    }
    if (X509_check_ca(authority_cert) < 1 ||
        !(X509_get_key_usage(authority_cert) & KU_KEY_CERT_SIGN))
        return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "the authority certificate is not a "
                       "CA certificate allowed to sign certificates");

    time_t now = time(NULL), authority_start = 0, authority_end = 0;
    status = vb_cert_validity(authority_cert, &authority_start, &authority_end, err);
    if (status != VB_OK)
        return status;
    char when[40];
    if (now < authority_start || now >= authority_end) {
        format_utc(now < authority_start ? authority_start : authority_end, when, sizeof when);
        return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "the authority certificate is not "
                       "valid now (%s %s)", now < authority_start ? "starts" : "ended", when);
    }
    /* A signer certificate that outlives its issuer would fail every path check after that. */
    if ((long long)days * 86400 > (long long)(authority_end - now)) {
        format_utc(authority_end, when, sizeof when);
        return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "%d days would outlast the authority "
                       "certificate, which ends %s; ask for at most %lld days", days, when,
                       (long long)(authority_end - now) / 86400);
    }
    EVP_PKEY *school_key = X509_REQ_get0_pubkey(request);
    if (EVP_PKEY_eq(school_key, authority_key) == 1) {
        ERR_clear_error();
        return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "the request carries the authority's "
                       "own key");
    }
    ERR_clear_error();

    X509 *cert = X509_new();
    if (!cert)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    status = cert_start(cert, days, X509_REQ_get_subject_name(request),
                        X509_get_subject_name(authority_cert), school_key, err);
    X509V3_CTX context;
    X509V3_set_ctx(&context, authority_cert, cert, NULL, NULL, 0);
    if (status == VB_OK)
        status = cert_add_extensions(cert, &context, "critical,CA:FALSE",
                                     "critical,digitalSignature", err);
    return cert_finish(status, cert, authority_key, out, err);
}

/* ======================================================================================
 * Checking a chain from a licensed CA
 * ====================================================================================== */

/* "certificate 2 (CN=…, O=…)": how chain errors name a certificate. */
static void chain_label(STACK_OF(X509) *chain, int index, char *buf, size_t size)
{
    char subject[200];
    if (vb_cert_name_text(X509_get_subject_name(sk_X509_value(chain, index)), subject,
                          sizeof subject, NULL) != VB_OK)
        snprintf(subject, sizeof subject, "unreadable subject");
    snprintf(buf, size, "certificate %d (%s)", index + 1, subject);
}

/* The checks of one certificate on its own and against the next: a message for each, in the
 * order a person fixing the file would want them. */
static vb_status chain_check_link(STACK_OF(X509) *chain, int index, time_t now, vb_error *err)
{
    int count = sk_X509_num(chain);
    X509 *cert = sk_X509_value(chain, index);
    char label[280], when[40];
    chain_label(chain, index, label, sizeof label);

    time_t not_before = 0, not_after = 0;
    if (vb_cert_validity(cert, &not_before, &not_after, NULL) != VB_OK)
        return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "%s: unreadable validity", label);
    if (now < not_before) {
        format_utc(not_before, when, sizeof when);
        return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "%s: not valid before %s", label, when);
    }
    if (now > not_after) {
        format_utc(not_after, when, sizeof when);
        return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "%s: expired %s", label, when);
    }

    EVP_PKEY *key = X509_get0_pubkey(cert);
    if (!key) {
        ERR_clear_error();
        return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "%s: unreadable public key", label);
    }
    if (index == 0) {
        vb_status status = vb_key_check_signer(key, label, err);
        if (status != VB_OK)
            return status;
        if (X509_check_ca(cert) != 0)
            return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "%s is a CA certificate; the "
                           "first certificate must be the school's signing certificate", label);
        if (!(X509_get_extension_flags(cert) & EXFLAG_KUSAGE))
            return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "%s has no keyUsage extension; a "
                           "signing certificate must state digitalSignature", label);
        if (!(X509_get_key_usage(cert) & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
            return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "%s: its keyUsage allows neither "
                           "digitalSignature nor nonRepudiation", label);
    } else {
        char described[96];
        vb_key_describe(key, described, sizeof described);
        if (!key_allowed_in_chain(key))
            return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "%s has a %s key; a CA key must be "
                           "EC of at least %d bits or RSA of at least %d", label, described,
                           VB_CERT_MIN_EC_BITS, VB_CERT_MIN_RSA_BITS);
        if (X509_check_ca(cert) < 1)
            return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "%s is not a CA certificate, yet "
                           "it should have issued certificate %d", label, index);
    }

    if (index + 1 < count) {
        X509 *issuer = sk_X509_value(chain, index + 1);
        char issuer_label[280];
        chain_label(chain, index + 1, issuer_label, sizeof issuer_label);
        if (X509_NAME_cmp(X509_get_issuer_name(cert), X509_get_subject_name(issuer)) != 0)
            return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "%s was not issued by %s; put the "
                           "chain in order, leaf first, each certificate followed by its "
                           "issuer", label, issuer_label);
        int verified = X509_verify(cert, X509_get0_pubkey(issuer));
        ERR_clear_error();
        if (verified != 1)
            return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "%s: its signature does not "
                           "verify with the key of %s", label, issuer_label);
    } else if (X509_NAME_cmp(X509_get_issuer_name(cert), X509_get_subject_name(cert)) == 0) {
        int verified = X509_verify(cert, key);
        ERR_clear_error();
        if (verified != 1)
            return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "%s: the root's self-signature "
                           "does not verify", label);
    }
    return VB_OK;
}

/* The whole path through OpenSSL's RFC 5280 checks (path length, critical extensions the
 * links above do not look at), with the last certificate as the anchor. */
static vb_status chain_check_path(STACK_OF(X509) *chain, time_t now, vb_error *err)
{
    int count = sk_X509_num(chain);
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *context = X509_STORE_CTX_new();
    vb_status status = VB_OK;
    if (!store || !context || X509_STORE_add_cert(store, sk_X509_value(chain, count - 1)) != 1 ||
        X509_STORE_CTX_init(context, store, sk_X509_value(chain, 0), chain) != 1) {
        status = vb_fail(err, VB_ERR_CRYPTO, "cannot set up the path check: %s",
                         openssl_reason());
        goto done;
    }
    X509_VERIFY_PARAM *parameters = X509_STORE_CTX_get0_param(context);
    X509_VERIFY_PARAM_set_time(parameters, now);
    X509_VERIFY_PARAM_set_flags(parameters, X509_V_FLAG_PARTIAL_CHAIN);
    if (X509_verify_cert(context) != 1) {
        int depth = X509_STORE_CTX_get_error_depth(context);
        char label[280];
        if (depth >= 0 && depth < count)
            chain_label(chain, depth, label, sizeof label);
        else
            snprintf(label, sizeof label, "the chain");
        status = vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "%s: %s", label,
                         X509_verify_cert_error_string(X509_STORE_CTX_get_error(context)));
        goto done;
    }
    STACK_OF(X509) *built = X509_STORE_CTX_get0_chain(context);
    if (sk_X509_num(built) != count)
        status = vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "the path from the leaf uses %d of "
                         "the %d certificates; remove the ones not in it", sk_X509_num(built),
                         count);

done:
    X509_STORE_CTX_free(context);
    X509_STORE_free(store);
    ERR_clear_error();
    return status;
}

vb_status vb_cert_check_chain(STACK_OF(X509) *chain, time_t now, vb_error *err)
{
    int count = chain ? sk_X509_num(chain) : 0;
    if (count < 1)
        return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "the chain holds no certificate");
    if (count > VB_CERT_MAX_CHAIN)
        return vb_fail(err, VB_ERR_TOO_LARGE, "the chain holds %d certificates, more than %d",
                       count, VB_CERT_MAX_CHAIN);
    if (count == 1)
        return vb_fail(err, VB_ERR_CERTIFICATE_REJECTED, "the chain holds only the signing "
                       "certificate; add the CA certificates that issued it, up to the root");
    for (int index = 0; index < count; index++) {
        vb_status status = chain_check_link(chain, index, now, err);
        if (status != VB_OK)
            return status;
    }
    return chain_check_path(chain, now, err);
}
