/*
 * portal/pages.c — what people read: the lookup form, the lookup's answer, the staff's login
 * page, error pages, the bar above the audit report, and the lookup as JSON. Vietnamese by
 * default, English with ?lang=en; mobile first; one inline style sheet (allowed by its hash in
 * the Content-Security-Policy), no script, no image, no external resource.
 *
 * Every value from the store or the request goes through text_html or text_json_string. The
 * answer of a lookup that finds nothing depends only on what was asked: it is the same whether
 * the serial exists or not.
 */
#include "portal.h"

#include "describe.h"
#include "record.h"
#include "store.h"

#include <stdio.h>
#include <string.h>

static const char style[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font:17px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",Arial,sans-serif;"
    "color:#1c1c1c;background:#f3f3f0}"
    "main{max-width:40rem;margin:0 auto;padding-bottom:2rem}"
    ".bar{display:flex;justify-content:space-between;align-items:center;gap:.8rem;padding:.6rem 1rem;"
    "background:#7a0f14;color:#fff}"
    ".bar b{font-size:1rem}"
    ".bar a{color:#fff;font-weight:600;padding:.3rem .7rem;border:1.5px solid #fff;border-radius:.5rem;"
    "text-decoration:none;white-space:nowrap}"
    ".card{background:#fff;margin:1rem .75rem;padding:.9rem 1rem 1rem;border-radius:.7rem;"
    "box-shadow:0 1px 3px rgba(0,0,0,.15)}"
    "h1{font-size:1.4rem;margin:.2rem 0 .5rem}"
    "h2{font-size:1.1rem;margin:0 0 .4rem}"
    "p{margin:.4rem 0}"
    "label{display:block;font-weight:600;margin-top:.8rem}"
    "input{width:100%;font:inherit;padding:.55rem .6rem;margin-top:.25rem;border:1.5px solid #8a8a8a;"
    "border-radius:.45rem;background:#fff}"
    "button{font:inherit;font-weight:700;margin-top:1rem;padding:.65rem 1.2rem;border:0;border-radius:.5rem;"
    "background:#0b4fc0;color:#fff;width:100%}"
    ".or{text-align:center;color:#5b5f66;margin:.6rem 0 0}"
    ".hint{color:#5b5f66;font-size:.9rem}"
    ".problem{background:#fde8e8;border-left:5px solid #b0101a;padding:.6rem .8rem;margin:1rem .75rem;"
    "border-radius:.4rem}"
    ".state{color:#fff;padding:1rem;border-radius:.6rem .6rem 0 0;margin:-.9rem -1rem .8rem}"
    ".state .icon{font-size:2.2rem;line-height:1;font-weight:700;margin-right:.4rem}"
    ".state strong{font-size:1.25rem}"
    ".state p{margin:.4rem 0 0;font-size:.98rem}"
    ".good{background:#0a7a30}.bad{background:#b0101a}.warn{background:#8c4a00}.grey{background:#55595f}"
    "dl{margin:0}"
    "dt{font-size:.85rem;color:#5b5f66;margin-top:.55rem}"
    "dd{margin:0;font-size:1.08rem;font-weight:600;overflow-wrap:anywhere}"
    "footer{color:#5b5f66;font-size:.8rem;padding:0 1rem}";

const char *page_style(void) { return style; }

static const char audit_bar_style[] =
    ".vbp-bar{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;"
    "background:#7a0f14;color:#fff;font:15px/1.4 system-ui,Arial,sans-serif}"
    ".vbp-bar a{color:#fff;font-weight:600}"
    ".vbp-bar form{margin:0 0 0 auto}"
    ".vbp-bar button{font:inherit;font-weight:700;padding:.3rem .8rem;border:1.5px solid #fff;border-radius:.4rem;"
    "background:transparent;color:#fff}";

const char *page_audit_bar_style(void) { return audit_bar_style; }

/* ---------------------------------------------------------------- pieces */

/* Percent-encodes a query value (RFC 3986 unreserved characters kept). */
static void url_encode(text_buffer *out, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p))
            text_append(out, (const char *)p, 1);
        else
            text_printf(out, "%%%02X", *p);
    }
}

static void head(text_buffer *out, const char *title, bool english)
{
    text_printf(out,
                "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                "<meta name=\"referrer\" content=\"no-referrer\"><meta name=\"robots\" content=\"noindex\"><title>",
                english ? "en" : "vi");
    text_html(out, title);
    text_puts(out, "</title><style>");
    text_puts(out, style);
    text_puts(out, "</style></head><body>");
}

/* The top bar; `switch_to` is the page's address in the other language (escaped here). */
static void top(text_buffer *out, const char *title, const char *switch_to, bool english)
{
    text_puts(out, "<header class=\"bar\"><b>");
    text_html(out, title);
    text_puts(out, "</b><a href=\"");
    text_html(out, switch_to);
    text_printf(out, "\" hreflang=\"%s\" lang=\"%s\">%s</a></header><main>", english ? "vi" : "en",
                english ? "vi" : "en", english ? "Tiếng Việt" : "English");
}

static void tail(text_buffer *out, bool english)
{
    text_printf(out, "<footer><p>%s</p></footer></main></body></html>\n",
                english ? "The national diploma lookup shows what schools published, as their signed registers say. "
                          "It never shows a personal identification number."
                        : "Trang tra cứu văn bằng quốc gia hiển thị những gì các trường đã công bố, theo sổ gốc có "
                          "chữ ký số của trường. Trang không bao giờ hiển thị số định danh cá nhân.");
}

static const char *portal_title(bool english) { return english ? "Diploma lookup" : "Tra cứu văn bằng"; }

/* The address of this lookup in the other language. */
static void lookup_switch(text_buffer *out, const page_lookup_form *form, bool english)
{
    bool any = form && (form->serial || form->name || form->dob);
    if (!any) {
        text_puts(out, english ? "/?lang=vi" : "/?lang=en");
        return;
    }
    text_puts(out, "/lookup?serial=");
    url_encode(out, form->serial);
    if (form->name && *form->name) {
        text_puts(out, "&name=");
        url_encode(out, form->name);
    }
    if (form->dob && *form->dob) {
        text_puts(out, "&dob=");
        url_encode(out, form->dob);
    }
    text_puts(out, english ? "&lang=vi" : "&lang=en");
}

static void input(text_buffer *out, const char *name, const char *label, const char *value, const char *extra)
{
    text_printf(out, "<label for=\"%s\">", name);
    text_html(out, label);
    text_printf(out, "</label><input id=\"%s\" name=\"%s\" value=\"", name, name);
    text_html(out, value ? value : "");
    text_printf(out, "\" %s>", extra);
}

static void lookup_form(text_buffer *out, const page_lookup_form *form, bool english)
{
    text_puts(out, "<form class=\"card\" method=\"get\" action=\"/lookup\">");
    text_printf(out, "<h1>%s</h1><p class=\"hint\">%s</p>", portal_title(english),
                english ? "Enter the serial number printed on the diploma, and the holder's full name or date of "
                          "birth."
                        : "Nhập số hiệu in trên văn bằng, và họ tên hoặc ngày sinh của người được cấp.");
    if (english)
        text_puts(out, "<input type=\"hidden\" name=\"lang\" value=\"en\">");
    input(out, "serial", english ? "Serial number (số hiệu)" : "Số hiệu văn bằng", form ? form->serial : NULL,
          "required maxlength=\"255\" autocomplete=\"off\" autocapitalize=\"characters\"");
    input(out, "name", english ? "Full name" : "Họ và tên", form ? form->name : NULL,
          "maxlength=\"255\" autocomplete=\"off\"");
    text_printf(out, "<p class=\"or\">%s</p>", english ? "or" : "hoặc");
    input(out, "dob", english ? "Date of birth (dd/mm/yyyy)" : "Ngày sinh (ngày/tháng/năm)", form ? form->dob : NULL,
          "maxlength=\"10\" inputmode=\"numeric\" placeholder=\"25/08/2007\" autocomplete=\"off\"");
    text_printf(out, "<button type=\"submit\">%s</button></form>", english ? "Look up" : "Tra cứu");
}

static void field(text_buffer *out, const char *label, const char *value)
{
    if (!value || !*value)
        return;
    text_puts(out, "<dt>");
    text_html(out, label);
    text_puts(out, "</dt><dd>");
    text_html(out, value);
    text_puts(out, "</dd>");
}

/* ---------------------------------------------------------------- pages */

void page_home(const page_lookup_form *form, const char *problem, bool english, text_buffer *out)
{
    text_buffer switch_to;
    text_init(&switch_to, 256);
    lookup_switch(&switch_to, form, english);
    head(out, portal_title(english), english);
    top(out, english ? "National diploma lookup" : "Tra cứu văn bằng quốc gia", switch_to.data ? switch_to.data : "/",
        english);
    text_free(&switch_to);
    if (problem) {
        text_puts(out, "<p class=\"problem\" role=\"alert\">");
        text_html(out, problem);
        text_puts(out, "</p>");
    }
    lookup_form(out, form, english);
    text_printf(out, "<section class=\"card\"><h2>%s</h2><p>%s</p></section>",
                english ? "What this shows" : "Trang này cho biết gì",
                english ? "Vocational schools publish every diploma and certificate they issue, correct or revoke "
                          "here, signed with their keys. A lookup shows the current record of the diploma with this "
                          "serial whose holder's name or date of birth you gave — and whether it is in force, was "
                          "corrected, or revoked. Nothing is listed without both."
                        : "Các trường giáo dục nghề nghiệp công bố tại đây mọi văn bằng, chứng chỉ đã cấp, chỉnh sửa "
                          "hoặc thu hồi, có chữ ký số của trường. Kết quả tra cứu là bản hiện hành của văn bằng có số "
                          "hiệu và họ tên hoặc ngày sinh bạn nhập, cùng tình trạng: còn hiệu lực, đã chỉnh sửa hay đã "
                          "bị thu hồi. Không có danh sách nào được hiển thị nếu thiếu một trong hai thông tin.");
    tail(out, english);
}

static void result_state(text_buffer *out, const lookup_result *result, bool english)
{
    char date[16];
    if (result->state == LOOKUP_REVOKED) {
        const char *ground = vb_describe_revocation_reason(result->revoke_reason, english);
        text_printf(out, "<div class=\"state bad\"><span class=\"icon\">\xe2\x9c\x98</span><strong>%s</strong><p>",
                    english ? "REVOKED" : "ĐÃ BỊ THU HỒI");
        text_html(out, english ? "The school revoked this diploma. Ground: " : "Trường đã thu hồi văn bằng này. Lý do: ");
        text_html(out, ground ? ground : "—");
        if (result->has_revoke_date) {
            text_date_dmy_from_days(date, result->revoke_date);
        } else {
            text_date_dmy_from_time(date, result->revoked_at);
        }
        text_html(out, english ? ". Decision date: " : ". Ngày quyết định: ");
        text_html(out, date);
        if (result->revoke_decision[0]) {
            text_html(out, english ? ". Decision no. " : ". Quyết định số ");
            text_html(out, result->revoke_decision);
        }
        text_puts(out, ".</p></div>");
        return;
    }
    if (result->state == LOOKUP_SUPERSEDED) {
        text_printf(out,
                    "<div class=\"state warn\"><span class=\"icon\">\xe2\x86\xbb</span><strong>%s</strong><p>",
                    english ? "CORRECTED — the original was superseded" : "ĐÃ CHỈNH SỬA — bản gốc đã được thay thế");
        text_html(out, english ? "The school issued a correction that replaces the original diploma"
                               : "Trường đã cấp bản chỉnh sửa thay thế văn bằng gốc");
        if (result->has_correction_date) {
            text_date_dmy_from_days(date, result->correction_date);
            text_html(out, english ? " (decision of " : " (quyết định ngày ");
            text_html(out, date);
            if (result->correction_decision[0]) {
                text_html(out, english ? ", no. " : ", số ");
                text_html(out, result->correction_decision);
            }
            text_puts(out, ")");
        } else if (result->correction_decision[0]) {
            text_html(out, english ? " (decision no. " : " (quyết định số ");
            text_html(out, result->correction_decision);
            text_puts(out, ")");
        }
        text_html(out, english ? ". The fields below are those of the correction, in force."
                               : ". Thông tin dưới đây là của bản chỉnh sửa, đang có hiệu lực.");
        text_puts(out, "</p></div>");
        return;
    }
    text_printf(out, "<div class=\"state good\"><span class=\"icon\">\xe2\x9c\x94</span><strong>%s</strong><p>%s</p></div>",
                english ? "IN FORCE" : "CÒN HIỆU LỰC",
                english ? "The school published this diploma and has neither corrected nor revoked it."
                        : "Trường đã công bố văn bằng này và chưa chỉnh sửa hay thu hồi.");
}

static void result_card(text_buffer *out, const lookup_result *result, bool english)
{
    char date[16], number[48], school[STORE_SCHOOL_NAME_BYTES + VB_MAX_SCHOOL_CODE_BYTES + 8];
    text_puts(out, "<section class=\"card\">");
    result_state(out, result, english);
    text_puts(out, "<dl>");
    field(out, english ? "Full name" : "Họ và tên", result->name);
    text_date_dmy_from_days(date, result->birth_date);
    field(out, english ? "Date of birth" : "Ngày sinh", date);
    field(out, english ? "Diploma" : "Loại văn bằng", vb_credential_type_name(result->type, english));
    field(out, english ? "Program" : "Ngành, nghề", result->program_name[0] ? result->program_name : result->program_code);
    if (result->classification)
        field(out, english ? "Classification" : "Xếp loại", vb_classification_name(result->classification, english));
    field(out, english ? "Serial number" : "Số hiệu", result->serial);
    snprintf(number, sizeof number, "%u/%u", result->register_number, (unsigned)result->register_year);
    field(out, english ? "Register number" : "Số vào sổ gốc", number);
    text_date_dmy_from_days(date, result->issue_date);
    field(out, english ? "Date of issue" : "Ngày cấp", date);
    field(out, english ? "Place of issue" : "Nơi cấp", result->issue_place);
    snprintf(school, sizeof school, "%s (%s)", result->school_name, result->school_code);
    field(out, english ? "Issued by" : "Đơn vị cấp", school);
    text_puts(out, "</dl></section>");
}

void page_lookup(const page_lookup_form *form, const lookup_result *results, size_t count, bool english,
                 text_buffer *out)
{
    text_buffer switch_to;
    text_init(&switch_to, 256);
    lookup_switch(&switch_to, form, english);
    head(out, portal_title(english), english);
    top(out, english ? "National diploma lookup" : "Tra cứu văn bằng quốc gia", switch_to.data ? switch_to.data : "/",
        english);
    text_free(&switch_to);
    if (count == 0) {
        text_printf(out, "<section class=\"card\"><div class=\"state grey\"><strong>%s</strong></div><p>%s</p></section>",
                    english ? "NOT FOUND" : "KHÔNG TÌM THẤY",
                    english ? "No published diploma has this serial number with this name or date of birth. Check "
                              "what you typed against the diploma; a school may also not have published it yet — "
                              "ask the school."
                            : "Không có văn bằng nào đã công bố có số hiệu này với họ tên hoặc ngày sinh này. Hãy "
                              "đối chiếu lại với văn bằng; cũng có thể trường chưa công bố — hãy hỏi trường.");
    }
    for (size_t i = 0; i < count; i++)
        result_card(out, &results[i], english);
    lookup_form(out, form, english);
    tail(out, english);
}

void page_login(bool failed, bool english, text_buffer *out)
{
    const char *title = english ? "Audit — staff login" : "Kiểm tra — đăng nhập cán bộ";
    head(out, title, english);
    top(out, title, english ? "/audit/login?lang=vi" : "/audit/login?lang=en", english);
    if (failed)
        text_printf(out, "<p class=\"problem\" role=\"alert\">%s</p>",
                    english ? "Wrong user name or password." : "Tên đăng nhập hoặc mật khẩu không đúng.");
    text_puts(out, "<form class=\"card\" method=\"post\" action=\"/audit/login\">");
    text_printf(out, "<h1>%s</h1><p class=\"hint\">%s</p>", english ? "Provincial audit" : "Kiểm tra của tỉnh",
                english ? "For the staff of provincial education departments. Every access is recorded."
                        : "Dành cho cán bộ Sở Giáo dục và Đào tạo. Mọi lần truy cập đều được ghi lại.");
    if (english)
        text_puts(out, "<input type=\"hidden\" name=\"lang\" value=\"en\">");
    input(out, "user", english ? "User name" : "Tên đăng nhập", NULL,
          "required maxlength=\"64\" autocomplete=\"username\"");
    text_printf(out, "<label for=\"password\">%s</label><input id=\"password\" name=\"password\" type=\"password\" "
                     "required maxlength=\"1024\" autocomplete=\"current-password\">",
                english ? "Password" : "Mật khẩu");
    text_printf(out, "<button type=\"submit\">%s</button></form>", english ? "Log in" : "Đăng nhập");
    tail(out, english);
}

static const char *status_words(unsigned status, bool english)
{
    switch (status) {
    case 400: return english ? "Bad request" : "Yêu cầu không hợp lệ";
    case 401: return english ? "Login needed" : "Cần đăng nhập";
    case 403: return english ? "Forbidden" : "Không được phép";
    case 404: return english ? "Not found" : "Không tìm thấy trang";
    case 405: return english ? "Method not allowed" : "Phương thức không được hỗ trợ";
    case 413: return english ? "Too large" : "Quá lớn";
    case 414: return english ? "Address too long" : "Địa chỉ quá dài";
    case 415: return english ? "Unsupported content" : "Kiểu nội dung không được hỗ trợ";
    case 429: return english ? "Too many requests — wait a little and try again" : "Quá nhiều yêu cầu — hãy đợi một lát rồi thử lại";
    case 503: return english ? "Busy — try again shortly" : "Đang bận — hãy thử lại sau ít phút";
    default: return english ? "The portal failed" : "Cổng tra cứu gặp lỗi";
    }
}

void page_error(unsigned http_status, const char *message, bool english, text_buffer *out)
{
    char title[128];
    snprintf(title, sizeof title, "%u — %s", http_status, status_words(http_status, english));
    head(out, title, english);
    top(out, portal_title(english), english ? "/?lang=vi" : "/?lang=en", english);
    text_puts(out, "<section class=\"card\"><h1>");
    text_html(out, title);
    text_puts(out, "</h1>");
    if (message && *message) {
        text_puts(out, "<p>");
        text_html(out, message);
        text_puts(out, "</p>");
    }
    text_printf(out, "<p><a href=\"%s\">%s</a></p></section>", english ? "/?lang=en" : "/",
                english ? "Back to the lookup" : "Về trang tra cứu");
    tail(out, english);
}

void page_audit_bar(const char *user, const char *province, int year, bool english, text_buffer *out)
{
    char year_query[32] = "";
    if (year)
        snprintf(year_query, sizeof year_query, "year=%d&", year);
    text_puts(out, "<nav class=\"vbp-bar\"><span>");
    text_html(out, english ? "Logged in: " : "Đăng nhập: ");
    text_puts(out, "<b>");
    text_html(out, user);
    text_puts(out, "</b> — ");
    text_html(out, province && *province ? province : (english ? "all provinces" : "mọi tỉnh"));
    text_printf(out, "</span><a href=\"/audit/anomalies.csv?%slang=%s\">%s</a>", year_query, english ? "en" : "vi",
                english ? "Anomalies (CSV)" : "Bất thường (CSV)");
    text_printf(out, "<a href=\"/audit/statistics.csv?%slang=%s\">%s</a>", year_query, english ? "en" : "vi",
                english ? "Statistics (CSV)" : "Thống kê (CSV)");
    text_printf(out, "<a href=\"/audit?%slang=%s\" hreflang=\"%s\">%s</a>", year_query, english ? "vi" : "en",
                english ? "vi" : "en", english ? "Tiếng Việt" : "English");
    text_printf(out, "<form method=\"post\" action=\"/audit/logout%s\"><button type=\"submit\">%s</button></form></nav>",
                english ? "?lang=en" : "", english ? "Log out" : "Đăng xuất");
}

/* ---------------------------------------------------------------- the lookup as JSON */

static void json_enum(text_buffer *out, const char *key, int code, const char *vi, const char *en)
{
    text_printf(out, ",\"%s\":", key);
    if (!vi) {
        text_puts(out, "null");
        return;
    }
    text_printf(out, "{\"code\":%d,\"vi\":", code);
    text_json_string(out, vi);
    text_puts(out, ",\"en\":");
    text_json_string(out, en);
    text_puts(out, "}");
}

static void json_date(text_buffer *out, const char *key, bool has, int32_t days)
{
    char date[16];
    text_printf(out, ",\"%s\":", key);
    if (!has) {
        text_puts(out, "null");
        return;
    }
    text_date_iso_from_days(date, days);
    text_json_string(out, date);
}

static void json_time(text_buffer *out, const char *key, int64_t seconds)
{
    char time_text[32];
    text_time_iso(time_text, seconds);
    text_printf(out, ",\"%s\":", key);
    text_json_string(out, time_text);
}

static void json_result(text_buffer *out, const lookup_result *r)
{
    static const char *const states[] = {"", "in-force", "superseded", "revoked"};
    text_puts(out, "{\"school\":{\"code\":");
    text_json_string(out, r->school_code);
    text_puts(out, ",\"name\":");
    text_json_string(out, r->school_name);
    text_printf(out, "},\"state\":\"%s\",\"serial\":", states[r->state >= 1 && r->state <= 3 ? r->state : 1]);
    text_json_string(out, r->serial);
    text_puts(out, ",\"name\":");
    text_json_string(out, r->name);
    json_date(out, "birth_date", true, r->birth_date);
    json_enum(out, "type", r->type, vb_credential_type_name(r->type, false), vb_credential_type_name(r->type, true));
    text_puts(out, ",\"program\":{\"code\":");
    text_json_string(out, r->program_code[0] ? r->program_code : NULL);
    text_puts(out, ",\"name\":");
    text_json_string(out, r->program_name[0] ? r->program_name : NULL);
    text_puts(out, "}");
    json_enum(out, "classification", r->classification, vb_classification_name(r->classification, false),
              vb_classification_name(r->classification, true));
    text_printf(out, ",\"register_number\":%u,\"register_year\":%u", r->register_number, (unsigned)r->register_year);
    json_date(out, "issue_date", true, r->issue_date);
    text_puts(out, ",\"issue_place\":");
    text_json_string(out, r->issue_place);
    json_enum(out, "kind", r->kind, vb_kind_name(r->kind, false), vb_kind_name(r->kind, true));
    text_puts(out, ",\"revocation\":");
    if (r->state == LOOKUP_REVOKED) {
        text_puts(out, "{\"decision_number\":");
        text_json_string(out, r->revoke_decision[0] ? r->revoke_decision : NULL);
        json_date(out, "decision_date", r->has_revoke_date, r->revoke_date);
        json_time(out, "recorded_at", r->revoked_at);
        json_enum(out, "reason", r->revoke_reason, vb_describe_revocation_reason(r->revoke_reason, false),
                  vb_describe_revocation_reason(r->revoke_reason, true));
        text_puts(out, "}");
    } else {
        text_puts(out, "null");
    }
    text_puts(out, ",\"correction\":");
    if (r->kind == VB_KIND_CORRECTION) {
        text_puts(out, "{\"decision_number\":");
        text_json_string(out, r->correction_decision[0] ? r->correction_decision : NULL);
        json_date(out, "decision_date", r->has_correction_date, r->correction_date);
        json_time(out, "recorded_at", r->corrected_at);
        text_puts(out, "}");
    } else {
        text_puts(out, "null");
    }
    text_puts(out, "}");
}

void json_lookup(const lookup_result *results, size_t count, text_buffer *out)
{
    if (count == 0) {
        text_puts(out, "{\"found\":false,\"credentials\":[]}");
        return;
    }
    text_puts(out, "{\"found\":true,\"credentials\":[");
    for (size_t i = 0; i < count; i++) {
        if (i)
            text_puts(out, ",");
        json_result(out, &results[i]);
    }
    text_puts(out, "]}");
}
