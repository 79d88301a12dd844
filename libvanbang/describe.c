/*
 * describe.c — credentials and verdicts in words (see describe.h).
 */
#include "describe.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void append(char *out, size_t out_size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *out, size_t out_size, size_t *used, const char *fmt, ...)
{
    if (*used >= out_size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *used, out_size - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used += (size_t)n < out_size - *used ? (size_t)n : out_size - *used - 1;
}

void vb_describe_hex(const uint8_t *bytes, size_t length, char *out, size_t out_size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < length && used + 3 <= out_size; i++)
        used += (size_t)snprintf(out + used, out_size - used, "%02x", bytes[i]);
}

void vb_describe_credential(const vb_credential *c, bool english, char *out, size_t out_size)
{
    size_t used = 0;
    char date[16], id[2 * VB_MAX_RECORD_ID_BYTES + 1];
    const char *none = english ? "—" : "—";

    out[0] = '\0';
    append(out, out_size, &used, "%-28s %s\n", english ? "Credential:" : "Văn bằng:",
           vb_credential_type_name(c->type, english) ? vb_credential_type_name(c->type, english) : none);
    append(out, out_size, &used, "%-28s %s\n", english ? "Full name:" : "Họ và tên:", c->name);
    vb_date_format_dmy(c->birth_date, date, sizeof date);
    append(out, out_size, &used, "%-28s %s\n", english ? "Date of birth:" : "Ngày sinh:", date);
    if (c->gender)
        append(out, out_size, &used, "%-28s %s\n", english ? "Gender:" : "Giới tính:", vb_gender_name(c->gender, english));
    append(out, out_size, &used, "%-28s %s%s%s\n", english ? "Program:" : "Ngành/nghề:", c->program_name,
           c->program_code[0] ? " — " : "", c->program_code);
    if (c->classification)
        append(out, out_size, &used, "%-28s %s\n", english ? "Classification:" : "Xếp loại:",
               vb_classification_name(c->classification, english));
    if (c->training_mode)
        append(out, out_size, &used, "%-28s %s\n", english ? "Mode of study:" : "Hình thức đào tạo:",
               vb_training_mode_name(c->training_mode, english));
    if (c->high_quality)
        append(out, out_size, &used, "%-28s %s\n", "", english ? "High-quality programme" : "Chương trình chất lượng cao");
    vb_date_format_dmy(c->issue_date, date, sizeof date);
    append(out, out_size, &used, "%-28s %s, %s\n", english ? "Issued at, on:" : "Nơi cấp, ngày cấp:", c->issue_place, date);
    append(out, out_size, &used, "%-28s %s\n", english ? "Serial number:" : "Số hiệu:", c->serial);
    append(out, out_size, &used, "%-28s %u/%u\n", english ? "Register number:" : "Số vào sổ gốc:", c->register_number,
           c->register_year);
    append(out, out_size, &used, "%-28s %s\n", english ? "School code:" : "Mã trường:", c->school_code);
    append(out, out_size, &used, "%-28s %s", english ? "Kind:" : "Loại bản:", vb_kind_name(c->kind, english));
    if (c->kind == VB_KIND_COPY)
        append(out, out_size, &used, " %s %u", english ? "no." : "số", c->copy_number);
    if (c->kind == VB_KIND_CORRECTION) {
        vb_describe_hex(c->supersedes, c->supersedes_length, id, sizeof id);
        append(out, out_size, &used, " (%s %s)", english ? "replaces record" : "thay bản ghi", id);
    }
    append(out, out_size, &used, "\n");
    vb_describe_hex(c->record_id, c->record_id_length, id, sizeof id);
    append(out, out_size, &used, "%-28s %s\n", english ? "Record id:" : "Mã bản ghi:", id);
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
