/*
 * fuzz_template.c — libFuzzer target for the print-template reader (libvanbang/template.c).
 *
 * The input is read as a template. Properties checked, aborting on a breach:
 *   - every problem message starts with the display name and a colon, holds no control byte,
 *     and the result is VB_OK exactly when there was no problem;
 *   - an accepted template has a credential type, a page within the limits, a QR code inside
 *     the page, every text's anchor on the page and its size within the limits, label texts
 *     that are valid UTF-8 in NFC, and known fields;
 *   - every field of an accepted template gives its text for a credential without failing.
 */
#include "cbor.h"
#include "template.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    size_t seen;
} problem_counter;

static void check_problem(void *context, const char *message)
{
    problem_counter *counter = context;
    counter->seen++;
    if (strncmp(message, "f:", 2) != 0)
        abort();
    for (const char *p = message; *p; p++)
        if ((unsigned char)*p < 0x20)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vb_template tpl;
    problem_counter counter = {0};
    size_t problems = 0;
    vb_error err;
    vb_status s = vb_template_parse("f", (const char *)data, size, &tpl, check_problem, &counter, &problems, &err);
    if (s == VB_ERR_TOO_LARGE) {
        if (size <= VB_TEMPLATE_MAX_BYTES)
            abort();
        return 0;
    }
    if ((s == VB_OK) != (problems == 0) || counter.seen != (problems < VB_TEMPLATE_MAX_PROBLEMS ? problems
                                                                                             : VB_TEMPLATE_MAX_PROBLEMS))
        abort();
    if (s != VB_OK)
        return 0;
    if (tpl.credential_type < 1 || tpl.credential_type > VB_TYPE_MAX || !tpl.font[0])
        abort();
    if (tpl.page_width < VB_TEMPLATE_MIN_PAGE_MM || tpl.page_width > VB_TEMPLATE_MAX_PAGE_MM ||
        tpl.page_height < VB_TEMPLATE_MIN_PAGE_MM || tpl.page_height > VB_TEMPLATE_MAX_PAGE_MM)
        abort();
    if (tpl.qr_size < VB_TEMPLATE_MIN_QR_MM || tpl.qr_x + tpl.qr_size > tpl.page_width ||
        tpl.qr_y + tpl.qr_size > tpl.page_height)
        abort();
    if (tpl.item_count > VB_TEMPLATE_MAX_ITEMS || tpl.border_count > VB_TEMPLATE_MAX_BORDERS)
        abort();

    vb_credential credential;
    memset(&credential, 0, sizeof credential);
    memcpy(credential.school_code, "CDNTEST1", 9);
    credential.type = tpl.credential_type;
    memcpy(credential.serial, "2026000001", 11);
    credential.register_number = 1;
    memcpy(credential.name, "Nguyễn Thị Hằng", sizeof "Nguyễn Thị Hằng");
    credential.birth_date = vb_days_from_civil(2004, 2, 29);
    credential.gender = VB_GENDER_FEMALE;
    memcpy(credential.program_name, "Điện công nghiệp", sizeof "Điện công nghiệp");
    credential.issue_date = vb_days_from_civil(2026, 6, 30);
    memcpy(credential.issue_place, "Hà Nội", sizeof "Hà Nội");
    credential.kind = VB_KIND_COPY;
    credential.copy_number = 2;
    credential.high_quality = true;

    for (size_t i = 0; i < tpl.item_count; i++) {
        const vb_template_item *item = &tpl.items[i];
        if (item->x < 0 || item->x > tpl.page_width || item->y <= 0 || item->y > tpl.page_height ||
            item->size < VB_TEMPLATE_MIN_FONT_PT || item->size > VB_TEMPLATE_MAX_FONT_PT || item->width < 0)
            abort();
        if (item->kind == VB_ITEM_LABEL) {
            size_t length = strlen(item->text);
            if (length == 0 || !vb_utf8_valid((const uint8_t *)item->text, length) ||
                !vb_text_is_nfc(item->text, length))
                abort();
        } else if (item->kind == VB_ITEM_FIELD) {
            char text[2 * VB_MAX_TEXT_BYTES + 64];
            if (!vb_template_field_keyword(item->field) ||
                !vb_template_field_text(item->field, &credential, "Trường Cao đẳng Thử nghiệm", text, sizeof text))
                abort();
        } else {
            abort();
        }
    }
    return 0;
}
