/*
 * describe.c — credentials and verdicts in words (see describe.h).
 */
#include "describe.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Appends to a fixed buffer, cutting at its end; *used never passes out_size - 1. */
static void append_va(char *out, size_t out_size, size_t *used, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void append_va(char *out, size_t out_size, size_t *used, const char *fmt, va_list ap)
{
    if (*used >= out_size)
        return;
    int n = vsnprintf(out + *used, out_size - *used, fmt, ap);
    if (n > 0)
        *used += (size_t)n < out_size - *used ? (size_t)n : out_size - *used - 1;
}

static void append(char *out, size_t out_size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *out, size_t out_size, size_t *used, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    append_va(out, out_size, used, fmt, ap);
    va_end(ap);
}

/* One "label: value" line. The label is padded in characters, not bytes ("%-22s" would count
 * the bytes of Vietnamese letters and misalign the values). */
static void field(char *out, size_t out_size, size_t *used, bool english, const char *vietnamese_label,
                  const char *english_label, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void field(char *out, size_t out_size, size_t *used, bool english, const char *vietnamese_label,
                  const char *english_label, const char *fmt, ...)
{
    const char *label = english ? english_label : vietnamese_label;
    size_t characters = 0;
    for (const char *p = label; *p; p++)
        characters += ((unsigned char)*p & 0xc0) != 0x80;
    append(out, out_size, used, "%s%*s", label, characters < 22 ? (int)(22 - characters) : 1, "");
    va_list ap;
    va_start(ap, fmt);
    append_va(out, out_size, used, fmt, ap);
    va_end(ap);
    append(out, out_size, used, "\n");
}

void vb_describe_hex(const uint8_t *bytes, size_t length, char *out, size_t out_size)
{
    static const char digits[] = "0123456789abcdef";
    size_t used = 0;
    for (size_t i = 0; i < length && used + 3 <= out_size; i++) {
        out[used++] = digits[bytes[i] >> 4];
        out[used++] = digits[bytes[i] & 15];
    }
    if (out_size)
        out[used] = '\0';
}

void vb_describe_record_id(const uint8_t *bytes, size_t length, char *out, size_t out_size)
{
    /* vanbang's issuer writes its register sequence number big-endian; show it as that number
     * (what the register's `show` prints), and anything longer than 8 bytes as hex. */
    if (length == 0 || length > 8) {
        vb_describe_hex(bytes, length, out, out_size);
        return;
    }
    uint64_t value = 0;
    for (size_t i = 0; i < length; i++)
        value = value << 8 | bytes[i];
    snprintf(out, out_size, "%llu", (unsigned long long)value);
}

void vb_describe_credential(const vb_credential *c, bool english, char *out, size_t out_size)
{
    size_t used = 0;
    char date[16], id[2 * VB_MAX_RECORD_ID_BYTES + 1], kind[80];
    const char *type = vb_credential_type_name(c->type, english);

    out[0] = '\0';
    field(out, out_size, &used, english, "Văn bằng:", "Credential:", "%s", type ? type : "—");
    field(out, out_size, &used, english, "Họ và tên:", "Full name:", "%s", c->name);
    vb_date_format_dmy(c->birth_date, date, sizeof date);
    field(out, out_size, &used, english, "Ngày sinh:", "Date of birth:", "%s", date);
    if (c->gender)
        field(out, out_size, &used, english, "Giới tính:", "Gender:", "%s", vb_gender_name(c->gender, english));
    field(out, out_size, &used, english, "Ngành/nghề:", "Program:", "%s%s%s",
          c->program_name[0] ? c->program_name : (english ? "(name not in the catalog)" : "(tên không có trong danh mục)"),
          c->program_code[0] ? " — " : "", c->program_code);
    if (c->classification)
        field(out, out_size, &used, english, "Xếp loại:", "Classification:", "%s",
              vb_classification_name(c->classification, english));
    if (c->training_mode)
        field(out, out_size, &used, english, "Hình thức đào tạo:", "Mode of study:", "%s",
              vb_training_mode_name(c->training_mode, english));
    if (c->high_quality)
        field(out, out_size, &used, english, "", "", "%s",
              english ? "High-quality programme" : "Chương trình chất lượng cao");
    vb_date_format_dmy(c->issue_date, date, sizeof date);
    field(out, out_size, &used, english, "Nơi cấp, ngày cấp:", "Issued at, on:", "%s, %s", c->issue_place, date);
    field(out, out_size, &used, english, "Số hiệu:", "Serial number:", "%s", c->serial);
    field(out, out_size, &used, english, "Số vào sổ gốc:", "Register number:", "%u/%u", c->register_number,
          c->register_year);
    field(out, out_size, &used, english, "Mã trường:", "School code:", "%s", c->school_code);
    snprintf(kind, sizeof kind, "%s", vb_kind_name(c->kind, english));
    if (c->kind == VB_KIND_COPY)
        snprintf(kind, sizeof kind, "%s %s %u", vb_kind_name(c->kind, english), english ? "no." : "số", c->copy_number);
    if (c->kind == VB_KIND_CORRECTION) {
        vb_describe_record_id(c->supersedes, c->supersedes_length, id, sizeof id);
        snprintf(kind, sizeof kind, "%s (%s %s)", vb_kind_name(c->kind, english),
                 english ? "replaces record" : "thay bản ghi", id);
    }
    field(out, out_size, &used, english, "Loại bản:", "Kind:", "%s", kind);
    vb_describe_record_id(c->record_id, c->record_id_length, id, sizeof id);
    field(out, out_size, &used, english, "Mã bản ghi:", "Record id:", "%s", id);
}

const char *vb_describe_verdict(vb_status status, bool english)
{
    switch (status) {
    case VB_OK:
        return english ? "GENUINE — signed by a trusted school" : "HỢP LỆ — do trường được tin cậy ký";
    case VB_ERR_UNKNOWN_SIGNER:
        return english ? "NOT VERIFIED — unknown issuer" : "KHÔNG XÁC THỰC ĐƯỢC — đơn vị cấp không rõ";
    case VB_ERR_SIGNER_NOT_VALID:
        return english ? "NOT VALID — signed outside the signer certificate's validity"
                       : "KHÔNG HỢP LỆ — ký ngoài thời hạn chứng thư";
    case VB_ERR_SIGNER_REMOVED:
        return english ? "NOT VALID — the signing key was withdrawn" : "KHÔNG HỢP LỆ — khóa ký đã bị thu hồi";
    case VB_ERR_BAD_SIGNATURE:
    case VB_ERR_ALG_KEY_MISMATCH:
        return english ? "FORGED OR ALTERED — the signature does not match" : "GIẢ MẠO HOẶC BỊ SỬA — chữ ký không khớp";
    default:
        return english ? "UNREADABLE — not a vanbang record" : "KHÔNG ĐỌC ĐƯỢC — không phải bản ghi văn bằng";
    }
}

const char *vb_describe_revocation_reason(int reason, bool english)
{
    static const char *const names[7][2] = {
        [1] = {"gian lận", "fraud"},
        [2] = {"cấp cho người không đủ điều kiện", "issued to someone not eligible"},
        [3] = {"cấp sai thẩm quyền", "issued without authority"},
        [4] = {"bị tẩy xóa, sửa chữa", "erased or altered"},
        [5] = {"cho người khác mượn", "lent to someone else"},
        [6] = {"lỗi của cơ quan cấp", "an error of the issuer"},
    };
    return reason >= 1 && reason <= 6 ? names[reason][english ? 1 : 0] : NULL;
}
