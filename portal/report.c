/*
 * report.c — the audit (audit.c) for people and for spreadsheets: one self-contained HTML5
 * document (inline style, no script, no external resource, bar charts drawn here as inline SVG
 * with text labels and <title>s for screen readers), and two CSV files (RFC 4180: CRLF line
 * ends, a header line, fields quoted when they hold a comma, a quote or a line break).
 *
 * Everything shown comes from schools' records and the portal's rows, that is from outside, so
 * every string goes through text_html. A CSV field from outside that a spreadsheet would run as
 * a formula (starting with = + @, a tab or CR, or - not followed by a digit) gets a leading
 * apostrophe, as OWASP advises: staff open these files in spreadsheets.
 */
#include "portal.h"

#include "record.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_ROWS_PER_KIND 1000 /* anomalies listed under each kind */
#define REPORT_CHART_BARS 40      /* bars in the by-school chart (the largest) */
#define REPORT_CHART_LABEL_CHARS 34

/* ---------------------------------------------------------------- words */

typedef struct {
    const char *vi, *en;
} words;

static const char *say(words w, bool english) { return english ? w.en : w.vi; }

static const words w_title = {"Báo cáo kiểm tra văn bằng, chứng chỉ", "Diploma and certificate audit report"};
static const words w_all_provinces = {"toàn quốc", "all provinces"};
static const words w_all_years = {"mọi năm", "all years"};
static const words w_province = {"Tỉnh, thành phố", "Province"};
static const words w_year = {"Năm cấp", "Year of issue"};
static const words w_generated = {"Lập lúc", "Generated at"};
static const words w_duration = {"Thời gian kiểm tra", "Audit time"};
static const words w_summary = {"Tóm tắt", "Summary"};
static const words w_schools = {"Số trường", "Schools"};
static const words w_records = {"Số bản ghi", "Records"};
static const words w_events = {"Số sự kiện trong nhật ký", "Log events"};
static const words w_signatures = {"Số chữ ký đã kiểm tra", "Signatures checked"};
static const words w_anomaly_total = {"Tổng số bất thường", "Anomalies found"};
static const words w_clean = {"Không phát hiện bất thường nào.", "No anomaly was found."};
static const words w_not_clean = {"Phát hiện bất thường: xem danh sách dưới đây.",
                                  "Anomalies were found: see the lists below."};
static const words w_anomalies = {"Bất thường", "Anomalies"};
static const words w_kind = {"Loại bất thường", "Kind"};
static const words w_count = {"Số lượng", "Count"};
static const words w_school = {"Trường", "School"};
static const words w_serial = {"Số hiệu", "Serial"};
static const words w_event = {"Sự kiện", "Event"};
static const words w_code = {"Mã lỗi", "Code"};
static const words w_detail = {"Chi tiết (tiếng Anh)", "Detail"};
static const words w_statistics = {"Thống kê", "Statistics"};
static const words w_originals = {"Bản chính", "Originals"};
static const words w_corrections = {"Bản chỉnh sửa", "Corrections"};
static const words w_copies = {"Bản sao từ sổ gốc", "Copies"};
static const words w_revoked = {"Đã thu hồi", "Revoked"};
static const words w_key = {"Mã", "Key"};
static const words w_name = {"Tên", "Name"};
static const words w_none = {"Không có dữ liệu.", "No data."};
static const words w_no_classification = {"Không xếp loại", "No classification"};

static const struct {
    const char *csv;
    words heading, chart;
} dimensions[] = {
    {"school", {"Theo trường", "By school"}, {"Số bản chính theo trường", "Originals by school"}},
    {"year", {"Theo năm cấp", "By year of issue"}, {"Số bản chính theo năm cấp", "Originals by year of issue"}},
    {"type", {"Theo loại văn bằng", "By type"}, {"Số bản chính theo loại văn bằng", "Originals by type"}},
    {"program", {"Theo ngành, nghề", "By program"}, {"", ""}},
    {"classification", {"Theo xếp loại", "By classification"}, {"", ""}},
};
enum { DIMENSION_SCHOOL, DIMENSION_YEAR, DIMENSION_TYPE, DIMENSION_PROGRAM, DIMENSION_CLASSIFICATION, DIMENSIONS };

static const audit_counts *dimension_counts(const audit_result *r, int dimension)
{
    switch (dimension) {
    case DIMENSION_SCHOOL: return &r->by_school;
    case DIMENSION_YEAR: return &r->by_year;
    case DIMENSION_TYPE: return &r->by_type;
    case DIMENSION_PROGRAM: return &r->by_program;
    default: return &r->by_classification;
    }
}

/* What people read for a row: audit.c writes Vietnamese labels; an English report names types
 * and classifications anew from their codes (describe.c's names, through record.h). */
static const char *row_label(int dimension, const audit_count *item, bool english)
{
    if (!english)
        return item->label;
    if (dimension == DIMENSION_TYPE) {
        const char *name = vb_credential_type_name(atoi(item->key), true);
        return name ? name : item->label;
    }
    if (dimension == DIMENSION_CLASSIFICATION) {
        int code = atoi(item->key);
        const char *name = code ? vb_classification_name(code, true) : NULL;
        return name ? name : code ? item->label : w_no_classification.en;
    }
    return item->label;
}

/* 1.234.567 in Vietnamese, 1,234,567 in English. */
static void format_count(char out[32], uint64_t value, bool english)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)value);
    size_t used = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[used++] = english ? ',' : '.';
        out[used++] = digits[i];
    }
    out[used] = '\0';
}

static void put_count(text_buffer *out, uint64_t value, bool english)
{
    char text[32];
    format_count(text, value, english);
    text_puts(out, text);
}

static uint64_t anomaly_sum(const audit_result *r)
{
    uint64_t total = 0;
    for (int k = 1; k < ANOMALY_KIND_COUNT; k++)
        total += r->anomaly_total[k];
    return total;
}

static const char *school_name(const audit_result *r, const char *code)
{
    size_t low = 0, high = r->by_school.count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int c = strcmp(r->by_school.items[middle].key, code);
        if (c == 0)
            return r->by_school.items[middle].label;
        if (c < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return "";
}

/* ---------------------------------------------------------------- SVG bar charts */

typedef struct {
    const char *label;
    uint64_t value;
} chart_bar;

/* At most `characters` UTF-8 characters of text, with "…" when cut, into out. */
static void shorten(const char *text, size_t characters, char *out, size_t out_size)
{
    size_t used = 0, seen = 0, i = 0;
    for (; text[i] && used + 8 < out_size; i++) {
        bool starts = ((unsigned char)text[i] & 0xc0) != 0x80;
        if (starts && ++seen > characters)
            break;
        out[used++] = text[i];
    }
    if (text[i]) {
        /* out holds text's first `used` bytes; never end inside a character */
        while (used > 0 && ((unsigned char)text[used] & 0xc0) == 0x80)
            used--;
        memcpy(out + used, "\xe2\x80\xa6", 3);
        used += 3;
    }
    out[used] = '\0';
}

/* A horizontal bar chart: one row per bar, label on the left, bar, value on the right. Each bar
 * has its own <title> (label and value) and the chart a <title> and <desc>. */
static void svg_bar_chart(text_buffer *out, const char *id, const char *title, const chart_bar *bars, size_t count,
                          const char *bar_class, bool english)
{
    const unsigned width = 760, label_width = 250, bar_width = 400, row = 24;
    uint64_t largest = 0;
    for (size_t i = 0; i < count; i++)
        if (bars[i].value > largest)
            largest = bars[i].value;
    unsigned height = (unsigned)count * row + 8;

    text_printf(out, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"%s-title %s-desc\""
                     " viewBox=\"0 0 %u %u\" width=\"%u\" height=\"%u\" class=\"chart\">\n",
                id, id, width, height, width, height);
    text_printf(out, "<title id=\"%s-title\">", id);
    text_html(out, title);
    text_printf(out, "</title>\n<desc id=\"%s-desc\">", id);
    for (size_t i = 0; i < count; i++) {
        text_puts(out, i ? "; " : "");
        text_html(out, bars[i].label);
        text_puts(out, ": ");
        put_count(out, bars[i].value, english);
    }
    text_puts(out, "</desc>\n");
    for (size_t i = 0; i < count; i++) {
        char label[REPORT_CHART_LABEL_CHARS * 4 + 8];
        unsigned y = (unsigned)i * row + 4;
        unsigned length = largest ? (unsigned)((double)bars[i].value / (double)largest * bar_width + 0.5) : 0;
        if (bars[i].value > 0 && length < 2)
            length = 2;
        shorten(bars[i].label, REPORT_CHART_LABEL_CHARS, label, sizeof label);
        text_puts(out, "<g><title>");
        text_html(out, bars[i].label);
        text_puts(out, ": ");
        put_count(out, bars[i].value, english);
        text_printf(out, "</title><text x=\"%u\" y=\"%u\" text-anchor=\"end\">", label_width - 8, y + 15);
        text_html(out, label);
        text_printf(out, "</text><rect class=\"%s\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"16\"/>", bar_class,
                    label_width, y + 2, length);
        text_printf(out, "<text x=\"%u\" y=\"%u\">", label_width + length + 6, y + 15);
        put_count(out, bars[i].value, english);
        text_puts(out, "</text></g>\n");
    }
    text_puts(out, "</svg><figcaption>");
    text_html(out, title);
    text_puts(out, "</figcaption></figure>\n");
}

static int bar_by_value(const void *a, const void *b)
{
    const chart_bar *x = a, *y = b;
    if (x->value != y->value)
        return x->value > y->value ? -1 : 1;
    return strcmp(x->label, y->label);
}

/* Originals by one dimension; for schools only the REPORT_CHART_BARS largest. */
static void chart_of_dimension(text_buffer *out, const audit_result *r, int dimension, bool english)
{
    const audit_counts *counts = dimension_counts(r, dimension);
    if (counts->count == 0)
        return;
    chart_bar *bars = malloc(counts->count * sizeof *bars);
    if (!bars) {
        out->failed = true;
        return;
    }
    for (size_t i = 0; i < counts->count; i++) {
        bars[i].label = row_label(dimension, &counts->items[i], english);
        bars[i].value = counts->items[i].originals;
    }
    size_t shown = counts->count;
    char title[160];
    snprintf(title, sizeof title, "%s", say(dimensions[dimension].chart, english));
    if (dimension == DIMENSION_SCHOOL) {
        qsort(bars, counts->count, sizeof *bars, bar_by_value);
        if (shown > REPORT_CHART_BARS) {
            shown = REPORT_CHART_BARS;
            snprintf(title, sizeof title, english ? "Originals by school (the %d with most of %zu)"
                                                  : "Số bản chính theo trường (%d trường nhiều nhất trên %zu)",
                     REPORT_CHART_BARS, counts->count);
        }
    }
    char id[32];
    snprintf(id, sizeof id, "chart-%s", dimensions[dimension].csv);
    svg_bar_chart(out, id, title, bars, shown, "bar", english);
    free(bars);
}

/* ---------------------------------------------------------------- HTML */

static const char report_style[] =
    "body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",Arial,sans-serif;"
    "max-width:1100px;margin:1.5em auto;padding:0 1em;color:#1b1b1b;line-height:1.45}\n"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.3em;border-bottom:2px solid #0b5394;"
    "padding-bottom:.2em;margin-top:2em}h3{font-size:1.1em;margin-top:1.5em}\n"
    "table{border-collapse:collapse;margin:.5em 0 1.2em}th,td{border:1px solid #c8c8c8;padding:.25em .5em;"
    "text-align:left;vertical-align:top}th{background:#eef3f8}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "td.code{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace;font-size:.9em}td.serial{white-space:nowrap}\n"
    "small{color:#555}.meta{color:#444}.ok{color:#1b5e20;font-weight:bold}.bad{color:#b71c1c;font-weight:bold}\n"
    "figure{margin:1em 0 1.5em}figcaption{font-size:.9em;color:#444}\n"
    "svg.chart{max-width:100%;height:auto}svg.chart text{font-size:12px;fill:#1b1b1b}\n"
    ".bar{fill:#0b5394}.bar-bad{fill:#b71c1c}\n"
    "@media print{body{max-width:none;margin:0}h2{break-after:avoid}table,figure{break-inside:avoid}}\n";

static void html_scope(text_buffer *out, const audit_result *r, bool english)
{
    text_html(out, r->province[0] ? r->province : say(w_all_provinces, english));
    text_puts(out, " \xe2\x80\x94 ");
    if (r->year)
        text_printf(out, "%s %d", english ? "year" : "năm", r->year);
    else
        text_puts(out, say(w_all_years, english));
}

static void html_summary(text_buffer *out, const audit_result *r, bool english)
{
    const struct {
        words label;
        uint64_t value;
    } rows[] = {
        {w_schools, r->schools},         {w_records, r->records},
        {w_events, r->events},           {w_signatures, r->signatures_checked},
        {w_anomaly_total, anomaly_sum(r)},
    };
    text_printf(out, "<section id=\"summary\">\n<h2>%s</h2>\n<table>\n", say(w_summary, english));
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        text_printf(out, "<tr><th scope=\"row\">%s</th><td class=\"n\">", say(rows[i].label, english));
        put_count(out, rows[i].value, english);
        text_puts(out, "</td></tr>\n");
    }
    text_puts(out, "</table>\n");
    bool clean = anomaly_sum(r) == 0;
    text_printf(out, "<p class=\"%s\">%s</p>\n</section>\n", clean ? "ok" : "bad",
                say(clean ? w_clean : w_not_clean, english));
}

static void html_anomaly_rows(text_buffer *out, const audit_result *r, anomaly_kind kind, bool english)
{
    size_t kept = 0;
    for (size_t i = 0; i < r->anomaly_count; i++)
        kept += r->anomalies[i].kind == kind;
    size_t shown = kept < REPORT_ROWS_PER_KIND ? kept : REPORT_ROWS_PER_KIND;

    text_printf(out, "<h3 id=\"%s\">", anomaly_name(kind));
    text_html(out, anomaly_text(kind, english));
    text_puts(out, " (");
    put_count(out, r->anomaly_total[kind], english);
    text_puts(out, ")</h3>\n<p class=\"meta\">");
    if (shown < r->anomaly_total[kind]) {
        char a[32], b[32];
        format_count(a, shown, english);
        format_count(b, r->anomaly_total[kind], english);
        text_printf(out, english ? "The first %s of %s are listed; anomalies.csv holds more."
                                 : "Liệt kê %s đầu tiên trên tổng số %s; tệp anomalies.csv có thêm.",
                    a, b);
    } else {
        text_printf(out, english ? "All %zu are listed." : "Liệt kê cả %zu.", shown);
    }
    text_puts(out, "</p>\n");
    if (shown == 0)
        return;
    text_printf(out, "<table>\n<thead><tr><th class=\"n\">#</th><th>%s</th><th>%s</th><th class=\"n\">%s</th>"
                     "<th>%s</th><th>%s</th></tr></thead>\n<tbody>\n",
                say(w_school, english), say(w_serial, english), say(w_event, english), say(w_code, english),
                say(w_detail, english));
    size_t row = 0;
    for (size_t i = 0; i < r->anomaly_count && row < shown; i++) {
        const audit_anomaly *a = &r->anomalies[i];
        if (a->kind != kind)
            continue;
        row++;
        text_printf(out, "<tr><td class=\"n\">%zu</td><td>", row);
        text_html(out, a->school);
        const char *name = school_name(r, a->school);
        if (name[0]) {
            text_puts(out, "<br><small>");
            text_html(out, name);
            text_puts(out, "</small>");
        }
        text_puts(out, "</td><td class=\"serial\">");
        text_html(out, a->serial);
        text_puts(out, "</td><td class=\"n\">");
        if (a->sequence)
            text_printf(out, "%llu", (unsigned long long)a->sequence);
        text_puts(out, "</td><td class=\"code\">");
        if (a->code != VB_OK)
            text_html(out, vb_status_name(a->code));
        text_puts(out, "</td><td>");
        text_html(out, a->detail);
        text_puts(out, "</td></tr>\n");
    }
    text_puts(out, "</tbody>\n</table>\n");
}

static void html_anomalies(text_buffer *out, const audit_result *r, bool english)
{
    chart_bar bars[ANOMALY_KIND_COUNT];
    size_t count = 0;

    text_printf(out, "<section id=\"anomalies\">\n<h2>%s</h2>\n", say(w_anomalies, english));
    text_printf(out, "<table>\n<thead><tr><th>%s</th><th class=\"n\">%s</th></tr></thead>\n<tbody>\n",
                say(w_kind, english), say(w_count, english));
    for (int k = 1; k < ANOMALY_KIND_COUNT; k++) {
        bars[count].label = anomaly_text((anomaly_kind)k, english);
        bars[count++].value = r->anomaly_total[k];
        text_puts(out, "<tr><td>");
        if (r->anomaly_total[k])
            text_printf(out, "<a href=\"#%s\">", anomaly_name((anomaly_kind)k));
        text_html(out, anomaly_text((anomaly_kind)k, english));
        if (r->anomaly_total[k])
            text_puts(out, "</a>");
        text_puts(out, "</td><td class=\"n\">");
        put_count(out, r->anomaly_total[k], english);
        text_puts(out, "</td></tr>\n");
    }
    text_puts(out, "</tbody>\n</table>\n");
    svg_bar_chart(out, "chart-anomalies", english ? "Anomalies by kind" : "Số bất thường theo loại", bars, count,
                  "bar-bad", english);
    for (int k = 1; k < ANOMALY_KIND_COUNT; k++)
        if (r->anomaly_total[k])
            html_anomaly_rows(out, r, (anomaly_kind)k, english);
    text_puts(out, "</section>\n");
}

static void html_dimension_table(text_buffer *out, const audit_result *r, int dimension, bool english)
{
    const audit_counts *counts = dimension_counts(r, dimension);
    text_printf(out, "<h3>%s</h3>\n", say(dimensions[dimension].heading, english));
    if (counts->count == 0) {
        text_printf(out, "<p class=\"meta\">%s</p>\n", say(w_none, english));
        return;
    }
    text_printf(out, "<table>\n<thead><tr><th>%s</th><th>%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
                     "<th class=\"n\">%s</th><th class=\"n\">%s</th></tr></thead>\n<tbody>\n",
                say(w_key, english), say(w_name, english), say(w_originals, english), say(w_corrections, english),
                say(w_copies, english), say(w_revoked, english));
    for (size_t i = 0; i < counts->count; i++) {
        const audit_count *item = &counts->items[i];
        text_puts(out, "<tr><td>");
        text_html(out, item->key);
        text_puts(out, "</td><td>");
        text_html(out, row_label(dimension, item, english));
        const uint64_t values[4] = {item->originals, item->corrections, item->copies, item->revoked};
        for (size_t v = 0; v < 4; v++) {
            text_puts(out, "</td><td class=\"n\">");
            put_count(out, values[v], english);
        }
        text_puts(out, "</td></tr>\n");
    }
    text_puts(out, "</tbody>\n</table>\n");
}

void report_html(const audit_result *r, bool english, text_buffer *out)
{
    char generated[32];
    text_time_iso(generated, r->generated_at);

    text_printf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
                english ? "en" : "vi");
    text_html(out, say(w_title, english));
    text_puts(out, " \xe2\x80\x94 ");
    html_scope(out, r, english);
    text_printf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", report_style);
    text_html(out, say(w_title, english));
    text_puts(out, "</h1>\n<p class=\"meta\">");
    text_printf(out, "%s: ", say(w_province, english));
    text_html(out, r->province[0] ? r->province : say(w_all_provinces, english));
    text_printf(out, " \xc2\xb7 %s: ", say(w_year, english));
    if (r->year)
        text_printf(out, "%d", r->year);
    else
        text_puts(out, say(w_all_years, english));
    text_printf(out, " \xc2\xb7 %s: %s \xc2\xb7 %s: %.1f s</p>\n</header>\n<main>\n", say(w_generated, english),
                generated, say(w_duration, english), r->seconds);

    html_summary(out, r, english);
    html_anomalies(out, r, english);

    text_printf(out, "<section id=\"statistics\">\n<h2>%s</h2>\n", say(w_statistics, english));
    chart_of_dimension(out, r, DIMENSION_SCHOOL, english);
    chart_of_dimension(out, r, DIMENSION_YEAR, english);
    chart_of_dimension(out, r, DIMENSION_TYPE, english);
    for (int d = 0; d < DIMENSIONS; d++)
        html_dimension_table(out, r, d, english);
    text_puts(out, "</section>\n</main>\n<footer><p class=\"meta\">");
    text_puts(out, english ? "Made by " PORTAL_PROGRAM " from the national portal's store: every record's signature "
                             "verified against the trust list, every school's log rebuilt against its signed "
                             "checkpoints."
                           : "Lập bởi " PORTAL_PROGRAM " từ cơ sở dữ liệu của cổng quốc gia: chữ ký của từng bản ghi "
                             "được kiểm tra theo danh sách tin cậy, nhật ký của từng trường được dựng lại và đối "
                             "chiếu với các điểm kiểm tra đã ký. Phần chi tiết viết bằng tiếng Anh kỹ thuật.");
    text_puts(out, "</p></footer>\n</body>\n</html>\n");
}

/* ---------------------------------------------------------------- CSV */

static void csv_field(text_buffer *out, const char *field)
{
    bool formula = field[0] == '=' || field[0] == '+' || field[0] == '@' || field[0] == '\t' || field[0] == '\r' ||
                   (field[0] == '-' && !(field[1] >= '0' && field[1] <= '9'));
    bool quote = strpbrk(field, ",\"\r\n") != NULL;
    if (quote)
        text_puts(out, "\"");
    if (formula)
        text_puts(out, "'");
    for (const char *p = field; *p; p++) {
        const char *quote_at = strchr(p, '"');
        if (!quote_at) {
            text_puts(out, p);
            break;
        }
        text_append(out, p, (size_t)(quote_at - p));
        text_puts(out, "\"\"");
        p = quote_at;
    }
    if (quote)
        text_puts(out, "\"");
}

void report_anomalies_csv(const audit_result *r, text_buffer *out)
{
    text_puts(out, "kind,school,serial,sequence,code,detail\r\n");
    for (size_t i = 0; i < r->anomaly_count; i++) {
        const audit_anomaly *a = &r->anomalies[i];
        text_puts(out, anomaly_name(a->kind));
        text_puts(out, ",");
        csv_field(out, a->school);
        text_puts(out, ",");
        csv_field(out, a->serial);
        text_puts(out, ",");
        if (a->sequence)
            text_printf(out, "%llu", (unsigned long long)a->sequence);
        text_puts(out, ",");
        if (a->code != VB_OK)
            text_puts(out, vb_status_name(a->code));
        text_puts(out, ",");
        csv_field(out, a->detail);
        text_puts(out, "\r\n");
    }
}

void report_statistics_csv(const audit_result *r, text_buffer *out)
{
    text_puts(out, "dimension,key,label,originals,corrections,copies,revoked\r\n");
    for (int d = 0; d < DIMENSIONS; d++) {
        const audit_counts *counts = dimension_counts(r, d);
        for (size_t i = 0; i < counts->count; i++) {
            const audit_count *item = &counts->items[i];
            text_printf(out, "%s,", dimensions[d].csv);
            csv_field(out, item->key);
            text_puts(out, ",");
            csv_field(out, item->label);
            text_printf(out, ",%llu,%llu,%llu,%llu\r\n", (unsigned long long)item->originals,
                        (unsigned long long)item->corrections, (unsigned long long)item->copies,
                        (unsigned long long)item->revoked);
        }
    }
}
