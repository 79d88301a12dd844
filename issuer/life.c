/*
 * issuer/life.c — the life of a credential after its issue: `revoke`, `correct` and `copy`.
 *
 * Each is one transaction on the register: the rules are checked (register.c checks them
 * again inside the transaction), the new record is signed, appended with its event, and a
 * checkpoint of the log is signed when the key is at hand. The QR pictures of a correction or
 * a copy are written after the commit (each atomically), so there is never a picture of a
 * record the register does not hold; if the program dies between the two, `show` prints the
 * link to draw it again with `vanbang-issue qr`.
 *
 * What a correction and a copy are (DOMAIN.md): the issued record is never edited. A correction
 * is a new signed record (kind 2) naming the record it supersedes; a copy from the register is a
 * new signed record (kind 3) with its own copy number. Both are the same credential in the
 * register: they keep its serial number, register number and register year (each number is on
 * exactly one credential, and a correction is not a new credential), and take a new record id,
 * a new signing time, and the date and place of their own issue.
 */
#include "issuer.h"

#include "register.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

vb_status issuer_locate(vb_register *reg, const char *serial, uint64_t record_option, uint64_t *record_id,
                        vb_error *err)
{
    if (record_option) {
        *record_id = record_option;
        return VB_OK;
    }
    uint64_t original;
    vb_status s = vb_register_find_serial(reg, serial, &original, err);
    if (s != VB_OK)
        return s;
    if (!original)
        return vb_fail(err, VB_ERR_REGISTER_NOT_FOUND, "no credential with serial %s in %s (try 'vanbang-issue search')",
                       serial, vb_register_path(reg));
    return vb_register_current(reg, original, record_id, err);
}

/* Loads the record the verb acts on; VB_ERR_REGISTER_NOT_FOUND if there is none. */
static vb_status life_load(vb_register *reg, const char *serial, uint64_t record_option, vb_register_record *record,
                           vb_error *err)
{
    uint64_t record_id;
    bool found;
    vb_status s = issuer_locate(reg, serial, record_option, &record_id, err);
    if (s == VB_OK)
        s = vb_register_load(reg, record_id, record, &found, err);
    if (s == VB_OK && !found)
        s = vb_fail(err, VB_ERR_REGISTER_NOT_FOUND, "no record %llu in %s", (unsigned long long)record_id,
                    vb_register_path(reg));
    if (s == VB_OK && serial && record_option && strcmp(serial, record->credential.serial) != 0)
        s = vb_fail(err, VB_ERR_ARGUMENT, "record %llu has serial %s, not %s", (unsigned long long)record_id,
                    record->credential.serial, serial);
    return s;
}

/* ---------------------------------------------------------------- revoke */

static const char revoke_help[] =
    "NAME\n"
    "    vanbang-issue revoke — revoke a credential (thu hồi, hủy bỏ) by decision\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue revoke SERIAL --register FILE --reason GROUND --decision NUMBER\n"
    "                         [--decision-date DD/MM/YYYY] [--record ID] [--actor NAME]\n"
    "                         [--key FILE --cert FILE [--passphrase-fd N]]\n"
    "\n"
    "DESCRIPTION\n"
    "    Appends a 'revoke' event to the register: the credential with this serial — its original, its\n"
    "    corrections and its copies alike — is revoked from now on, with the ground and the decision\n"
    "    that the publication and the verifiers show. Nothing is deleted: the register keeps the\n"
    "    records and says they are revoked. A credential is revoked once; revoking again is refused.\n"
    "    With --key and --cert, a checkpoint of the register's log is signed as well (else the next\n"
    "    issue, correct or copy signs one that covers it).\n"
    "\n"
    "OPTIONS\n"
    "    --register FILE        the school's register\n"
    "    --reason GROUND        fraud (gian lận); not-eligible (issued to someone not eligible);\n"
    "                           no-authority (issued without authority); altered (erased or altered);\n"
    "                           lent (lent to someone else); issuer-error (error of the issuer)\n"
    "    --decision NUMBER      the revocation decision (số quyết định), required\n"
    "    --decision-date DATE   its date, dd/mm/yyyy\n"
    "    --record ID            name the credential by one of its record ids instead of the serial\n"
    "    --actor NAME           who enters the revocation (default: the login name)\n"
    "    --key, --cert, --passphrase-fd   to sign a log checkpoint\n"
    "\n"
    "EXIT STATUS\n"
    "    0 revoked; 1 refused (unknown serial, already revoked); 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue revoke 2026000042 --register register.db --reason fraud \\\n"
    "        --decision 123/QĐ-CĐN --decision-date 01/09/2026\n";

typedef struct {
    const char *register_path, *serial, *decision, *actor, *key, *cert, *base_url, *place, *out, *ecc, *trust,
        *anchor;
    int reason;
    bool has_decision_date, png, svg;
    int32_t decision_date, issue_date;
    uint64_t record;
    int passphrase_fd;
} life_options;

enum {
    OPTION_REGISTER = 256,
    OPTION_REASON,
    OPTION_DECISION,
    OPTION_DECISION_DATE,
    OPTION_RECORD,
    OPTION_ACTOR,
    OPTION_KEY,
    OPTION_CERT,
    OPTION_BASE_URL,
    OPTION_PLACE,
    OPTION_OUT,
    OPTION_ISSUE_DATE,
    OPTION_QR,
    OPTION_ECC,
    OPTION_TRUST,
    OPTION_ANCHOR,
    OPTION_PASSPHRASE_FD,
    OPTION_PASSPHRASE,
    OPTION_HELP,
};

static const struct option life_long_options[] = {
    {"register", required_argument, NULL, OPTION_REGISTER},
    {"reason", required_argument, NULL, OPTION_REASON},
    {"decision", required_argument, NULL, OPTION_DECISION},
    {"decision-date", required_argument, NULL, OPTION_DECISION_DATE},
    {"record", required_argument, NULL, OPTION_RECORD},
    {"actor", required_argument, NULL, OPTION_ACTOR},
    {"key", required_argument, NULL, OPTION_KEY},
    {"cert", required_argument, NULL, OPTION_CERT},
    {"base-url", required_argument, NULL, OPTION_BASE_URL},
    {"place", required_argument, NULL, OPTION_PLACE},
    {"out", required_argument, NULL, OPTION_OUT},
    {"issue-date", required_argument, NULL, OPTION_ISSUE_DATE},
    {"qr", required_argument, NULL, OPTION_QR},
    {"ecc", required_argument, NULL, OPTION_ECC},
    {"trust", required_argument, NULL, OPTION_TRUST},
    {"anchor", required_argument, NULL, OPTION_ANCHOR},
    {"passphrase-fd", required_argument, NULL, OPTION_PASSPHRASE_FD},
    {"passphrase", required_argument, NULL, OPTION_PASSPHRASE},
    {"help", no_argument, NULL, OPTION_HELP},
    {NULL, 0, NULL, 0},
};

/* Parses the options every life verb shares; positional arguments are left in order at
 * argv[optind..]. Returns 0, -1 after --help, or an exit status. */
static int life_parse(const char *verb, const char *help, int argc, char **argv, life_options *o, int *first_operand)
{
    unsigned long long number;
    int c;
    memset(o, 0, sizeof *o);
    o->passphrase_fd = -1;
    o->ecc = "M";
    o->png = o->svg = true;
    o->issue_date = issuer_today();
    /* '+': stop at nothing, but keep operands ("field=value") in place for the caller. */
    while ((c = getopt_long(argc, argv, "-", life_long_options, NULL)) != -1) {
        switch (c) {
        case 1: /* an operand, in order */
            argv[(*first_operand)++] = optarg;
            break;
        case OPTION_REGISTER: o->register_path = optarg; break;
        case OPTION_REASON:
            if (strcmp(verb, "revoke") == 0 ? !(o->reason = vb_register_revoke_reason_parse(optarg))
                                            : !(o->reason = vb_register_correct_reason_parse(optarg)))
                return issuer_usage(verb, "unknown --reason", optarg);
            break;
        case OPTION_DECISION: o->decision = optarg; break;
        case OPTION_DECISION_DATE:
            if (!vb_date_parse_dmy(optarg, &o->decision_date))
                return issuer_usage(verb, "--decision-date needs a real date as dd/mm/yyyy, not", optarg);
            o->has_decision_date = true;
            break;
        case OPTION_ISSUE_DATE:
            if (!vb_date_parse_dmy(optarg, &o->issue_date))
                return issuer_usage(verb, "--issue-date needs a real date as dd/mm/yyyy, not", optarg);
            break;
        case OPTION_RECORD:
            if (!issuer_parse_unsigned(optarg, INT64_MAX, &number) || number == 0)
                return issuer_usage(verb, "--record needs a record id from 1, not", optarg);
            o->record = number;
            break;
        case OPTION_ACTOR: o->actor = optarg; break;
        case OPTION_KEY: o->key = optarg; break;
        case OPTION_CERT: o->cert = optarg; break;
        case OPTION_BASE_URL: o->base_url = optarg; break;
        case OPTION_PLACE: o->place = optarg; break;
        case OPTION_OUT: o->out = optarg; break;
        case OPTION_ECC: o->ecc = optarg; break;
        case OPTION_TRUST: o->trust = optarg; break;
        case OPTION_ANCHOR: o->anchor = optarg; break;
        case OPTION_QR:
            o->png = strstr(optarg, "png") != NULL;
            o->svg = strstr(optarg, "svg") != NULL;
            if (!o->png && !o->svg && strcmp(optarg, "none") != 0)
                return issuer_usage(verb, "--qr takes png, svg, png,svg or none, not", optarg);
            break;
        case OPTION_PASSPHRASE_FD:
            if (!issuer_parse_unsigned(optarg, 1023, &number))
                return issuer_usage(verb, "--passphrase-fd needs a file descriptor number", NULL);
            o->passphrase_fd = (int)number;
            break;
        case OPTION_PASSPHRASE:
            return issuer_usage(verb, "passphrases are never taken from the command line; use --passphrase-fd N or "
                                    "VANBANG_PASSPHRASE",
                              NULL);
        case OPTION_HELP: fputs(help, stdout); return -1;
        default: return issuer_usage(verb, "unknown option", NULL);
        }
    }
    if (!o->register_path)
        return issuer_usage(verb, "--register is required", NULL);
    if (!o->trust != !o->anchor)
        return issuer_usage(verb, "--trust and --anchor go together", NULL);
    return 0;
}

int issuer_revoke(int argc, char **argv)
{
    life_options o;
    int operands = 1, status;
    vb_error err = {0};
    if ((status = life_parse("revoke", revoke_help, argc, argv, &o, &operands)) != 0)
        return status < 0 ? 0 : status;
    if (operands > 2)
        return issuer_usage("revoke", "one serial at a time; unexpected", argv[2]);
    o.serial = operands == 2 ? argv[1] : NULL;
    if (!o.serial && !o.record)
        return issuer_usage("revoke", "name the credential: SERIAL or --record ID", NULL);
    if (!o.reason)
        return issuer_usage("revoke", "--reason is required (fraud, not-eligible, no-authority, altered, lent, "
                                    "issuer-error)",
                          NULL);
    if (!o.decision || !o.decision[0])
        return issuer_usage("revoke", "--decision NUMBER is required: a revocation follows a decision", NULL);
    if (!o.key != !o.cert)
        return issuer_usage("revoke", "--key and --cert go together", NULL);

    vb_register *reg;
    vb_register_record *record = malloc(sizeof *record);
    char actor[VB_REGISTER_ACTOR_BYTES + 1], school_code[VB_MAX_SCHOOL_CODE_BYTES + 1];
    vb_cose_signer signer = {0};
    uint64_t sequence = 0;
    vb_log_checkpoint checkpoint = {0};
    if (!record)
        return ISSUER_EXIT_USAGE;
    vb_status s = vb_register_open(o.register_path, &reg, &err);
    if (s != VB_OK) {
        free(record);
        return issuer_report(&err);
    }
    s = life_load(reg, o.serial, o.record, record, &err);
    if (s == VB_OK && o.key) {
        s = issuer_unlock_key(o.cert, o.key, o.passphrase_fd, &signer, school_code, &err);
        if (s == VB_OK)
            s = issuer_check_school(reg, school_code, &err);
    }
    if (s == VB_OK)
        s = vb_register_begin(reg, &err);
    if (s == VB_OK) {
        s = vb_register_revoke(reg, record->record_id, o.reason, o.decision, o.has_decision_date, o.decision_date,
                               issuer_actor(o.actor, actor, sizeof actor), (int64_t)time(NULL), &sequence, &err);
        if (s == VB_OK && o.key)
            s = issuer_sign_checkpoint(reg, &signer, school_code, &checkpoint, &err);
        s = s == VB_OK ? vb_register_commit(reg, &err) : (vb_register_rollback(reg), s);
    }
    if (signer.context)
        vb_cose_signer_free(&signer);
    if (s == VB_OK) {
        char date[16] = "";
        if (o.has_decision_date)
            vb_date_format_dmy(o.decision_date, date, sizeof date);
        printf("revoked serial %s (%s, register number %u/%u): ground %s — %s; decision %s%s%s; event %llu%s\n",
               record->credential.serial, vb_credential_type_name(record->credential.type, true),
               record->credential.register_number, record->credential.register_year,
               vb_register_revoke_reason_name(o.reason), vb_register_revoke_reason_text(o.reason, false), o.decision,
               date[0] ? " of " : "", date, (unsigned long long)sequence,
               o.key ? "; log checkpoint signed" : "");
    }
    vb_register_close(reg);
    free(record);
    return s == VB_OK ? 0 : issuer_report(&err);
}

/* ---------------------------------------------------------------- correct and copy */

static const char correct_help[] =
    "NAME\n"
    "    vanbang-issue correct — issue a correcting record (chỉnh sửa) that supersedes the current one\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue correct SERIAL FIELD=VALUE ... --register FILE --decision NUMBER\n"
    "                          [--decision-date DD/MM/YYYY] [--reason GROUND] --key FILE --cert FILE\n"
    "                          --out DIR [--base-url URL] [--place TEXT] [--issue-date DD/MM/YYYY]\n"
    "                          [--record ID] [--qr png,svg] [--ecc L|M|Q|H] [--trust FILE --anchor FILE]\n"
    "                          [--passphrase-fd N] [--actor NAME]\n"
    "\n"
    "DESCRIPTION\n"
    "    A correction follows a decision (change of civil status, re-determined sex or ethnicity, late\n"
    "    birth registration, an error of the issuer). The issued record is never edited: this signs a\n"
    "    new record (kind correction) that names the record it supersedes, with the fields changed, and\n"
    "    appends a 'correct' event. It keeps the credential's serial number, register number and year —\n"
    "    a correction is the same credential, so it takes no new number — and carries its own record id,\n"
    "    date and place of issue. The old record stays in the register, shown as superseded.\n"
    "    Only the current record is corrected (a second correction corrects the first); a revoked\n"
    "    credential is never corrected.\n"
    "\n"
    "FIELDS\n"
    "    name=TEXT  birth_date=DD/MM/YYYY  gender=Nam|Nữ  program_code=CODE  program_name=TEXT\n"
    "    classification=Xuất sắc|Giỏi|Khá|Trung bình khá|Trung bình|none\n"
    "    training_mode=Chính quy|Vừa làm vừa học|Học từ xa|Tự học có hướng dẫn|none\n"
    "    high_quality=yes|no\n"
    "    personal_id=-   the personal identification number, read from standard input (it is kept in\n"
    "                    the register only: never signed, printed or shown)\n"
    "\n"
    "OPTIONS\n"
    "    --register FILE        the school's register\n"
    "    --decision NUMBER      the correcting decision, required; --decision-date its date\n"
    "    --reason GROUND        civil-status, sex, ethnicity, late-registration or issuer-error\n"
    "    --key, --cert          the school's signing key and certificate\n"
    "    --out DIR              where the QR pictures go: DIR/SERIAL-correction-ID.png and .svg\n"
    "    --base-url, --place    defaults: the register's base URL, the corrected record's place\n"
    "    --issue-date DATE      date of issue of the correction (default today)\n"
    "    --record ID            the record to correct, by id (it must be the current one)\n"
    "    --qr, --ecc, --trust, --anchor, --passphrase-fd, --actor   as for 'issue'\n"
    "\n"
    "EXIT STATUS\n"
    "    0 corrected; 1 refused (revoked, superseded, nothing changed, bad value); 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue correct 2026000042 'name=Trần Đình Khánh' --register register.db \\\n"
    "        --decision 15/QĐ-CĐN --reason civil-status --key school.key --cert school.crt --out fixes\n";

static const char copy_help[] =
    "NAME\n"
    "    vanbang-issue copy — issue a copy from the register (bản sao từ sổ gốc)\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue copy SERIAL --register FILE --key FILE --cert FILE --out DIR\n"
    "                       [--base-url URL] [--place TEXT] [--issue-date DD/MM/YYYY] [--record ID]\n"
    "                       [--qr png,svg] [--ecc L|M|Q|H] [--trust FILE --anchor FILE]\n"
    "                       [--passphrase-fd N] [--actor NAME]\n"
    "\n"
    "DESCRIPTION\n"
    "    A lost diploma is replaced by a copy from the register, never by a second original. This signs\n"
    "    a new record (kind copy, copy number one more than the copies so far) reproducing the\n"
    "    credential's current record — after its corrections — with the same serial and register\n"
    "    number, and appends a 'copy' event. A revoked credential is never copied.\n"
    "\n"
    "OPTIONS\n"
    "    --register, --key, --cert, --out, --base-url, --place, --issue-date, --record, --qr, --ecc,\n"
    "    --trust, --anchor, --passphrase-fd, --actor   as for 'correct'; pictures go to\n"
    "    DIR/SERIAL-copy-N.png and .svg\n"
    "\n"
    "EXIT STATUS\n"
    "    0 copied; 1 refused (revoked, unknown serial); 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue copy 2026000042 --register register.db --key school.key --cert school.crt --out copies\n";

/* Applies FIELD=VALUE to the credential; personal_id=- reads the number from stdin into
 * personal_id. Returns 0 or an exit status. */
static int apply_field(const char *operand, vb_credential *c, char personal_id[16], bool *changed)
{
    const char *equals = strchr(operand, '=');
    if (!equals)
        return issuer_usage("correct", "a correction is FIELD=VALUE, not", operand);
    size_t name_length = (size_t)(equals - operand);
    const char *value = equals + 1;
    char field[32];
    if (name_length >= sizeof field)
        return issuer_usage("correct", "unknown field in", operand);
    snprintf(field, sizeof field, "%.*s", (int)name_length, operand);
    *changed = true;
    if (strcmp(field, "name") == 0 || strcmp(field, "program_name") == 0) {
        char nfc[VB_TEXT_FIELD * 2], collapsed[VB_TEXT_FIELD];
        size_t o = 0;
        bool space = false;
        if (!vb_text_to_nfc(value, strlen(value), nfc, sizeof nfc))
            return issuer_usage("correct", "not UTF-8 or too long:", field);
        for (const char *p = nfc; *p && o + 2 < sizeof collapsed; p++) {
            if (*p == ' ' || *p == '\t') {
                space = o > 0;
                continue;
            }
            if (space)
                collapsed[o++] = ' ';
            space = false;
            collapsed[o++] = *p;
        }
        collapsed[o] = '\0';
        if (!collapsed[0])
            return issuer_usage("correct", "an empty value for", field);
        char *target = strcmp(field, "name") == 0 ? c->name : c->program_name;
        snprintf(target, VB_TEXT_FIELD, "%s", collapsed);
    } else if (strcmp(field, "birth_date") == 0) {
        if (!vb_date_parse_dmy(value, &c->birth_date))
            return issuer_usage("correct", "birth_date needs a real date as dd/mm/yyyy, not", value);
    } else if (strcmp(field, "gender") == 0) {
        if (strcmp(value, "none") == 0)
            c->gender = VB_GENDER_NONE;
        else if (!(c->gender = vb_gender_parse(value)))
            return issuer_usage("correct", "gender is Nam or Nữ (or none), not", value);
    } else if (strcmp(field, "classification") == 0) {
        if (strcmp(value, "none") == 0)
            c->classification = VB_CLASS_NONE;
        else if (!(c->classification = vb_classification_parse(value)))
            return issuer_usage("correct", "classification is Xuất sắc, Giỏi, Khá, Trung bình khá, Trung bình or none, "
                                         "not",
                              value);
    } else if (strcmp(field, "training_mode") == 0) {
        if (strcmp(value, "none") == 0)
            c->training_mode = VB_MODE_NONE;
        else if (!(c->training_mode = vb_training_mode_parse(value)))
            return issuer_usage("correct", "unknown training_mode", value);
    } else if (strcmp(field, "program_code") == 0) {
        snprintf(c->program_code, sizeof c->program_code, "%s", value);
        if (strlen(value) >= sizeof c->program_code)
            return issuer_usage("correct", "program_code is too long:", value);
    } else if (strcmp(field, "high_quality") == 0) {
        if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
            return issuer_usage("correct", "high_quality is yes or no, not", value);
        c->high_quality = strcmp(value, "yes") == 0;
    } else if (strcmp(field, "personal_id") == 0) {
        if (strcmp(value, "-") != 0)
            return issuer_usage("correct", "give the personal identification number on standard input (personal_id=-): "
                                         "on the command line it would stay in the shell history",
                              NULL);
        char line[64];
        if (!fgets(line, sizeof line, stdin))
            return issuer_usage("correct", "personal_id=- found nothing on standard input", NULL);
        line[strcspn(line, "\r\n")] = '\0';
        snprintf(personal_id, 16, "%.13s", line);
        explicit_bzero(line, sizeof line);
    } else {
        return issuer_usage("correct", "unknown field (name, birth_date, gender, program_code, program_name, "
                                     "classification, training_mode, high_quality, personal_id)",
                          field);
    }
    return 0;
}

static bool same_printed_fields(const vb_credential *a, const vb_credential *b)
{
    return strcmp(a->name, b->name) == 0 && a->birth_date == b->birth_date && a->gender == b->gender &&
           strcmp(a->program_code, b->program_code) == 0 && strcmp(a->program_name, b->program_name) == 0 &&
           a->classification == b->classification && a->training_mode == b->training_mode &&
           a->high_quality == b->high_quality;
}

static vb_status count_copies(void *context, const vb_register_record *record, vb_error *err)
{
    (void)err;
    if (record->credential.kind == VB_KIND_COPY)
        (*(uint32_t *)context)++;
    return VB_OK;
}

/* correct (kind VB_KIND_CORRECTION) and copy (VB_KIND_COPY). */
static int derive(int kind, int argc, char **argv)
{
    const char *verb = kind == VB_KIND_CORRECTION ? "correct" : "copy";
    life_options o;
    int operands = 1, status;
    vb_error err = {0};
    if ((status = life_parse(verb, kind == VB_KIND_CORRECTION ? correct_help : copy_help, argc, argv, &o, &operands)) !=
        0)
        return status < 0 ? 0 : status;
    /* The serial is the first operand unless --record names the credential. */
    int first_field = 1;
    if (operands > 1 && !strchr(argv[1], '=')) {
        o.serial = argv[1];
        first_field = 2;
    }
    if (!o.serial && !o.record)
        return issuer_usage(verb, "name the credential: SERIAL or --record ID", NULL);
    if (kind == VB_KIND_COPY && operands > first_field)
        return issuer_usage(verb, "unexpected argument", argv[first_field]);
    if (kind == VB_KIND_CORRECTION && operands == first_field)
        return issuer_usage(verb, "say what to correct: FIELD=VALUE ...", NULL);
    if (kind == VB_KIND_CORRECTION && (!o.decision || !o.decision[0]))
        return issuer_usage(verb, "--decision NUMBER is required: a correction follows a decision", NULL);
    if (kind == VB_KIND_COPY && (o.decision || o.reason))
        return issuer_usage(verb, "a copy from the register takes no --decision or --reason", NULL);
    if (!o.key || !o.cert || !o.out)
        return issuer_usage(verb, "--key, --cert and --out are required", NULL);
    QRecLevel level;
    if (vb_qr_level_from_name(o.ecc, &level, &err) != VB_OK)
        return issuer_usage(verb, "--ecc takes L, M, Q or H, not", o.ecc);

    vb_register *reg;
    vb_register_record *current = malloc(sizeof *current);
    if (!current)
        return ISSUER_EXIT_USAGE;
    vb_status s = vb_register_open(o.register_path, &reg, &err);
    if (s != VB_OK) {
        free(current);
        return issuer_report(&err);
    }
    /* Early, clear refusals before the passphrase is asked; the register checks again. */
    s = life_load(reg, o.serial, o.record, current, &err);
    if (s == VB_OK && current->state == VB_STATE_REVOKED)
        s = vb_fail(&err, VB_ERR_REGISTER_REFUSED, "serial %s was revoked (decision %s); a revoked credential is "
                                                   "never %s",
                    current->credential.serial, current->revoke_decision,
                    kind == VB_KIND_CORRECTION ? "corrected" : "copied");
    else if (s == VB_OK && current->credential.kind == VB_KIND_COPY)
        s = vb_fail(&err, VB_ERR_REGISTER_REFUSED, "record %llu is a copy from the register; %s the credential "
                                                   "(its serial %s) instead",
                    (unsigned long long)current->record_id, verb, current->credential.serial);
    else if (s == VB_OK && current->state == VB_STATE_SUPERSEDED)
        s = vb_fail(&err, VB_ERR_REGISTER_REFUSED,
                    "record %llu was superseded by record %llu; %s the current record: vanbang-issue %s %s",
                    (unsigned long long)current->record_id, (unsigned long long)current->superseded_by, verb, verb,
                    current->credential.serial);

    vb_credential credential = s == VB_OK ? current->credential : (vb_credential){0};
    char personal_id[16] = "";
    bool changed = false;
    for (int i = first_field; s == VB_OK && i < operands; i++) {
        bool field_changed;
        if ((status = apply_field(argv[i], &credential, personal_id, &field_changed)) != 0) {
            vb_register_close(reg);
            free(current);
            explicit_bzero(personal_id, sizeof personal_id);
            return status;
        }
        changed |= field_changed;
    }
    if (s == VB_OK && kind == VB_KIND_CORRECTION && same_printed_fields(&credential, &current->credential) &&
        !personal_id[0])
        s = vb_fail(&err, VB_ERR_REGISTER_REFUSED, "the correction changes nothing on serial %s",
                    current->credential.serial);
    if (s == VB_OK && personal_id[0])
        s = vb_register_check_personal_id(personal_id, credential.birth_date, credential.gender, &err);
    (void)changed;

    char base_url[VB_REGISTER_SETTING_BYTES] = "", school_code[VB_MAX_SCHOOL_CODE_BYTES + 1];
    bool found;
    if (s == VB_OK && !o.base_url)
        s = vb_register_setting(reg, "base_url", base_url, sizeof base_url, &found, &err);
    else if (o.base_url)
        snprintf(base_url, sizeof base_url, "%s", o.base_url);
    if (s == VB_OK && !base_url[0])
        s = vb_fail(&err, VB_ERR_ARGUMENT, "--base-url is required (the register has no default)");
    vb_trust_list catalog = {0};
    vb_cose_signer signer = {0};
    if (s == VB_OK && o.trust)
        s = issuer_load_catalog(o.trust, o.anchor, &catalog, &err);
    if (s == VB_OK)
        s = issuer_unlock_key(o.cert, o.key, o.passphrase_fd, &signer, school_code, &err);
    if (s == VB_OK)
        s = issuer_check_school(reg, school_code, &err);
    if (s == VB_OK && (status = issuer_make_directory(o.out)) != 0)
        s = vb_fail(&err, VB_ERR_IO, "cannot create %s", o.out);

    /* The new record, in one transaction with its event and a checkpoint. */
    uint8_t record[VB_MAX_RECORD_BYTES];
    size_t record_length = 0;
    uint64_t record_id = 0, sequence = 0;
    char actor[VB_REGISTER_ACTOR_BYTES + 1];
    vb_log_checkpoint checkpoint;
    if (s == VB_OK)
        s = vb_register_begin(reg, &err);
    if (s == VB_OK) {
        s = vb_register_next_record_id(reg, &record_id, &err);
        credential.kind = kind;
        credential.record_id_length = vb_register_record_id_bytes(record_id, credential.record_id);
        credential.supersedes_length = 0;
        credential.copy_number = 0;
        if (kind == VB_KIND_CORRECTION) {
            credential.supersedes_length = vb_register_record_id_bytes(current->record_id, credential.supersedes);
        } else if (s == VB_OK) {
            vb_register_query lineage = {current->original_id, NULL, NULL, false, 0};
            s = vb_register_each_record(reg, &lineage, count_copies, &credential.copy_number, &err);
            credential.copy_number++;
        }
        credential.signed_at = (int64_t)time(NULL);
        credential.issue_date = o.issue_date;
        if (o.place)
            snprintf(credential.issue_place, sizeof credential.issue_place, "%s", o.place);
        issuer_apply_catalog(&catalog, &credential);
        if (s == VB_OK)
            s = vb_record_sign(&signer, &credential, record, sizeof record, &record_length, &err);
        vb_register_append append = {&credential,
                                     record,
                                     record_length,
                                     kind == VB_KIND_COPY ? current->record_id : 0,
                                     personal_id[0] ? personal_id : NULL,
                                     o.decision,
                                     o.has_decision_date,
                                     o.decision_date,
                                     kind == VB_KIND_CORRECTION ? o.reason : 0,
                                     0,
                                     issuer_actor(o.actor, actor, sizeof actor),
                                     (int64_t)time(NULL)};
        if (s == VB_OK)
            s = vb_register_append_record(reg, &append, &sequence, &err);
        if (s == VB_OK)
            s = issuer_sign_checkpoint(reg, &signer, school_code, &checkpoint, &err);
        s = s == VB_OK ? vb_register_commit(reg, &err) : (vb_register_rollback(reg), s);
    }
    explicit_bzero(personal_id, sizeof personal_id);

    /* Committed: the pictures. */
    char link[VB_MAX_LINK_CHARS + 1] = "", png[4096] = "", svg[4096] = "";
    int version = 0;
    if (s == VB_OK) {
        char stem[VB_TEXT_FIELD];
        issuer_file_stem(credential.serial, stem, sizeof stem);
        if (kind == VB_KIND_CORRECTION) {
            snprintf(png, sizeof png, "%s/%s-correction-%llu.png", o.out, stem, (unsigned long long)record_id);
            snprintf(svg, sizeof svg, "%s/%s-correction-%llu.svg", o.out, stem, (unsigned long long)record_id);
        } else {
            snprintf(png, sizeof png, "%s/%s-copy-%u.png", o.out, stem, credential.copy_number);
            snprintf(svg, sizeof svg, "%s/%s-copy-%u.svg", o.out, stem, credential.copy_number);
        }
        s = issuer_link(base_url, record, record_length, link, sizeof link, &err);
        if (s == VB_OK && (o.png || o.svg))
            s = issuer_write_pictures(link, level, o.png ? png : NULL, o.svg ? svg : NULL, true, &version, &err);
        if (s != VB_OK)
            fprintf(stderr, ISSUER_PROGRAM ": record %llu is in the register, but its QR code could not be "
                            "written; draw it again from the link that 'vanbang-issue show' prints\n",
                    (unsigned long long)record_id);
    }
    if (s == VB_OK) {
        if (kind == VB_KIND_CORRECTION)
            printf("corrected serial %s: record %llu supersedes record %llu (decision %s%s%s); event %llu\n",
                   credential.serial, (unsigned long long)record_id, (unsigned long long)current->record_id,
                   o.decision, o.reason ? ", ground " : "", o.reason ? vb_register_correct_reason_name(o.reason) : "",
                   (unsigned long long)sequence);
        else
            printf("copy %u from the register of serial %s: record %llu, reproducing record %llu; event %llu\n",
                   credential.copy_number, credential.serial, (unsigned long long)record_id,
                   (unsigned long long)current->record_id, (unsigned long long)sequence);
        if (o.png || o.svg)
            printf("  QR code: %s%s%s\n", o.png ? png : "", o.png && o.svg ? ", " : "", o.svg ? svg : "");
        printf("  link: %s\n", link);
    }
    if (signer.context)
        vb_cose_signer_free(&signer);
    vb_trust_free(&catalog);
    vb_register_close(reg);
    free(current);
    return s == VB_OK ? 0 : issuer_report(&err);
}

int issuer_correct(int argc, char **argv) { return derive(VB_KIND_CORRECTION, argc, argv); }
int issuer_copy(int argc, char **argv) { return derive(VB_KIND_COPY, argc, argv); }
