/*
 * verifier/http_page.c — the HTML page a phone opens from a diploma's QR code: a verdict
 * banner nobody can misread (colour, a large symbol and words), then the fields as printed on
 * the diploma, then the issuing school as its certificate names it. A genuine record that its
 * school's status list revokes gets a red banner with the ground, decision date and number; one
 * superseded by a correction an amber banner with a link to the current record. Vietnamese by default,
 * English with ?lang=en. One inline style sheet (allowed by its hash in the CSP), no script,
 * no image, no external resource: it works with JavaScript off and on any network.
 *
 * Every value that comes from a record or a certificate goes through text_html.
 */
#include "service.h"

#include "describe.h"
#include "record.h"

#include <string.h>

static const char style[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font:17px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",\"DejaVu Sans\","
    "Arial,sans-serif;color:#1b1b1b;background:#f2f2ef}"
    "main{max-width:42rem;margin:0 auto;padding-bottom:2rem}"
    ".top{display:flex;justify-content:space-between;align-items:center;gap:1rem;padding:.6rem 1rem;"
    "background:#fff;border-bottom:1px solid #d8d8d8}"
    ".top b{font-size:1rem}"
    ".top a{color:#0b4fc0;font-weight:600;text-decoration:none;padding:.35rem .7rem;border:1.5px solid #0b4fc0;"
    "border-radius:.5rem;white-space:nowrap}"
    ".verdict{color:#fff;padding:1.6rem 1rem 1.4rem;text-align:center}"
    ".verdict .icon{display:block;font-size:4rem;line-height:1;font-weight:700}"
    ".verdict h1{margin:.5rem 0 .25rem;font-size:2rem;line-height:1.15;letter-spacing:.02em}"
    ".verdict .sub{margin:0;font-size:1.1rem;font-weight:600}"
    ".verdict .why{margin:.8rem auto 0;max-width:34rem;font-size:1rem}"
    ".good{background:#0a7a30}"
    ".bad{background:#b0101a}"
    ".grey{background:#55595f}"
    ".warn{background:#8c4a00}"
    ".verdict .standing{margin:.8rem auto 0;max-width:34rem;font-size:1.05rem;font-weight:600}"
    ".verdict a{color:#fff;text-decoration:underline;overflow-wrap:anywhere}"
    ".card{background:#fff;margin:1rem .75rem;padding:.8rem 1rem 1rem;border-radius:.7rem;"
    "box-shadow:0 1px 3px rgba(0,0,0,.15)}"
    ".card h2{font-size:.95rem;margin:0 0 .3rem;color:#3c3c3c;text-transform:uppercase;letter-spacing:.04em}"
    ".untrusted{border:3px dashed #b0101a}"
    ".untrusted h2{color:#b0101a}"
    "dl{margin:0}"
    "dt{font-size:.85rem;color:#5b5f66;margin-top:.6rem}"
    "dd{margin:0;font-size:1.1rem;font-weight:600;overflow-wrap:anywhere}"
    "p{margin:.4rem 0}"
    "code{font-size:.9rem;overflow-wrap:anywhere}"
    "footer{color:#5b5f66;font-size:.8rem;padding:0 1rem}";

const char *page_style(void) { return style; }

static void head(text_buffer *out, bool english, const char *title)
{
    text_printf(out,
                "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                "<meta name=\"referrer\" content=\"no-referrer\"><meta name=\"robots\" content=\"noindex\">"
                "<title>",
                english ? "en" : "vi");
    text_html(out, title);
    text_puts(out, "</title><style>");
    text_puts(out, style);
    text_puts(out, "</style></head><body><main>");
}

/* The top bar with the language switch: a plain link, so it works without script. The link
 * is relative ("?lang=en"), which keeps the path, and with it the record, as it is. */
static void top_bar(text_buffer *out, bool english)
{
    text_printf(out,
                "<header class=\"top\"><b>%s</b>"
                "<a href=\"?lang=%s\" hreflang=\"%s\" lang=\"%s\">%s</a></header>",
                english ? "Diploma verification" : "Xác thực văn bằng", english ? "vi" : "en",
                english ? "vi" : "en", english ? "vi" : "en", english ? "Tiếng Việt" : "English");
}

static void tail(text_buffer *out) { text_puts(out, "</main></body></html>\n"); }

/* A <dt>/<dd> pair; the value is escaped here. */
static void field(text_buffer *out, const char *label, const char *value)
{
    text_puts(out, "<dt>");
    text_html(out, label);
    text_puts(out, "</dt><dd>");
    text_html(out, value);
    text_puts(out, "</dd>");
}

typedef struct {
    const char *css, *icon;
    const char *why_vi, *why_en;
} banner_style;

static banner_style banner_for(verdict v)
{
    switch (v) {
    case VERDICT_VALID:
        return (banner_style){"good", "\xe2\x9c\x94", /* ✔ */
                              "Chữ ký số khớp với nội dung bên dưới và thuộc một trường có trong danh sách "
                              "tin cậy. Hãy đối chiếu các thông tin này với bản giấy bạn được xem.",
                              "The digital signature matches the content below and belongs to a school on "
                              "the trust list. Compare these details with the paper diploma you were shown."};
    case VERDICT_UNKNOWN_ISSUER:
        return (banner_style){"bad", "\xe2\x9c\x98", /* ✘ */
                              "Văn bằng được ký bằng một khóa không có trong danh sách tin cậy, nên không thể "
                              "xác nhận ai đã cấp. Hãy liên hệ trường ghi trên văn bằng.",
                              "It was signed with a key that is not on the trust list, so who issued it cannot "
                              "be confirmed. Contact the school named on the diploma."};
    case VERDICT_SIGNER_NOT_VALID:
        return (banner_style){"bad", "\xe2\x9c\x98",
                              "Văn bằng được ký ngoài thời hạn hiệu lực của chứng thư số của trường.",
                              "It was signed outside the validity period of the school's certificate."};
    case VERDICT_SIGNER_REMOVED:
        return (banner_style){"bad", "\xe2\x9c\x98",
                              "Khóa ký của trường đã bị rút khỏi danh sách tin cậy (ví dụ vì bị lộ). Văn bằng "
                              "ký bằng khóa này không còn được công nhận; hãy liên hệ trường.",
                              "The school's signing key was withdrawn from the trust list (for example because "
                              "it leaked). Diplomas signed with it are no longer accepted; contact the school."};
    case VERDICT_INVALID_SIGNATURE:
        return (banner_style){"bad", "\xe2\x9c\x98",
                              "Nội dung trong mã QR không khớp với chữ ký: mã đã bị sửa hoặc làm giả. Không "
                              "tin các thông tin bên dưới.",
                              "The content of the QR code does not match its signature: it was altered or "
                              "forged. Do not rely on the details below."};
    case VERDICT_REVOKED:
        return (banner_style){"bad", "\xe2\x9c\x98",
                              "Chữ ký số là thật, nhưng trường đã thu hồi văn bằng này theo quyết định dưới đây. "
                              "Văn bằng không còn giá trị.",
                              "The digital signature is genuine, but the school revoked this diploma by the "
                              "decision below. It is no longer valid."};
    case VERDICT_SUPERSEDED:
        return (banner_style){"warn", "\xe2\x86\xbb", /* ↻ */
                              "Chữ ký số là thật, nhưng trường đã cấp một bản chỉnh sửa thay cho bản ghi này. Hãy "
                              "xem bản hiện hành: chỉ nội dung của bản đó còn giá trị.",
                              "The digital signature is genuine, but the school issued a correction that replaces "
                              "this record. Look at the current record: only what it says stands."};
    case VERDICT_UNREADABLE:
        return (banner_style){"grey", "?",
                              "Đây không phải là một bản ghi văn bằng đọc được, hoặc mã bị quét thiếu. Hãy quét "
                              "lại mã QR trên văn bằng.",
                              "This is not a readable diploma record, or the code was scanned incompletely. "
                              "Scan the QR code on the diploma again."};
    default:
        return (banner_style){"grey", "!",
                              "Máy chủ xác thực gặp lỗi và chưa kiểm tra được. Hãy thử lại sau.",
                              "The verification server failed and could not check this. Try again later."};
    }
}

/* What the status list says, inside the banner: the ground, decision date and number of a
 * revocation; the current record of a superseded one, linked when the list carries it. */
static void standing_lines(text_buffer *out, const check_result *check, bool english)
{
    const record_standing *st = &check->standing;
    char date[16], id[2 * 8 + 1];
    if (st->state != STANDING_REVOKED && st->state != STANDING_SUPERSEDED)
        return;
    text_puts(out, "<p class=\"standing\">");
    if (st->state == STANDING_REVOKED) {
        const char *ground = vb_describe_revocation_reason(st->entry.reason, english);
        text_html(out, english ? "Ground: " : "Lý do thu hồi: ");
        text_html(out, ground ? ground : "—");
        text_puts(out, "<br>");
        text_date_dmy_from_days(date, st->entry.decision_date);
        text_html(out, english ? "Decision date: " : "Ngày quyết định: ");
        text_html(out, date);
        if (st->decision_number[0]) {
            text_puts(out, "<br>");
            text_html(out, english ? "Decision no.: " : "Số quyết định: ");
            text_html(out, st->decision_number);
        }
    } else {
        text_date_dmy_from_days(date, st->entry.decision_date);
        text_html(out, english ? "Corrected on: " : "Ngày chỉnh sửa: ");
        text_html(out, date);
        if (st->decision_number[0]) {
            text_puts(out, "<br>");
            text_html(out, english ? "Decision no.: " : "Số quyết định: ");
            text_html(out, st->decision_number);
        }
        text_puts(out, "<br>");
        standing_id_text(st->current_id, id, sizeof id);
        text_html(out, english ? "Current record: " : "Bản hiện hành: ");
        if (st->current_link[0]) {
            text_puts(out, "<a href=\"");
            text_html(out, st->current_link);
            if (english)
                text_puts(out, "?lang=en");
            text_puts(out, "\">");
            text_html(out, english ? "open the current record" : "mở bản hiện hành");
            text_puts(out, "</a> (");
            text_html(out, english ? "record id " : "mã bản ghi ");
            text_html(out, id);
            text_puts(out, ")");
        } else {
            text_html(out, english ? "record id " : "mã bản ghi ");
            text_html(out, id);
        }
        if (st->current_revoked) {
            text_puts(out, "<br>");
            text_html(out, english ? "The current record is itself REVOKED." : "Bản hiện hành cũng ĐÃ BỊ THU HỒI.");
        }
    }
    text_puts(out, "</p>");
}

/* "HỢP LỆ — do trường được tin cậy ký": the words before the dash are the headline. */
static void banner(text_buffer *out, const check_result *check, bool english)
{
    verdict v = check->verdict;
    banner_style b = banner_for(v);
    const char *words = verdict_headline(v, check->verification.status, english);
    const char *dash = strstr(words, " \xe2\x80\x94 ");
    char headline[128];
    size_t n = dash ? (size_t)(dash - words) : strlen(words);
    if (n >= sizeof headline)
        n = sizeof headline - 1;
    memcpy(headline, words, n);
    headline[n] = '\0';

    text_printf(out, "<section class=\"verdict %s\" role=\"status\"><span class=\"icon\" aria-hidden=\"true\">%s</span><h1>",
                b.css, b.icon);
    text_html(out, headline);
    text_puts(out, "</h1>");
    if (dash) {
        text_puts(out, "<p class=\"sub\">");
        text_html(out, dash + 5);
        text_puts(out, "</p>");
    }
    standing_lines(out, check, english);
    text_puts(out, "<p class=\"why\">");
    text_html(out, english ? b.why_en : b.why_vi);
    text_puts(out, "</p></section>");
}

static void credential_card(text_buffer *out, const check_result *check, bool english)
{
    const vb_verification *v = &check->verification;
    const vb_credential *c = &v->credential;
    char value[2 * VB_TEXT_FIELD + 64], date[16], hex[2 * VB_MAX_RECORD_ID_BYTES + 1];
    const char *name;

    if (check->verdict == VERDICT_VALID)
        text_printf(out, "<section class=\"card\"><h2>%s</h2><dl>", english ? "Diploma details" : "Nội dung văn bằng");
    else if (check->verdict == VERDICT_REVOKED)
        text_printf(out, "<section class=\"card untrusted\"><h2>%s</h2><dl>",
                    english ? "Details of a REVOKED diploma" : "Nội dung văn bằng ĐÃ BỊ THU HỒI");
    else if (check->verdict == VERDICT_SUPERSEDED)
        text_printf(out, "<section class=\"card untrusted\"><h2>%s</h2><dl>",
                    english ? "Details of a record REPLACED by a correction"
                            : "Nội dung bản ghi ĐÃ ĐƯỢC THAY THẾ bằng bản chỉnh sửa");
    else
        text_printf(out, "<section class=\"card untrusted\"><h2>%s</h2><dl>",
                    english ? "What the code says — NOT verified" : "Nội dung ghi trong mã — KHÔNG được xác thực");

    name = vb_credential_type_name(c->type, english);
    field(out, english ? "Credential" : "Văn bằng", name ? name : "—");
    field(out, english ? "Full name" : "Họ và tên", c->name);
    text_date_dmy_from_days(date, c->birth_date);
    field(out, english ? "Date of birth" : "Ngày sinh", date);
    if ((name = vb_gender_name(c->gender, english)))
        field(out, english ? "Gender" : "Giới tính", name);
    snprintf(value, sizeof value, "%s%s%s",
             c->program_name[0] ? c->program_name
                                : (english ? "(name not in the catalog)" : "(tên không có trong danh mục)"),
             c->program_code[0] ? " — " : "", c->program_code);
    field(out, english ? "Program" : "Ngành/nghề", value);
    if ((name = vb_classification_name(c->classification, english)))
        field(out, english ? "Classification" : "Xếp loại", name);
    if ((name = vb_training_mode_name(c->training_mode, english)))
        field(out, english ? "Mode of study" : "Hình thức đào tạo", name);
    if (c->high_quality)
        field(out, english ? "Programme" : "Chương trình",
              english ? "High-quality programme" : "Chương trình chất lượng cao");
    text_date_dmy_from_days(date, c->issue_date);
    snprintf(value, sizeof value, "%s, %s", c->issue_place, date);
    field(out, english ? "Issued at, on" : "Nơi cấp, ngày cấp", value);
    field(out, english ? "Serial number" : "Số hiệu", c->serial);
    snprintf(value, sizeof value, "%u/%u", c->register_number, c->register_year);
    field(out, english ? "Register number" : "Số vào sổ gốc", value);
    field(out, english ? "School code" : "Mã trường", c->school_code);
    name = vb_kind_name(c->kind, english);
    if (c->kind == VB_KIND_COPY)
        snprintf(value, sizeof value, "%s %s %u", name, english ? "no." : "số", c->copy_number);
    else if (c->kind == VB_KIND_CORRECTION) {
        vb_describe_record_id(c->supersedes, c->supersedes_length, hex, sizeof hex);
        snprintf(value, sizeof value, "%s (%s %s)", name, english ? "replaces record" : "thay bản ghi", hex);
    } else
        snprintf(value, sizeof value, "%s", name ? name : "—");
    field(out, english ? "Kind" : "Loại bản", value);
    vb_describe_record_id(c->record_id, c->record_id_length, hex, sizeof hex);
    field(out, english ? "Record id" : "Mã bản ghi", hex);
    text_date_dmy_from_time(date, c->signed_at);
    field(out, english ? "Digitally signed on" : "Ngày ký số", date);
    text_puts(out, "</dl></section>");
}

static void issuer_card(text_buffer *out, const check_result *check, bool english)
{
    const vb_verification *v = &check->verification;
    const vb_trust_entry *signer = v->signer;
    char kid[2 * VB_KID_BYTES + 1], from[16], to[16], value[64];

    vb_describe_hex(v->kid, VB_KID_BYTES, kid, sizeof kid);
    if (signer)
        text_printf(out, "<section class=\"card\"><h2>%s</h2><dl>",
                    english ? "Issuer, as its certificate names it" : "Đơn vị cấp, theo chứng thư số");
    else
        text_printf(out, "<section class=\"card\"><h2>%s</h2><dl>", english ? "Who signed it" : "Ai đã ký");
    if (!signer) {
        field(out, english ? "Signing key" : "Khóa ký", kid);
        field(out, english ? "Trust list" : "Danh sách tin cậy",
              english ? "this key is not on the list" : "khóa này không có trong danh sách");
    } else {
        field(out, english ? "School" : "Trường", signer->organization[0] ? signer->organization : signer->subject);
        if (signer->school_code[0])
            field(out, english ? "School code" : "Mã trường", signer->school_code);
        text_date_dmy_from_time(from, signer->not_before);
        text_date_dmy_from_time(to, signer->not_after);
        snprintf(value, sizeof value, "%s – %s", from, to);
        field(out, english ? "Certificate valid" : "Chứng thư có hiệu lực", value);
        field(out, english ? "Signing key" : "Khóa ký", kid);
        if (signer->removed_at) {
            text_date_dmy_from_time(from, signer->removed_at);
            field(out, english ? "Key withdrawn on" : "Khóa bị rút ngày", from);
        }
    }
    text_puts(out, "</dl></section>");
}

static void footer(text_buffer *out, const check_result *check, bool english)
{
    char issued[16], checked[32];
    text_date_dmy_from_time(issued, check->trust->list.issued_at);
    text_time_iso(checked, (int64_t)time(NULL));
    text_printf(out, "<footer><p>%s %llu (%s %s). %s %s.</p>",
                english ? "Trust list no." : "Danh sách tin cậy số", (unsigned long long)check->trust->list.sequence,
                english ? "issued" : "phát hành", issued, english ? "Checked at" : "Kiểm tra lúc", checked);
    const record_standing *st = &check->standing;
    if (st->list) {
        text_date_dmy_from_time(issued, st->list->issued_at);
        text_printf(out, "<p>%s %s %s %llu (%s %s).</p>",
                    english ? "Status list of school" : "Danh sách trạng thái của trường", st->list->origin,
                    english ? "no." : "số", (unsigned long long)st->list->sequence, english ? "issued" : "phát hành",
                    issued);
    } else if (st->state == STANDING_NO_LIST) {
        text_printf(out, "<p>%s</p>",
                    english ? "This verifier holds no status list (revocations, corrections) for this school."
                            : "Máy xác thực này không có danh sách trạng thái (thu hồi, chỉnh sửa) của trường này.");
    }
    if (check->verdict != VERDICT_VALID && check->verdict != VERDICT_ERROR && check->verdict != VERDICT_REVOKED &&
        check->verdict != VERDICT_SUPERSEDED) {
        text_puts(out, "<p>");
        text_html(out, english ? "Reason (technical): " : "Lý do (kỹ thuật): ");
        text_puts(out, "<code>");
        text_html(out, vb_status_name(check->verification.status));
        text_puts(out, "</code></p>");
    }
    text_puts(out, "</footer>");
}

void page_verdict(const check_result *check, bool english, text_buffer *out)
{
    head(out, english, english ? "Diploma verification" : "Xác thực văn bằng");
    top_bar(out, english);
    banner(out, check, english);
    if (check->verification.decoded) {
        credential_card(out, check, english);
        issuer_card(out, check, english);
    }
    footer(out, check, english);
    tail(out);
}

void page_home(const serve_settings *settings, bool english, text_buffer *out)
{
    head(out, english, english ? "Diploma verification" : "Xác thực văn bằng");
    top_bar(out, english);
    text_puts(out, "<section class=\"card\"><h2>");
    text_html(out, english ? "How to check a diploma" : "Cách kiểm tra văn bằng");
    text_puts(out, "</h2><p>");
    text_html(out, english ? "Scan the QR code printed on the diploma with a phone camera and open the link. "
                             "This page then shows whether the diploma is genuine and what it says."
                           : "Quét mã QR in trên văn bằng bằng máy ảnh điện thoại và mở đường dẫn. Trang "
                             "sẽ cho biết văn bằng có hợp lệ không và nội dung của nó.");
    text_puts(out, "</p><p>");
    text_html(out, english ? "Links look like " : "Đường dẫn có dạng ");
    text_puts(out, "<code>");
    text_html(out, settings->base_url ? settings->base_url : settings->base_path);
    text_puts(out, "0119…</code></p><p>");
    text_html(out, english ? "Programs can use the JSON API: GET /api/v1/verify?link=…"
                           : "Phần mềm có thể dùng API JSON: GET /api/v1/verify?link=…");
    text_puts(out, "</p></section>");
    tail(out);
}

void page_error(unsigned http_status, bool english, text_buffer *out)
{
    const char *vi, *en;
    switch (http_status) {
    case 404: vi = "Không có trang này.", en = "There is no such page."; break;
    case 405: vi = "Phương thức không được hỗ trợ.", en = "Method not allowed."; break;
    case 413: vi = "Yêu cầu quá lớn.", en = "The request is too large."; break;
    case 414: vi = "Đường dẫn quá dài.", en = "The link is too long."; break;
    case 429: vi = "Quá nhiều yêu cầu. Hãy thử lại sau ít giây.", en = "Too many requests. Try again in a few seconds."; break;
    case 403: vi = "Không được phép.", en = "Forbidden."; break;
    case 503: vi = "Dịch vụ tạm thời không sẵn sàng.", en = "The service is temporarily unavailable."; break;
    default: vi = "Yêu cầu không hợp lệ.", en = "Bad request."; break;
    }
    head(out, english, english ? "Diploma verification" : "Xác thực văn bằng");
    top_bar(out, english);
    text_printf(out, "<section class=\"verdict grey\" role=\"status\"><span class=\"icon\" aria-hidden=\"true\">%u</span><h1>",
                http_status);
    text_html(out, english ? en : vi);
    text_puts(out, "</h1></section>");
    tail(out);
}
