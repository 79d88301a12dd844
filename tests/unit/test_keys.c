/*
 * test_keys.c — unit tests of keys, passphrases and certificates (libvanbang/keys.c):
 * encrypted key files (round trip, mode 0600, no overwrite, wrong passphrase versus damaged or
 * unencrypted file, the scrypt parameters on disk), passphrase sources, the kid against a
 * golden value and an independent hash, authority certificates, school requests, certify, the
 * chain check on good and broken chains built here, and the RSA (PS256) path.
 *
 * The real scrypt work factor is kept (about 0.1 s per save or load), so the suite shares one
 * authority and one school key made in the group setup, and files live in a mkdtemp folder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "keys.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/* ---------------------------------------------------------------- shared fixtures */

#define TEST_PASSPHRASE "đúng ngựa pin kẹp giấy"

static char test_dir[256];
static EVP_PKEY *authority_key;
static X509 *authority_cert;
static EVP_PKEY *school_key;
static X509_REQ *school_request;

static const char *test_path(const char *name)
{
    static char paths[8][512];
    static int next;
    char *path = paths[next++ % 8];
    snprintf(path, sizeof paths[0], "%s/%s", test_dir, name);
    return path;
}

static int group_setup(void **state)
{
    (void)state;
    umask(022);
    if (test_make_temp_dir(test_dir, sizeof test_dir, "test_keys.XXXXXX") != 0)
        return -1;
    vb_error err;
    if (vb_key_generate_p256(&authority_key, &err) != VB_OK ||
        vb_cert_make_authority(authority_key, "CN=Bộ Giáo dục và Đào tạo — Cơ quan cấp chứng thư, "
                               "O=Bộ Giáo dục và Đào tạo, C=VN", VB_CERT_AUTHORITY_DEFAULT_DAYS,
                               &authority_cert, &err) != VB_OK ||
        vb_key_generate_p256(&school_key, &err) != VB_OK ||
        vb_cert_make_request(school_key, "HN-CDKT", "Trường Cao đẳng Kỹ thuật Hà Nội", "Hà Nội",
                             &school_request, &err) != VB_OK) {
        fprintf(stderr, "setup: %s\n", err.message);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    X509_REQ_free(school_request);
    EVP_PKEY_free(school_key);
    X509_free(authority_cert);
    EVP_PKEY_free(authority_key);
    if (test_dir[0])
        test_remove_flat_dir(test_dir); /* the test folder is flat */
    return 0;
}

static size_t read_whole_file(const char *path, char *buf, size_t size)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    size_t len = fread(buf, 1, size - 1, file);
    fclose(file);
    buf[len] = '\0';
    return len;
}

static void write_whole_file(const char *path, const char *text)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

static int extension_is_critical(X509 *cert, int nid)
{
    int index = X509_get_ext_by_NID(cert, nid, -1);
    assert_true(index >= 0);
    return X509_EXTENSION_get_critical(X509_get_ext(cert, index));
}

/* ---------------------------------------------------------------- encrypted key files */

static void test_save_load_round_trip(void **state)
{
    (void)state;
    vb_error err;
    const char *path = test_path("round-trip.key");
    assert_int_equal(vb_key_save_encrypted(path, school_key, TEST_PASSPHRASE,
                                           strlen(TEST_PASSPHRASE), &err), VB_OK);
    char text[4096];
    read_whole_file(path, text, sizeof text);
    assert_non_null(strstr(text, "-----BEGIN ENCRYPTED PRIVATE KEY-----"));

    EVP_PKEY *loaded = NULL;
    assert_int_equal(vb_key_load_encrypted(path, TEST_PASSPHRASE, strlen(TEST_PASSPHRASE),
                                           &loaded, &err), VB_OK);
    assert_int_equal(EVP_PKEY_eq(loaded, school_key), 1);
    assert_int_equal(vb_key_type_of(loaded, NULL), VB_KEY_TYPE_EC_P256);
    EVP_PKEY_free(loaded);
}

static void test_key_file_mode_is_0600(void **state)
{
    (void)state;
    vb_error err;
    const char *path = test_path("mode.key");
    assert_int_equal(vb_key_save_encrypted(path, school_key, "x", 1, &err), VB_OK);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_wrong_passphrase_is_its_own_error(void **state)
{
    (void)state;
    vb_error err;
    const char *path = test_path("wrong.key");
    assert_int_equal(vb_key_save_encrypted(path, school_key, TEST_PASSPHRASE,
                                           strlen(TEST_PASSPHRASE), &err), VB_OK);
    EVP_PKEY *loaded = NULL;
    static const char *wrong[] = {"", "đúng ngựa pin kẹp giấ", TEST_PASSPHRASE " ", "x"};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(vb_key_load_encrypted(path, wrong[i], strlen(wrong[i]), &loaded, &err),
                         VB_ERR_PASSPHRASE);
        assert_null(loaded);
        assert_int_equal(err.code, VB_ERR_PASSPHRASE);
        char expected[600];
        snprintf(expected, sizeof expected, "wrong passphrase for %s", path);
        assert_string_equal(err.message, expected);
    }
    assert_int_equal(ERR_peek_error(), 0); /* the error queue is left clean */
}

static void test_existing_file_is_never_overwritten(void **state)
{
    (void)state;
    vb_error err;
    const char *path = test_path("exclusive.key");
    assert_int_equal(vb_key_save_encrypted(path, school_key, "one", 3, &err), VB_OK);
    char before[4096], after[4096];
    read_whole_file(path, before, sizeof before);
    assert_int_equal(vb_key_save_encrypted(path, authority_key, "two", 3, &err), VB_ERR_IO);
    assert_non_null(strstr(err.message, "already exists"));
    read_whole_file(path, after, sizeof after);
    assert_string_equal(before, after);

    /* A symlink planted where the key goes is refused, and its target is not created. */
    const char *target = test_path("symlink-target");
    const char *link_path = test_path("symlink.key");
    assert_int_equal(symlink(target, link_path), 0);
    assert_int_equal(vb_key_save_encrypted(link_path, school_key, "one", 3, &err), VB_ERR_IO);
    assert_int_equal(access(target, F_OK), -1);

    /* The same holds for certificates and requests. */
    assert_int_equal(vb_cert_save(path, authority_cert, &err), VB_ERR_IO);
    assert_int_equal(vb_cert_request_save(path, school_request, &err), VB_ERR_IO);
}

static void test_empty_passphrase_is_refused_when_saving(void **state)
{
    (void)state;
    vb_error err;
    const char *path = test_path("empty-passphrase.key");
    assert_int_equal(vb_key_save_encrypted(path, school_key, "", 0, &err), VB_ERR_ARGUMENT);
    assert_int_equal(access(path, F_OK), -1);
}

static void test_unencrypted_key_is_refused(void **state)
{
    (void)state;
    vb_error err;
    EVP_PKEY *loaded = NULL;
    const char *pkcs8 = test_path("plain-pkcs8.key");
    FILE *file = fopen(pkcs8, "w");
    assert_non_null(file);
    assert_int_equal(PEM_write_PrivateKey(file, school_key, NULL, NULL, 0, NULL, NULL), 1);
    fclose(file);
    assert_int_equal(vb_key_load_encrypted(pkcs8, "x", 1, &loaded, &err), VB_ERR_KEY);
    assert_non_null(strstr(err.message, "not encrypted"));
    assert_null(loaded);

    vb_key_file_kind kind;
    assert_int_equal(vb_key_file_identify(pkcs8, &kind, &err), VB_OK);
    assert_int_equal(kind, VB_KEY_FILE_PLAIN_KEY);

    /* OpenSSL's older "EC PRIVATE KEY" form, without encryption. */
    const char *traditional = test_path("plain-traditional.key");
    file = fopen(traditional, "w");
    assert_non_null(file);
    assert_int_equal(PEM_write_PrivateKey_ex(file, school_key, NULL, NULL, 0, NULL, NULL, NULL,
                                             "type-specific"), 1);
    fclose(file);
    assert_int_equal(vb_key_load_encrypted(traditional, "x", 1, &loaded, &err), VB_ERR_KEY);
    assert_null(loaded);
}

static void test_damaged_or_wrong_files_are_key_errors(void **state)
{
    (void)state;
    vb_error err;
    EVP_PKEY *loaded = NULL;

    assert_int_equal(vb_key_load_encrypted(test_path("does-not-exist.key"), "x", 1, &loaded,
                                           &err), VB_ERR_IO);

    const char *garbage = test_path("garbage.key");
    write_whole_file(garbage, "this is not a key\n");
    assert_int_equal(vb_key_load_encrypted(garbage, "x", 1, &loaded, &err), VB_ERR_KEY);

    /* A good key file cut in half: the PEM has no END line. */
    const char *good = test_path("to-truncate.key");
    assert_int_equal(vb_key_save_encrypted(good, school_key, "x", 1, &err), VB_OK);
    char text[4096];
    size_t len = read_whole_file(good, text, sizeof text);
    text[len / 2] = '\0';
    const char *truncated = test_path("truncated.key");
    write_whole_file(truncated, text);
    assert_int_equal(vb_key_load_encrypted(truncated, "x", 1, &loaded, &err), VB_ERR_KEY);

    /* A certificate where a key should be. */
    const char *cert_path = test_path("not-a-key.crt");
    assert_int_equal(vb_cert_save(cert_path, authority_cert, &err), VB_OK);
    assert_int_equal(vb_key_load_encrypted(cert_path, "x", 1, &loaded, &err), VB_ERR_KEY);
    assert_non_null(strstr(err.message, "CERTIFICATE"));
    assert_null(loaded);
}

static void test_encryption_parameters_on_disk(void **state)
{
    (void)state;
    vb_error err;
    const char *path = test_path("parameters.key");
    assert_int_equal(vb_key_save_encrypted(path, school_key, "x", 1, &err), VB_OK);
    vb_key_encryption how;
    assert_int_equal(vb_key_file_encryption(path, &how, &err), VB_OK);
    assert_string_equal(how.kdf, "scrypt");
    assert_string_equal(how.cipher, "aes-256-cbc");
    assert_int_equal(how.scrypt_n, 32768);
    assert_int_equal(how.scrypt_r, VB_KEY_SCRYPT_R);
    assert_int_equal(how.scrypt_p, 1);
    vb_key_file_kind kind;
    assert_int_equal(vb_key_file_identify(path, &kind, &err), VB_OK);
    assert_int_equal(kind, VB_KEY_FILE_ENCRYPTED_KEY);
}

/* ---------------------------------------------------------------- passphrases */

static void test_passphrase_from_fd_reads_one_line(void **state)
{
    (void)state;
    vb_error err;
    char buf[VB_PASSPHRASE_MAX_BYTES];
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const char *input = "mật khẩu một\r\nsecond line\n";
    assert_int_equal(write(fds[1], input, strlen(input)), (ssize_t)strlen(input));
    close(fds[1]);
    assert_int_equal(vb_passphrase_read("unused: ", 0, fds[0], buf, sizeof buf, &err), VB_OK);
    assert_string_equal(buf, "mật khẩu một");
    /* Nothing past the newline was taken: the next line is still there. */
    assert_int_equal(vb_passphrase_read("unused: ", 0, fds[0], buf, sizeof buf, &err), VB_OK);
    assert_string_equal(buf, "second line");
    close(fds[0]);
    vb_passphrase_wipe(buf, sizeof buf);
    assert_int_equal(buf[0], 0);
}

static void test_passphrase_from_fd_limits(void **state)
{
    (void)state;
    vb_error err;
    char buf[16];
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], "0123456789abcdefXYZ\n\n", 21), 21);
    close(fds[1]);
    assert_int_equal(vb_passphrase_read(NULL, 0, fds[0], buf, sizeof buf, &err),
                     VB_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "longer than 15 bytes"));
    assert_int_equal(buf[0], 0); /* wiped, not half-filled */
    /* An empty line: acceptable to open a key, refused for a new one. */
    assert_int_equal(vb_passphrase_read(NULL, 1, fds[0], buf, sizeof buf, &err),
                     VB_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "empty"));
    close(fds[0]);

    assert_int_equal(vb_passphrase_read(NULL, 0, 987, buf, sizeof buf, &err), VB_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "not open"));
}

static void test_passphrase_from_environment(void **state)
{
    (void)state;
    vb_error err;
    char buf[VB_PASSPHRASE_MAX_BYTES];
    assert_int_equal(setenv(VB_PASSPHRASE_ENV, "từ môi trường", 1), 0);
    assert_int_equal(vb_passphrase_read(NULL, 1, -1, buf, sizeof buf, &err), VB_OK);
    assert_string_equal(buf, "từ môi trường");

    /* An explicit fd wins over the environment. */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], "from fd\n", 8), 8);
    close(fds[1]);
    assert_int_equal(vb_passphrase_read(NULL, 0, fds[0], buf, sizeof buf, &err), VB_OK);
    assert_string_equal(buf, "from fd");
    close(fds[0]);

    assert_int_equal(setenv(VB_PASSPHRASE_ENV, "", 1), 0);
    assert_int_equal(vb_passphrase_read(NULL, 1, -1, buf, sizeof buf, &err), VB_ERR_ARGUMENT);
    unsetenv(VB_PASSPHRASE_ENV);
}

/* Without fd, variable or controlling terminal there must be a clear error, not a hang. The
 * check runs in a child that drops its terminal with setsid(). */
static void test_passphrase_without_any_source(void **state)
{
    (void)state;
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        setsid();
        unsetenv(VB_PASSPHRASE_ENV);
        vb_error err;
        char buf[64];
        vb_status status = vb_passphrase_read("Passphrase: ", 0, -1, buf, sizeof buf, &err);
        _exit(status == VB_ERR_ARGUMENT && strstr(err.message, "no terminal") &&
              strstr(err.message, VB_PASSPHRASE_ENV) ? 0 : 1);
    }
    int wait_status = 0;
    assert_int_equal(waitpid(child, &wait_status, 0), child);
    assert_true(WIFEXITED(wait_status));
    assert_int_equal(WEXITSTATUS(wait_status), 0);
}

/* ---------------------------------------------------------------- certificates */

/* Made with the openssl command: `openssl x509 -outform DER | sha256sum` starts cf67c5a21bf8ecb0. */
static const char golden_cert_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBmDCCAT+gAwIBAgIUExCjklmJHdxMdbKkW4/MqcsRZlMwCgYIKoZIzj0EAwIw\n"
    "IjELMAkGA1UEBhMCVk4xEzARBgNVBAMMCmtpZCBnb2xkZW4wHhcNMjYxMTIyMTkz\n"
    "NTA3WhcNMzYxMTE5MTkzNTA3WjAiMQswCQYDVQQGEwJWTjETMBEGA1UEAwwKa2lk\n"
    "IGdvbGRlbjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABPef8/iDCvCNFpJPLqn2\n"
    "gKEewbG5ViBWmJlKLoKfSYkOv4aGuaX4QkQqYX9F2Jw0sjAE0X6cuvTYju7VzZ4n\n"
    "06ajUzBRMB0GA1UdDgQWBBQ4v7j4je/nl2s1FEwO+nVivLUZcDAfBgNVHSMEGDAW\n"
    "gBQ4v7j4je/nl2s1FEwO+nVivLUZcDAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49\n"
    "BAMCA0cAMEQCIFGmpyd3dL7vgX+3eQW1AVzCBWSOBRv+VZdKIuMssWSpAiAhXHVt\n"
    "5v5OFsHY944CNmoCrKn9JmJjPdKSIk6nQfUIWQ==\n"
    "-----END CERTIFICATE-----\n";

static void test_kid_is_first_8_bytes_of_sha256_of_der(void **state)
{
    (void)state;
    vb_error err;
    const char *path = test_path("golden.crt");
    write_whole_file(path, golden_cert_pem);
    X509 *golden = NULL;
    assert_int_equal(vb_cert_load(path, &golden, &err), VB_OK);
    uint8_t kid[VB_KID_BYTES];
    assert_int_equal(vb_cert_kid(golden, kid, &err), VB_OK);
    static const uint8_t expected[VB_KID_BYTES] = {0xcf, 0x67, 0xc5, 0xa2,
                                                   0x1b, 0xf8, 0xec, 0xb0};
    assert_memory_equal(kid, expected, VB_KID_BYTES);
    X509_free(golden);

    /* And for a fresh certificate, against OpenSSL's own certificate digest. */
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    assert_int_equal(X509_digest(authority_cert, EVP_sha256(), digest, &digest_len), 1);
    assert_int_equal(digest_len, 32);
    assert_int_equal(vb_cert_kid(authority_cert, kid, &err), VB_OK);
    assert_memory_equal(kid, digest, VB_KID_BYTES);
}

static void test_authority_certificate(void **state)
{
    (void)state;
    vb_error err;
    X509 *cert = authority_cert;
    assert_int_equal(X509_get_version(cert), X509_VERSION_3);
    assert_int_equal(X509_check_ca(cert), 1);
    assert_int_equal(X509_get_pathlen(cert), 0);
    assert_int_equal(extension_is_critical(cert, NID_basic_constraints), 1);
    assert_int_equal(extension_is_critical(cert, NID_key_usage), 1);
    assert_int_equal(X509_get_key_usage(cert), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
    assert_non_null(X509_get0_subject_key_id(cert));
    assert_int_equal(X509_self_signed(cert, 1), 1);
    assert_int_equal(X509_verify(cert, authority_key), 1);

    const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);
    assert_int_equal(ASN1_STRING_length(serial), VB_CERT_SERIAL_BYTES);

    time_t not_before = 0, not_after = 0, now = time(NULL);
    assert_int_equal(vb_cert_validity(cert, &not_before, &not_after, &err), VB_OK);
    assert_true(not_before <= now && now - not_before < 120);
    assert_int_equal(not_after - not_before, (time_t)VB_CERT_AUTHORITY_DEFAULT_DAYS * 86400);

    char text[256];
    assert_int_equal(vb_cert_name_entry(X509_get_subject_name(cert), NID_commonName, text,
                                        sizeof text, &err), VB_OK);
    assert_string_equal(text, "Bộ Giáo dục và Đào tạo — Cơ quan cấp chứng thư");
    assert_int_equal(vb_cert_name_entry(X509_get_subject_name(cert), NID_countryName, text,
                                        sizeof text, &err), VB_OK);
    assert_string_equal(text, "VN");
    assert_int_equal(vb_cert_name_text(X509_get_subject_name(cert), text, sizeof text, &err),
                     VB_OK);
    assert_string_equal(text, "CN=Bộ Giáo dục và Đào tạo — Cơ quan cấp chứng thư, "
                              "O=Bộ Giáo dục và Đào tạo, C=VN");
    /* The country is encoded first, as X.509 orders names from the most general. */
    X509_NAME_ENTRY *first = X509_NAME_get_entry(X509_get_subject_name(cert), 0);
    assert_int_equal(OBJ_obj2nid(X509_NAME_ENTRY_get_object(first)), NID_countryName);
    assert_int_equal(vb_cert_matches_key(cert, authority_key, &err), VB_OK);
    assert_int_equal(vb_cert_matches_key(cert, school_key, &err), VB_ERR_CERTIFICATE_REJECTED);
}

static void test_school_request(void **state)
{
    (void)state;
    vb_error err;
    X509_NAME *subject = X509_REQ_get_subject_name(school_request);
    char text[256];
    assert_int_equal(vb_cert_school_code(subject, text, sizeof text, &err), VB_OK);
    assert_string_equal(text, "HN-CDKT");
    assert_int_equal(vb_cert_school_name(subject, text, sizeof text, &err), VB_OK);
    assert_string_equal(text, "Trường Cao đẳng Kỹ thuật Hà Nội");
    assert_int_equal(vb_cert_name_entry(subject, NID_stateOrProvinceName, text, sizeof text,
                                        &err), VB_OK);
    assert_string_equal(text, "Hà Nội");
    assert_int_equal(X509_REQ_verify(school_request, school_key), 1);
    assert_int_equal(vb_cert_request_check(school_request, &err), VB_OK);

    /* Through a file and back. */
    const char *path = test_path("school.csr");
    assert_int_equal(vb_cert_request_save(path, school_request, &err), VB_OK);
    X509_REQ *loaded = NULL;
    assert_int_equal(vb_cert_request_load(path, &loaded, &err), VB_OK);
    assert_int_equal(X509_NAME_cmp(X509_REQ_get_subject_name(loaded), subject), 0);
    vb_key_file_kind kind;
    assert_int_equal(vb_key_file_identify(path, &kind, &err), VB_OK);
    assert_int_equal(kind, VB_KEY_FILE_REQUEST);
    X509_REQ_free(loaded);

    /* Codes X.509's PrintableString cannot hold, or too long, are refused up front. */
    X509_REQ *refused = NULL;
    assert_int_equal(vb_cert_make_request(school_key, "HN_CĐ", "Trường", NULL, &refused, &err),
                     VB_ERR_ARGUMENT);
    assert_int_equal(vb_cert_make_request(school_key, "", "Trường", NULL, &refused, &err),
                     VB_ERR_ARGUMENT);
    assert_int_equal(vb_cert_make_request(school_key, "A", "", NULL, &refused, &err),
                     VB_ERR_ARGUMENT);
    assert_null(refused);
}

static void test_certify(void **state)
{
    (void)state;
    vb_error err;
    X509 *cert = NULL;
    assert_int_equal(vb_cert_certify(authority_cert, authority_key, school_request, 365, &cert,
                                     &err), VB_OK);
    assert_int_equal(X509_get_version(cert), X509_VERSION_3);
    assert_int_equal(X509_check_ca(cert), 0);
    assert_int_equal(extension_is_critical(cert, NID_basic_constraints), 1);
    assert_int_equal(extension_is_critical(cert, NID_key_usage), 1);
    assert_int_equal(X509_get_key_usage(cert), KU_DIGITAL_SIGNATURE);
    assert_int_equal(X509_verify(cert, authority_key), 1);
    assert_int_equal(X509_check_issued(authority_cert, cert), X509_V_OK);
    assert_int_equal(vb_cert_matches_key(cert, school_key, &err), VB_OK);

    /* The authority key identifier is the authority's subject key identifier. */
    const ASN1_OCTET_STRING *authority_id = X509_get0_authority_key_id(cert);
    assert_non_null(authority_id);
    assert_int_equal(ASN1_OCTET_STRING_cmp(authority_id, X509_get0_subject_key_id(authority_cert)),
                     0);
    assert_non_null(X509_get0_subject_key_id(cert));

    time_t not_before = 0, not_after = 0, now = time(NULL);
    assert_int_equal(vb_cert_validity(cert, &not_before, &not_after, &err), VB_OK);
    assert_true(not_before <= now && now - not_before < 120);
    assert_int_equal(not_after - not_before, (time_t)365 * 86400);

    char code[VB_MAX_SCHOOL_CODE_BYTES + 1];
    assert_int_equal(vb_cert_school_code(X509_get_subject_name(cert), code, sizeof code, &err),
                     VB_OK);
    assert_string_equal(code, "HN-CDKT");

    /* Two certificates for the same request differ in serial, hence in kid. */
    X509 *again = NULL;
    assert_int_equal(vb_cert_certify(authority_cert, authority_key, school_request, 365, &again,
                                     &err), VB_OK);
    assert_int_not_equal(ASN1_INTEGER_cmp(X509_get0_serialNumber(cert),
                                          X509_get0_serialNumber(again)), 0);

    /* The authority checks out with OpenSSL's own path validation. */
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *context = X509_STORE_CTX_new();
    X509_STORE_add_cert(store, authority_cert);
    X509_STORE_CTX_init(context, store, cert, NULL);
    assert_int_equal(X509_verify_cert(context), 1);
    X509_STORE_CTX_free(context);
    X509_STORE_free(store);
    X509_free(again);
    X509_free(cert);
}

static void test_certify_refusals(void **state)
{
    (void)state;
    vb_error err;
    X509 *cert = NULL;

    /* Longer than the authority itself lives. */
    assert_int_equal(vb_cert_certify(authority_cert, authority_key, school_request,
                                     VB_CERT_AUTHORITY_DEFAULT_DAYS + 10, &cert, &err),
                     VB_ERR_CERTIFICATE_REJECTED);
    assert_non_null(strstr(err.message, "outlast"));

    /* The wrong authority key for the certificate. */
    assert_int_equal(vb_cert_certify(authority_cert, school_key, school_request, 30, &cert, &err),
                     VB_ERR_KEY);

    /* A request altered after it was signed. */
    X509_REQ *altered = X509_REQ_dup(school_request);
    X509_NAME *other = NULL;
    assert_int_equal(vb_cert_name_parse("CN=Kẻ mạo danh, serialNumber=HN-CDKT, C=VN", &other,
                                        &err), VB_OK);
    assert_int_equal(X509_REQ_set_subject_name(altered, other), 1);
    assert_int_equal(vb_cert_certify(authority_cert, authority_key, altered, 30, &cert, &err),
                     VB_ERR_CERTIFICATE_REJECTED);
    assert_non_null(strstr(err.message, "self-signature"));
    X509_NAME_free(other);
    X509_REQ_free(altered);

    /* A request with a key too weak to sign diplomas (RSA 1024), made by hand. */
    EVP_PKEY *weak = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    assert_non_null(weak);
    X509_REQ *weak_request = X509_REQ_new();
    X509_REQ_set_subject_name(weak_request, X509_REQ_get_subject_name(school_request));
    X509_REQ_set_pubkey(weak_request, weak);
    assert_true(X509_REQ_sign(weak_request, weak, EVP_sha256()) > 0);
    assert_int_equal(vb_cert_certify(authority_cert, authority_key, weak_request, 30, &cert,
                                     &err), VB_ERR_CERTIFICATE_REJECTED);
    assert_non_null(strstr(err.message, "RSA 1024"));

    /* A request without a school code. */
    X509_REQ *no_code = X509_REQ_new();
    X509_NAME *plain_name = NULL;
    assert_int_equal(vb_cert_name_parse("Không có mã", &plain_name, &err), VB_OK);
    X509_REQ_set_subject_name(no_code, plain_name);
    X509_REQ_set_pubkey(no_code, school_key);
    assert_true(X509_REQ_sign(no_code, school_key, EVP_sha256()) > 0);
    assert_int_equal(vb_cert_certify(authority_cert, authority_key, no_code, 30, &cert, &err),
                     VB_ERR_CERTIFICATE_REJECTED);
    assert_non_null(strstr(err.message, "school code"));
    assert_null(cert);
    X509_NAME_free(plain_name);
    X509_REQ_free(no_code);
    X509_REQ_free(weak_request);
    EVP_PKEY_free(weak);
}

static void test_name_parse(void **state)
{
    (void)state;
    vb_error err;
    X509_NAME *name = NULL;
    char text[256];
    assert_int_equal(vb_cert_name_parse("CN=Trường A\\, cơ sở 2 , O=Bộ, C=VN", &name, &err),
                     VB_OK);
    assert_int_equal(vb_cert_name_entry(name, NID_commonName, text, sizeof text, &err), VB_OK);
    assert_string_equal(text, "Trường A, cơ sở 2");
    assert_int_equal(X509_NAME_entry_count(name), 3);
    X509_NAME_free(name);

    assert_int_equal(vb_cert_name_parse("Sở Giáo dục Hà Nội", &name, &err), VB_OK);
    assert_int_equal(vb_cert_name_text(name, text, sizeof text, &err), VB_OK);
    assert_string_equal(text, "CN=Sở Giáo dục Hà Nội, C=VN");
    X509_NAME_free(name);

    assert_int_equal(vb_cert_name_parse("CN=a, XX=b", &name, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_cert_name_parse("O=no common name", &name, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_cert_name_parse("CN=a, C=Việt Nam", &name, &err), VB_ERR_ARGUMENT);
    /* 65 characters (well over 65 bytes): past X.509's bound on a CN. */
    char long_name[512] = "CN=";
    for (int i = 0; i < 65; i++)
        strcat(long_name, "ạ");
    assert_int_equal(vb_cert_name_parse(long_name, &name, &err), VB_ERR_ARGUMENT);
    assert_null(name);
}

static void test_school_code_rules(void **state)
{
    (void)state;
    assert_int_equal(vb_cert_check_school_code("HN-CDKT.01", NULL), VB_OK);
    assert_int_equal(vb_cert_check_school_code("abcdefghijklmnopqrstuvwxyz012345", NULL), VB_OK);
    assert_int_equal(vb_cert_check_school_code("abcdefghijklmnopqrstuvwxyz0123456", NULL),
                     VB_ERR_ARGUMENT);
    assert_int_equal(vb_cert_check_school_code("HN CD", NULL), VB_ERR_ARGUMENT);
    assert_int_equal(vb_cert_check_school_code("HN_CD", NULL), VB_ERR_ARGUMENT);
    assert_int_equal(vb_cert_check_school_code("", NULL), VB_ERR_ARGUMENT);
}

/* ---------------------------------------------------------------- chains from a licensed CA */

/* Makes a certificate for key, issued by issuer (NULL: self-signed), valid from
 * now+start_offset to now+end_offset seconds, with the given extensions (NULL: none). */
static X509 *make_chain_cert(EVP_PKEY *key, const char *common_name, X509 *issuer,
                             EVP_PKEY *issuer_key, const char *basic_constraints,
                             const char *key_usage, long start_offset, long end_offset)
{
    static long serial = 1000;
    X509 *cert = X509_new();
    assert_non_null(cert);
    X509_set_version(cert, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
    X509_NAME *name = X509_NAME_new();
    X509_NAME_add_entry_by_NID(name, NID_countryName, MBSTRING_UTF8,
                               (const unsigned char *)"VN", -1, -1, 0);
    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                               (const unsigned char *)common_name, -1, -1, 0);
    X509_set_subject_name(cert, name);
    X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
    X509_NAME_free(name);
    X509_gmtime_adj(X509_getm_notBefore(cert), start_offset);
    X509_gmtime_adj(X509_getm_notAfter(cert), end_offset);
    X509_set_pubkey(cert, key);
    X509V3_CTX context;
    X509V3_set_ctx(&context, issuer ? issuer : cert, cert, NULL, NULL, 0);
    const char *values[] = {basic_constraints, key_usage, "hash"};
    const int nids[] = {NID_basic_constraints, NID_key_usage, NID_subject_key_identifier};
    for (int i = 0; i < 3; i++) {
        if (!values[i])
            continue;
        X509_EXTENSION *extension = X509V3_EXT_nconf_nid(NULL, &context, nids[i], values[i]);
        assert_non_null(extension);
        X509_add_ext(cert, extension, -1);
        X509_EXTENSION_free(extension);
    }
    assert_true(X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
    return cert;
}

static EVP_PKEY *chain_root_key, *chain_intermediate_key, *chain_leaf_key;
static X509 *chain_root, *chain_intermediate, *chain_leaf;

static int chain_setup(void **state)
{
    (void)state;
    vb_error err;
    if (vb_key_generate_p256(&chain_root_key, &err) != VB_OK ||
        vb_key_generate_p256(&chain_intermediate_key, &err) != VB_OK ||
        vb_key_generate_p256(&chain_leaf_key, &err) != VB_OK)
        return -1;
    chain_root = make_chain_cert(chain_root_key, "Root CA", NULL, NULL, "critical,CA:TRUE",
                                 "critical,keyCertSign,cRLSign", -86400, 20 * 365 * 86400L);
    chain_intermediate = make_chain_cert(chain_intermediate_key, "Licensed CA", chain_root,
                                         chain_root_key, "critical,CA:TRUE,pathlen:0",
                                         "critical,keyCertSign,cRLSign", -86400,
                                         10 * 365 * 86400L);
    chain_leaf = make_chain_cert(chain_leaf_key, "Trường Trung cấp Nghề", chain_intermediate,
                                 chain_intermediate_key, "critical,CA:FALSE",
                                 "critical,digitalSignature,nonRepudiation", -3600,
                                 2 * 365 * 86400L);
    return 0;
}

static int chain_teardown(void **state)
{
    (void)state;
    X509_free(chain_leaf);
    X509_free(chain_intermediate);
    X509_free(chain_root);
    EVP_PKEY_free(chain_leaf_key);
    EVP_PKEY_free(chain_intermediate_key);
    EVP_PKEY_free(chain_root_key);
    return 0;
}

/* A new chain holding up_refs of the given certificates, in the given order. */
static STACK_OF(X509) *chain_of(X509 *first, X509 *second, X509 *third)
{
    STACK_OF(X509) *chain = sk_X509_new_null();
    X509 *certs[] = {first, second, third};
    for (int i = 0; i < 3; i++) {
        if (!certs[i])
            continue;
        X509_up_ref(certs[i]);
        sk_X509_push(chain, certs[i]);
    }
    return chain;
}

static vb_status check_chain_of(X509 *first, X509 *second, X509 *third, vb_error *err)
{
    STACK_OF(X509) *chain = chain_of(first, second, third);
    vb_status status = vb_cert_check_chain(chain, time(NULL), err);
    sk_X509_pop_free(chain, X509_free);
    return status;
}

static void test_chain_accepts_a_good_chain(void **state)
{
    (void)state;
    vb_error err;
    assert_int_equal(check_chain_of(chain_leaf, chain_intermediate, chain_root, &err), VB_OK);
    /* Without the root: the last certificate is the anchor. */
    assert_int_equal(check_chain_of(chain_leaf, chain_intermediate, NULL, &err), VB_OK);

    /* Through a file: save, load, same certificates in the same order. */
    const char *path = test_path("chain.pem");
    STACK_OF(X509) *chain = chain_of(chain_leaf, chain_intermediate, chain_root);
    assert_int_equal(vb_cert_save_chain(path, chain, &err), VB_OK);
    STACK_OF(X509) *loaded = NULL;
    assert_int_equal(vb_cert_load_chain(path, &loaded, &err), VB_OK);
    assert_int_equal(sk_X509_num(loaded), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(X509_cmp(sk_X509_value(loaded, i), sk_X509_value(chain, i)), 0);
    assert_int_equal(vb_cert_check_chain(loaded, time(NULL), &err), VB_OK);
    vb_key_file_kind kind;
    assert_int_equal(vb_key_file_identify(path, &kind, &err), VB_OK);
    assert_int_equal(kind, VB_KEY_FILE_CERTIFICATE);
    sk_X509_pop_free(loaded, X509_free);
    sk_X509_pop_free(chain, X509_free);
}

static void test_chain_rejects_broken_chains(void **state)
{
    (void)state;
    vb_error err;

    /* Out of order. */
    assert_int_equal(check_chain_of(chain_leaf, chain_root, chain_intermediate, &err),
                     VB_ERR_CERTIFICATE_REJECTED);
    assert_non_null(strstr(err.message, "certificate 1 (CN=Trường Trung cấp Nghề, C=VN)"));
    assert_non_null(strstr(err.message, "not issued by certificate 2"));

    /* Only the leaf. */
    assert_int_equal(check_chain_of(chain_leaf, NULL, NULL, &err), VB_ERR_CERTIFICATE_REJECTED);

    /* A leaf with the right issuer name but signed by another key. */
    X509 *forged = make_chain_cert(chain_leaf_key, "Trường Trung cấp Nghề", chain_intermediate,
                                   chain_root_key, "critical,CA:FALSE",
                                   "critical,digitalSignature", -3600, 86400);
    assert_int_equal(check_chain_of(forged, chain_intermediate, chain_root, &err),
                     VB_ERR_CERTIFICATE_REJECTED);
    assert_non_null(strstr(err.message, "certificate 1"));
    assert_non_null(strstr(err.message, "signature does not verify"));
    X509_free(forged);

    /* An expired leaf. */
    X509 *expired = make_chain_cert(chain_leaf_key, "Hết hạn", chain_intermediate,
                                    chain_intermediate_key, "critical,CA:FALSE",
                                    "critical,digitalSignature", -3 * 86400, -86400);
    assert_int_equal(check_chain_of(expired, chain_intermediate, chain_root, &err),
                     VB_ERR_CERTIFICATE_REJECTED);
    assert_non_null(strstr(err.message, "certificate 1 (CN=Hết hạn, C=VN): expired"));
    X509_free(expired);

    /* A leaf that is a CA, and one that may only encipher keys. */
    X509 *ca_leaf = make_chain_cert(chain_leaf_key, "CA leaf", chain_intermediate,
                                    chain_intermediate_key, "critical,CA:TRUE",
                                    "critical,digitalSignature,keyCertSign", -3600, 86400);
    assert_int_equal(check_chain_of(ca_leaf, chain_intermediate, chain_root, &err),
                     VB_ERR_CERTIFICATE_REJECTED);
    assert_non_null(strstr(err.message, "is a CA certificate"));
    X509_free(ca_leaf);
    X509 *encipher_leaf = make_chain_cert(chain_leaf_key, "Encipher only", chain_intermediate,
                                          chain_intermediate_key, "critical,CA:FALSE",
                                          "critical,keyEncipherment", -3600, 86400);
    assert_int_equal(check_chain_of(encipher_leaf, chain_intermediate, chain_root, &err),
                     VB_ERR_CERTIFICATE_REJECTED);
    assert_non_null(strstr(err.message, "digitalSignature"));
    X509_free(encipher_leaf);
    X509 *no_usage_leaf = make_chain_cert(chain_leaf_key, "No usage", chain_intermediate,
                                          chain_intermediate_key, "critical,CA:FALSE", NULL,
                                          -3600, 86400);
    assert_int_equal(check_chain_of(no_usage_leaf, chain_intermediate, chain_root, &err),
                     VB_ERR_CERTIFICATE_REJECTED);
    assert_non_null(strstr(err.message, "no keyUsage"));
    X509_free(no_usage_leaf);

    /* An issuer that is not a CA. */
    X509 *not_ca = make_chain_cert(chain_intermediate_key, "Licensed CA", chain_root,
                                   chain_root_key, "critical,CA:FALSE", "critical,keyCertSign",
                                   -86400, 86400 * 30);
    assert_int_equal(check_chain_of(chain_leaf, not_ca, chain_root, &err),
                     VB_ERR_CERTIFICATE_REJECTED);
    assert_non_null(strstr(err.message, "certificate 2 (CN=Licensed CA, C=VN) is not a CA"));
    X509_free(not_ca);

    /* A root whose pathlen:0 forbids the intermediate: found by OpenSSL's path check. */
    X509 *strict_root = make_chain_cert(chain_root_key, "Root CA", NULL, NULL,
                                        "critical,CA:TRUE,pathlen:0",
                                        "critical,keyCertSign,cRLSign", -86400, 86400 * 365);
    assert_int_equal(check_chain_of(chain_leaf, chain_intermediate, strict_root, &err),
                     VB_ERR_CERTIFICATE_REJECTED);
    assert_non_null(strstr(err.message, "path length"));
    X509_free(strict_root);

    /* The good chain, judged at a time past the leaf's end. */
    STACK_OF(X509) *chain = chain_of(chain_leaf, chain_intermediate, chain_root);
    assert_int_equal(vb_cert_check_chain(chain, time(NULL) + 3 * 365 * 86400L, &err),
                     VB_ERR_CERTIFICATE_REJECTED);
    assert_non_null(strstr(err.message, "certificate 1"));
    sk_X509_pop_free(chain, X509_free);

    /* A chain file with something other than certificates in it. */
    const char *path = test_path("chain-with-key.pem");
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    PEM_write_X509(file, chain_leaf);
    PEM_write_PUBKEY(file, chain_leaf_key);
    fclose(file);
    STACK_OF(X509) *loaded = NULL;
    assert_int_equal(vb_cert_load_chain(path, &loaded, &err), VB_ERR_KEY);
    assert_null(loaded);
}

/* ---------------------------------------------------------------- RSA (PS256) */

static void test_rsa_path(void **state)
{
    (void)state;
    vb_error err;
    EVP_PKEY *key = NULL;
    assert_int_equal(vb_key_generate_rsa(1024, &key, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_key_generate_rsa(2048, &key, &err), VB_OK);
    int bits = 0;
    assert_int_equal(vb_key_type_of(key, &bits), VB_KEY_TYPE_RSA);
    assert_int_equal(bits, 2048);
    assert_int_equal(vb_key_check_signer(key, "test", &err), VB_OK);
    char described[96];
    vb_key_describe(key, described, sizeof described);
    assert_string_equal(described, "RSA 2048");

    const char *path = test_path("rsa.key");
    assert_int_equal(vb_key_save_encrypted(path, key, TEST_PASSPHRASE, strlen(TEST_PASSPHRASE),
                                           &err), VB_OK);
    EVP_PKEY *loaded = NULL;
    assert_int_equal(vb_key_load_encrypted(path, "sai", 3, &loaded, &err), VB_ERR_PASSPHRASE);
    assert_int_equal(vb_key_load_encrypted(path, TEST_PASSPHRASE, strlen(TEST_PASSPHRASE),
                                           &loaded, &err), VB_OK);
    assert_int_equal(EVP_PKEY_eq(loaded, key), 1);

    /* The request is signed with RSASSA-PSS, as Circular 15/2025 names for RSA. */
    X509_REQ *request = NULL;
    assert_int_equal(vb_cert_make_request(loaded, "DN-TC", "Trường Trung cấp Đà Nẵng", NULL,
                                          &request, &err), VB_OK);
    assert_int_equal(X509_REQ_get_signature_nid(request), NID_rsassaPss);
    assert_int_equal(vb_cert_request_check(request, &err), VB_OK);

    X509 *cert = NULL;
    assert_int_equal(vb_cert_certify(authority_cert, authority_key, request, 730, &cert, &err),
                     VB_OK);
    assert_int_equal(vb_key_type_of(X509_get0_pubkey(cert), &bits), VB_KEY_TYPE_RSA);
    assert_int_equal(bits, 2048);
    assert_int_equal(X509_verify(cert, authority_key), 1);
    assert_int_equal(vb_cert_matches_key(cert, key, &err), VB_OK);

    X509_free(cert);
    X509_REQ_free(request);
    EVP_PKEY_free(loaded);
    EVP_PKEY_free(key);
}

static void test_key_types(void **state)
{
    (void)state;
    vb_error err;
    EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    EVP_PKEY *ed25519 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(p384);
    assert_non_null(ed25519);
    int bits = 0;
    assert_int_equal(vb_key_type_of(p384, &bits), VB_KEY_TYPE_EC_OTHER);
    assert_int_equal(bits, 384);
    assert_int_equal(vb_key_type_of(ed25519, NULL), VB_KEY_TYPE_OTHER);
    assert_int_equal(vb_key_check_signer(p384, "test", &err), VB_ERR_CERTIFICATE_REJECTED);
    assert_int_equal(vb_key_check_signer(ed25519, "test", &err), VB_ERR_CERTIFICATE_REJECTED);
    assert_int_equal(vb_key_check_signer(school_key, "test", &err), VB_OK);
    char described[96];
    vb_key_describe(p384, described, sizeof described);
    assert_string_equal(described, "ECDSA P-384 (384 bits)");
    vb_key_describe(school_key, described, sizeof described);
    assert_string_equal(described, "ECDSA P-256");
    EVP_PKEY_free(ed25519);
    EVP_PKEY_free(p384);
}

int main(void)
{
    const struct CMUnitTest key_tests[] = {
        cmocka_unit_test(test_save_load_round_trip),
        cmocka_unit_test(test_key_file_mode_is_0600),
        cmocka_unit_test(test_wrong_passphrase_is_its_own_error),
        cmocka_unit_test(test_existing_file_is_never_overwritten),
        cmocka_unit_test(test_empty_passphrase_is_refused_when_saving),
        cmocka_unit_test(test_unencrypted_key_is_refused),
        cmocka_unit_test(test_damaged_or_wrong_files_are_key_errors),
        cmocka_unit_test(test_encryption_parameters_on_disk),
        cmocka_unit_test(test_passphrase_from_fd_reads_one_line),
        cmocka_unit_test(test_passphrase_from_fd_limits),
        cmocka_unit_test(test_passphrase_from_environment),
        cmocka_unit_test(test_passphrase_without_any_source),
        cmocka_unit_test(test_kid_is_first_8_bytes_of_sha256_of_der),
        cmocka_unit_test(test_authority_certificate),
        cmocka_unit_test(test_school_request),
        cmocka_unit_test(test_certify),
        cmocka_unit_test(test_certify_refusals),
        cmocka_unit_test(test_name_parse),
        cmocka_unit_test(test_school_code_rules),
        cmocka_unit_test(test_rsa_path),
        cmocka_unit_test(test_key_types),
        cmocka_unit_test_setup_teardown(test_chain_accepts_a_good_chain, chain_setup,
                                        chain_teardown),
        cmocka_unit_test_setup_teardown(test_chain_rejects_broken_chains, chain_setup,
                                        chain_teardown),
    };
    return cmocka_run_group_tests_name("keys", key_tests, group_setup, group_teardown);
}
