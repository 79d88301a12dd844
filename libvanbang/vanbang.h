/*
 * vanbang.h — every constant, code and limit of the vanbang record format in one place.
 *
 * The numbers here are normative: docs/FORMAT.md describes them, tests/vectors/ exercises them,
 * and an outside verifier relies on them. Never renumber; only append.
 */
#ifndef VANBANG_H
#define VANBANG_H

#include <stddef.h>
#include <stdint.h>

/* Status codes. 0 is success; every failure has its own stable number, grouped by layer, so a
 * verifier, a test vector and the JSON API all speak of the same thing. */
typedef enum {
    VB_OK = 0,

    /* 1xx: CBOR (RFC 8949) strict decoding */
    VB_ERR_CBOR_TRUNCATED = 100,    /* an item or length runs past the end of the input */
    VB_ERR_CBOR_NONCANONICAL = 101, /* an integer or length not in its shortest form */
    VB_ERR_CBOR_INDEFINITE = 102,   /* indefinite-length item */
    VB_ERR_CBOR_DUPLICATE_KEY = 103,
    VB_ERR_CBOR_KEY_ORDER = 104,    /* map keys not in bytewise lexicographic order */
    VB_ERR_CBOR_TRAILING = 105,     /* bytes after the top-level item */
    VB_ERR_CBOR_TYPE = 106,         /* an item of the wrong major type where the format fixes one */
    VB_ERR_CBOR_DEPTH = 107,        /* nesting deeper than the format allows */
    VB_ERR_CBOR_UTF8 = 108,         /* a text string that is not valid UTF-8 */
    VB_ERR_CBOR_UNSUPPORTED = 109,  /* floats, and simple values other than false, true, null */

    /* 2xx: COSE_Sign1 (RFC 9052) */
    VB_ERR_COSE_TAG = 200,            /* not tagged 18 (COSE_Sign1) */
    VB_ERR_COSE_STRUCTURE = 201,      /* not an array of four: protected, unprotected, payload, sig */
    VB_ERR_COSE_PROTECTED = 202,      /* protected header is not a byte string holding a map */
    VB_ERR_COSE_ALG_MISSING = 203,
    VB_ERR_COSE_ALG_UNSUPPORTED = 204, /* an algorithm other than ES256 or PS256 */
    VB_ERR_COSE_KID_MISSING = 205,
    VB_ERR_COSE_KID_SIZE = 206,       /* kid is not exactly 8 bytes */
    VB_ERR_COSE_CRITICAL = 207,       /* a header listed in crit that we do not understand */
    VB_ERR_COSE_SIGNATURE_SIZE = 208, /* ES256 signature not 64 bytes; PS256 not the modulus size */
    VB_ERR_COSE_PAYLOAD = 209,        /* payload missing (detached) or not a byte string */
    VB_ERR_COSE_UNPROTECTED = 210,    /* unprotected header not an empty map, or repeats alg/kid */

    /* 3xx: claims (the credential inside the payload) */
    VB_ERR_CLAIM_MISSING = 300,       /* a required claim is absent */
    VB_ERR_CLAIM_TYPE = 301,          /* a claim of the wrong CBOR type */
    VB_ERR_CLAIM_RANGE = 302,         /* a value outside its set or range (enum, date, number) */
    VB_ERR_CLAIM_CRITICAL = 303,      /* an unknown claim key listed as critical */
    VB_ERR_CLAIM_TOO_LONG = 304,      /* a text or byte string over its limit */
    VB_ERR_CLAIM_KIND = 305,          /* kind, supersedes and copy number disagree */

    /* 4xx: the link (URL in the QR code) */
    VB_ERR_LINK_PREFIX = 400,         /* not a vanbang verification URL */
    VB_ERR_LINK_DIGITS = 401,         /* the record part holds a character other than 0-9 */
    VB_ERR_LINK_LENGTH = 402,         /* a digit count no record length produces */
    VB_ERR_LINK_CHUNK = 403,          /* a digit group above the largest value its bytes can hold */

    /* 5xx: verification against the trust list */
    VB_ERR_UNKNOWN_SIGNER = 500,      /* kid not in the trust list */
    VB_ERR_SIGNER_NOT_VALID = 501,    /* record issued outside the signer certificate's validity */
    VB_ERR_SIGNER_REMOVED = 502,      /* signer removed from the trust list (key compromised) */
    VB_ERR_BAD_SIGNATURE = 503,
    VB_ERR_ALG_KEY_MISMATCH = 504,    /* ES256 record with an RSA signer, or the reverse */

    /* 6xx: trust list */
    VB_ERR_TRUST_MALFORMED = 600,
    VB_ERR_TRUST_UNSIGNED = 601,      /* not a COSE_Sign1, or signature does not verify */
    VB_ERR_TRUST_UNKNOWN_AUTHORITY = 602,
    VB_ERR_TRUST_OLDER = 603,         /* sequence number not above the list already held */
    VB_ERR_TRUST_CERTIFICATE = 604,   /* an entry's certificate is unreadable or not issued by an authority */

    /* 7xx: the register's log (Merkle tree proofs and checkpoints, FORMAT.md §9) */
    VB_ERR_LOG_PROOF = 700,           /* a proof that cannot be one for its sizes: index ≥ size, first = 0
                                       * or above second, a path too long or too short */
    VB_ERR_LOG_CHECKPOINT = 701,      /* a checkpoint payload that is not the map FORMAT.md §9 defines */
    VB_ERR_LOG_MISMATCH = 702,        /* a well-formed proof or a rebuilt tree that does not give the root held */

    /* 8xx: the school's register (register.h) */
    VB_ERR_REGISTER = 800,            /* not a vanbang register, made by a newer version, damaged, or
                                       * SQLite failed */
    VB_ERR_REGISTER_REFUSED = 801,    /* the rules of the register forbid it: a second original, a
                                       * revoked or superseded credential, a number out of sequence */
    VB_ERR_REGISTER_NOT_FOUND = 802,  /* no such serial or record in the register */
    VB_ERR_REGISTER_BUSY = 803,       /* another program held the register's write lock too long */

    /* 9xx: local failures, not properties of the input */
    VB_ERR_TOO_LARGE = 900,           /* input over a size limit */
    VB_ERR_ARGUMENT = 901,
    VB_ERR_NOMEM = 902,
    VB_ERR_IO = 903,
    VB_ERR_CRYPTO = 904,              /* OpenSSL failed for a reason other than the input */
    VB_ERR_PASSPHRASE = 905,          /* wrong passphrase for an encrypted private key */
    VB_ERR_KEY = 906,                 /* key or certificate file unreadable or of the wrong kind */
    VB_ERR_CERTIFICATE_REJECTED = 907, /* a certificate, chain or CSR fails a check: signature,
                                       * validity, key usage, CA flag, key type, or key mismatch */

    /* 1000s: the status list (revoked and superseded records, statuslist.h, FORMAT.md §11) */
    VB_ERR_STATUS_MALFORMED = 1000,   /* a payload that is not the map FORMAT.md §11 defines */
    VB_ERR_STATUS_ENTRY = 1001,       /* an entry with a value outside its set: id 0, state, reason,
                                       * date, or superseding id */
    VB_ERR_STATUS_ORDER = 1002,       /* entry record ids not strictly ascending (unsorted or repeated) */
    VB_ERR_STATUS_OLDER = 1003,       /* sequence number not above the list already held */
    VB_ERR_STATUS_ORIGIN = 1004,      /* origin is not the school code of the signer certificate */
    VB_ERR_STATUS_REFERENCE = 1005,   /* a replacement record or decision number that belongs to no
                                       * fitting entry */

    /* 1100s: mirroring a register to the national portal (mirror.h, FORMAT.md §12) */
    VB_ERR_MIRROR_MALFORMED = 1100,   /* a batch or leaf statement that is not the map FORMAT.md §12 defines */
    VB_ERR_MIRROR_SCHOOL = 1101,      /* the school of a batch or its checkpoint is not the signer's */
    VB_ERR_MIRROR_SEQUENCE = 1102,    /* events not the next ones the portal holds, or a checkpoint of another size */
    VB_ERR_MIRROR_EVENT = 1103,       /* an event entry that does not decode, or a personal id that does not fit */
    VB_ERR_MIRROR_RECORD = 1104,      /* a record that is not the one its event names (digest, id, kind) */
} vb_status;

/* A failure as a library hands it to a program: the code plus a sentence naming where and what. */
typedef struct {
    vb_status code;
    char message[256];
} vb_error;

/* Records a failure in err (which may be NULL) and returns code, so callers write
 * `return vb_fail(err, VB_ERR_X, "what %s", where);`. */
vb_status vb_fail(vb_error *err, vb_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Stable short name of a code ("cbor-truncated"), for logs, JSON and test vectors. */
const char *vb_status_name(vb_status code);
/* Parses such a name back; returns -1 if unknown. */
int vb_status_from_name(const char *name);

/* ---- Limits on everything that comes from outside ---- */
#define VB_MAX_RECORD_BYTES 1024   /* a signed record; the QR code could not hold more anyway */
#define VB_MAX_LINK_CHARS 4096     /* a verification URL */
#define VB_MAX_TEXT_BYTES 255      /* any text claim: name, program, place, serial */
#define VB_MAX_SCHOOL_CODE_BYTES 32
#define VB_MAX_RECORD_ID_BYTES 16
#define VB_MAX_TRUST_BYTES (4u << 20)  /* a trust list file */
#define VB_MAX_TRUST_ENTRIES 4096
#define VB_KID_BYTES 8

/* ---- COSE ---- */
#define VB_COSE_SIGN1_TAG 18
#define VB_COSE_HEADER_ALG 1
#define VB_COSE_HEADER_CRIT 2
#define VB_COSE_HEADER_KID 4
#define VB_COSE_ALG_ES256 (-7)
#define VB_COSE_ALG_PS256 (-37)
#define VB_ES256_SIGNATURE_BYTES 64

/* ---- Claim keys (CBOR map keys of the payload) ----
 * Positive keys are CWT registered claims (RFC 8392); negative keys are vanbang's own, chosen
 * in -1..-24 so every key is one byte on the wire. */
enum {
    VB_CLAIM_ISS = 1,              /* tstr: school code */
    VB_CLAIM_IAT = 6,              /* uint: signing time, seconds since 1970 (NumericDate) */
    VB_CLAIM_CTI = 7,              /* bstr: record id, unique within the school */
    VB_CLAIM_TYPE = -1,            /* uint: credential type (VB_TYPE_*) */
    VB_CLAIM_SERIAL = -2,          /* tstr: serial number (số hiệu) */
    VB_CLAIM_REGISTER_NUMBER = -3, /* uint: number in the original register (số vào sổ gốc) */
    VB_CLAIM_REGISTER_YEAR = -4,   /* uint: calendar year of that register number */
    VB_CLAIM_NAME = -5,            /* tstr: full name, UTF-8 NFC */
    VB_CLAIM_BIRTH_DATE = -6,      /* int: days since 1970-01-01 (RFC 8943), may be negative */
    VB_CLAIM_GENDER = -7,          /* uint: VB_GENDER_* (optional) */
    VB_CLAIM_PROGRAM_CODE = -8,    /* uint, or tstr when the code has a leading zero or letters */
    VB_CLAIM_PROGRAM_NAME = -9,    /* tstr: program (ngành/nghề) or course name */
    VB_CLAIM_CLASSIFICATION = -10, /* uint: VB_CLASS_* (optional) */
    VB_CLAIM_TRAINING_MODE = -11,  /* uint: VB_MODE_* (optional) */
    VB_CLAIM_ISSUE_DATE = -12,     /* int: date of issue printed on the diploma, days since 1970 */
    VB_CLAIM_ISSUE_PLACE = -13,    /* tstr: place of issue */
    VB_CLAIM_KIND = -14,           /* uint: VB_KIND_*; absent means original */
    VB_CLAIM_SUPERSEDES = -15,     /* bstr: record id that a correction replaces */
    VB_CLAIM_COPY_NUMBER = -16,    /* uint: number of a copy from the register, from 1 */
    VB_CLAIM_HIGH_QUALITY = -17,   /* true: "chương trình chất lượng cao" (optional) */
    VB_CLAIM_CRITICAL = -24,       /* array of claim keys a verifier must understand */
};

typedef enum {
    VB_TYPE_COLLEGE = 1,               /* Bằng tốt nghiệp cao đẳng */
    VB_TYPE_INTERMEDIATE = 2,          /* Bằng tốt nghiệp trung cấp */
    VB_TYPE_VOCATIONAL_SECONDARY = 3,  /* Bằng trung học nghề */
    VB_TYPE_ELEMENTARY = 4,            /* Chứng chỉ sơ cấp */
    VB_TYPE_OTHER_CERTIFICATE = 5,     /* Chứng chỉ (đào tạo thường xuyên, …) */
} vb_credential_type;
#define VB_TYPE_MAX 5

typedef enum { VB_GENDER_NONE = 0, VB_GENDER_MALE = 1, VB_GENDER_FEMALE = 2 } vb_gender;
#define VB_GENDER_MAX 2

typedef enum {
    VB_CLASS_NONE = 0,
    VB_CLASS_EXCELLENT = 1,     /* Xuất sắc */
    VB_CLASS_VERY_GOOD = 2,     /* Giỏi */
    VB_CLASS_GOOD = 3,          /* Khá */
    VB_CLASS_FAIRLY_GOOD = 4,   /* Trung bình khá (older diplomas) */
    VB_CLASS_AVERAGE = 5,       /* Trung bình */
} vb_classification;
#define VB_CLASS_MAX 5

typedef enum {
    VB_MODE_NONE = 0,
    VB_MODE_FULL_TIME = 1,      /* Chính quy */
    VB_MODE_WORK_STUDY = 2,     /* Vừa làm vừa học */
    VB_MODE_DISTANCE = 3,       /* Học từ xa */
    VB_MODE_GUIDED_SELF = 4,    /* Tự học có hướng dẫn */
} vb_training_mode;
#define VB_MODE_MAX 4

typedef enum { VB_KIND_ORIGINAL = 1, VB_KIND_CORRECTION = 2, VB_KIND_COPY = 3 } vb_kind;
#define VB_KIND_MAX 3

#endif
