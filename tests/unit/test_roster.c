/*
 * test_roster.c — unit tests of the roster reader (libvanbang/roster.c) and the sample generator
 * (libvanbang/sample.c): generated and real rosters validate clean; BOM, semicolon and CRLF
 * spellings of the same rows read the same; quoting, line breaks inside quotes and NFC; every
 * check reported at its exact FILE:LINE:COLUMN; no message ever holds a personal
 * identification number; duplicates, header problems, limits; the generator's determinism.
 *
 * Files are written to a fresh directory under $TMPDIR (or /tmp), removed at the end. The real
 * samples are read from $VB_SAMPLE_DATA (default /work/shared/data); when absent that test is
 * skipped, not failed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "roster.h"
#include "sample.h"
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEST_HEADER                                                                                                   \
    "STT,Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân,Mã ngành,Tên ngành,Xếp loại,Hình thức đào tạo,Số quyết " \
    "định,Ngày quyết định\n"
#define TEST_NAME "t.csv" /* display name in every message, so expected texts do not hold the temp path */

static char test_directory[256];

static int32_t test_issue_date(void)
{
    return vb_days_from_civil(2026, 7, 1);
}

/* ---------------------------------------------------------------- files */

static int test_setup(void **state)
{
    (void)state;
    return test_make_temp_dir(test_directory, sizeof test_directory, "vb-test-roster-XXXXXX");
}

static int test_teardown(void **state)
{
    (void)state;
    test_remove_flat_dir(test_directory);
    return 0;
}

static const char *test_path(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", test_directory, name);
    return path;
}

static const char *test_write_bytes(const char *name, const char *content, size_t length)
{
    const char *path = test_path(name);
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(content, 1, length, file), length);
    assert_int_equal(fclose(file), 0);
    return path;
}

static const char *test_write(const char *name, const char *content)
{
    return test_write_bytes(name, content, strlen(content));
}

static char *test_read_whole(const char *path, size_t *length)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    long size = ftell(file);
    assert_true(size >= 0);
    rewind(file);
    char *bytes = malloc((size_t)size + 1);
    assert_non_null(bytes);
    assert_int_equal(fread(bytes, 1, (size_t)size, file), (size_t)size);
    bytes[size] = '\0';
    fclose(file);
    *length = (size_t)size;
    return bytes;
}

/* ---------------------------------------------------------------- reading */

typedef struct {
    vb_status status; /* of the open, or of the first next that failed */
    vb_error error;
    vb_roster_row *rows;
    size_t row_count;
    size_t problem_count;
    size_t note_count;
    size_t warning_count;
    char *notes; /* every note's text, each followed by '\n' */
} test_result;

static void test_result_free(test_result *result)
{
    free(result->rows);
    free(result->notes);
    memset(result, 0, sizeof *result);
}

static void test_read_with(const char *path, const vb_roster_options *options, test_result *result)
{
    memset(result, 0, sizeof *result);
    vb_roster_reader *reader = NULL;
    result->status = vb_roster_open(path, options, &reader, &result->error);
    if (result->status != VB_OK) {
        assert_null(reader);
        result->notes = calloc(1, 1);
        return;
    }
    size_t capacity = 0;
    for (;;) {
        vb_roster_row row;
        bool has_row = false;
        vb_status status = vb_roster_next(reader, &row, &has_row, &result->error);
        if (status != VB_OK) {
            result->status = status;
            break;
        }
        if (!has_row)
            break;
        if (result->row_count == capacity) {
            capacity = capacity ? 2 * capacity : 64;
            result->rows = realloc(result->rows, capacity * sizeof *result->rows);
            assert_non_null(result->rows);
        }
        result->rows[result->row_count++] = row;
    }
    result->problem_count = vb_roster_problem_count(reader);
    result->note_count = vb_roster_note_count(reader);
    size_t total = 1;
    for (size_t i = 0; i < result->note_count; i++)
        total += strlen(vb_roster_note_at(reader, i)->text) + 1;
    result->notes = calloc(1, total);
    assert_non_null(result->notes);
    for (size_t i = 0; i < result->note_count; i++) {
        const vb_roster_note *note = vb_roster_note_at(reader, i);
        strcat(result->notes, note->text);
        strcat(result->notes, "\n");
        result->warning_count += note->severity == VB_ROSTER_WARNING;
    }
    vb_roster_close(reader);
    /* `issue` numbers a batch by the quick count before it reads the rows: the two must agree
     * on every roster read here (quotes, line breaks, blank rows, spellings, the samples). */
    if (result->status == VB_OK) {
        uint64_t counted = 0;
        vb_error count_error;
        assert_int_equal(vb_roster_count_rows(path, options, &counted, &count_error), VB_OK);
        assert_int_equal(counted, result->row_count);
    }
}

static void test_read(const char *path, int type, test_result *result)
{
    vb_roster_options options;
    vb_roster_options_init(&options, type, test_issue_date());
    options.display_name = TEST_NAME;
    test_read_with(path, &options, result);
}

/* Reads a file that must hold exactly one problem, and checks its whole text. */
static void test_expect_single_problem(const char *content, int type, const char *expected)
{
    test_result result;
    test_read(test_write("case.csv", content), type, &result);
    if (result.problem_count != 1 || strcmp(result.notes, expected) != 0)
        fail_msg("expected exactly:\n%sgot %zu problems:\n%s", expected, result.problem_count, result.notes);
    test_result_free(&result);
}

static bool test_rows_equal(const vb_roster_row *a, const vb_roster_row *b)
{
    return a->line == b->line && strcmp(a->sequence, b->sequence) == 0 && strcmp(a->name, b->name) == 0 &&
           a->birth_date == b->birth_date && a->gender == b->gender && strcmp(a->personal_id, b->personal_id) == 0 &&
           strcmp(a->program_code, b->program_code) == 0 && strcmp(a->program_name, b->program_name) == 0 &&
           a->classification == b->classification && a->training_mode == b->training_mode &&
           strcmp(a->decision_number, b->decision_number) == 0 && a->has_decision_date == b->has_decision_date &&
           a->decision_date == b->decision_date && a->problem_count == b->problem_count;
}

/* 1-based character column where field `index` of a row without quotes starts. */
static size_t test_field_column(const char *row, size_t index)
{
    size_t column = 1;
    const unsigned char *p = (const unsigned char *)row;
    for (; *p && index > 0; p++) {
        if (*p == ',')
            index--;
        if ((*p & 0xc0) != 0x80)
            column++;
    }
    return column;
}

/* ---------------------------------------------------------------- a valid base row */

enum { F_SEQ, F_NAME, F_BIRTH, F_GENDER, F_PIN, F_CODE, F_PROGRAM, F_CLASS, F_MODE, F_DECISION, F_DECISION_DATE };
#define TEST_FIELDS 11

static const char *const test_base_row[TEST_FIELDS] = {
    "2", "Nguyễn Thị Ánh", "15/03/2003", "Nữ", "001303123456", "6480202",
    "Công nghệ thông tin (Ứng dụng phần mềm)", "Khá", "Chính quy", "746/QĐ-CĐN", "12/06/2026",
};
/* Line 2 of every case file: valid, and distinct from the base row. */
#define TEST_FIRST_ROW "1,Trần Văn Bình,04/11/2002,Nam,079202654321,6340301,Kế toán,Giỏi,Chính quy,746/QĐ-CĐN,12/06/2026\n"

/* The base row with field `index` replaced by value (NULL keeps it), joined by commas; a date
 * of birth in another year goes without its (then disagreeing) identification number. */
static void test_row_with(size_t index, const char *value, char *out, size_t out_size)
{
    out[0] = '\0';
    for (size_t i = 0; i < TEST_FIELDS; i++) {
        const char *field = i == index && value ? value : test_base_row[i];
        if (i == F_PIN && index == F_BIRTH && value && strstr(value, "2003") == NULL)
            field = "";
        if (i)
            strncat(out, ",", out_size - strlen(out) - 1);
        strncat(out, field, out_size - strlen(out) - 1);
    }
}

/* ---------------------------------------------------------------- tests */

static char *test_generate(uint64_t seed, size_t rows, int type, size_t *length)
{
    char *bytes = NULL;
    FILE *memory = open_memstream(&bytes, length);
    assert_non_null(memory);
    vb_error err;
    assert_int_equal(vb_sample_write_roster(memory, seed, rows, type, &err), VB_OK);
    assert_int_equal(fclose(memory), 0);
    return bytes;
}

static void test_generated_roster_validates(void **state)
{
    (void)state;
    static const int types[] = {VB_TYPE_COLLEGE, VB_TYPE_INTERMEDIATE};
    for (size_t t = 0; t < 2; t++) {
        const char *path = test_path(t ? "generated-intermediate.csv" : "generated-college.csv");
        FILE *file = fopen(path, "wb");
        assert_non_null(file);
        vb_error err;
        assert_int_equal(vb_sample_write_roster(file, 20260601 + t, 2000, types[t], &err), VB_OK);
        assert_int_equal(fclose(file), 0);

        vb_roster_options options;
        vb_roster_options_init(&options, types[t], vb_sample_latest_decision_date());
        test_result result;
        test_read_with(path, &options, &result);
        if (result.status != VB_OK || result.problem_count != 0 || result.note_count != 0)
            fail_msg("generated roster: %s\n%s", result.error.message, result.notes);
        assert_int_equal(result.row_count, 2000);

        /* Each row becomes a credential the record format accepts once the issuer numbers it. */
        vb_roster_batch batch = {types[t], vb_sample_latest_decision_date() + 3, "Thành phố Hồ Chí Minh", "CDN-TEST",
                                 false};
        size_t with_personal_id = 0;
        for (size_t i = 0; i < result.row_count; i++) {
            const vb_roster_row *row = &result.rows[i];
            assert_int_equal(row->line, i + 2);
            with_personal_id += row->personal_id[0] != '\0';
            vb_credential credential;
            assert_int_equal(vb_roster_row_to_credential(row, &batch, &credential, &err), VB_OK);
            snprintf(credential.serial, sizeof credential.serial, "CĐ%06zu", i + 1);
            credential.register_number = (uint32_t)i + 1;
            credential.register_year = 2026;
            credential.record_id_length = 8;
            memcpy(credential.record_id, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
            credential.signed_at = 1782950400;
            if (vb_credential_check(&credential, &err) != VB_OK)
                fail_msg("row %zu: %s", i + 2, err.message);
        }
        /* About one in eight identification numbers is left empty, as in the real samples. */
        assert_true(with_personal_id > 1600 && with_personal_id < 1920);
        test_result_free(&result);
    }
}

static void test_real_samples_validate(void **state)
{
    (void)state;
    const char *directory = getenv("VB_SAMPLE_DATA");
    if (!directory || !*directory)
        directory = "/work/shared/data";
    static const struct {
        const char *file;
        int type;
        size_t rows;
    } samples[] = {{"sample-roster.csv", VB_TYPE_COLLEGE, 500}, {"sample-roster-trung-cap.csv", VB_TYPE_INTERMEDIATE, 300}};
    size_t read = 0;
    for (size_t i = 0; i < 2; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", directory, samples[i].file);
        if (access(path, R_OK) != 0) {
            printf("skipped: %s is not there\n", path);
            continue;
        }
        vb_roster_options options;
        vb_roster_options_init(&options, samples[i].type, test_issue_date());
        test_result result;
        test_read_with(path, &options, &result);
        if (result.status != VB_OK || result.problem_count != 0 || result.note_count != 0)
            fail_msg("%s: %s\n%s", path, result.error.message, result.notes);
        assert_int_equal(result.row_count, samples[i].rows);
        /* The quoted program name with a comma came through whole. */
        if (samples[i].type == VB_TYPE_COLLEGE) {
            bool found = false;
            for (size_t r = 0; r < result.row_count; r++)
                found = found || strcmp(result.rows[r].program_name, "Công nghệ kỹ thuật điện, điện tử") == 0;
            assert_true(found);
        }
        test_result_free(&result);
        read++;
    }
    if (read == 0)
        skip();
}

/* Rewrites a comma-separated LF file with another separator, line end and byte-order mark. */
static char *test_respell(const char *csv, char separator, const char *line_end, bool bom)
{
    size_t length = strlen(csv);
    char *out = malloc(2 * length + 8);
    assert_non_null(out);
    size_t o = 0;
    if (bom) {
        memcpy(out, "\xef\xbb\xbf", 3);
        o = 3;
    }
    bool quoted = false;
    for (size_t i = 0; i < length; i++) {
        char c = csv[i];
        if (c == '"')
            quoted = !quoted;
        if (c == ',' && !quoted) {
            out[o++] = separator;
        } else if (c == '\n' && !quoted) {
            memcpy(out + o, line_end, strlen(line_end));
            o += strlen(line_end);
        } else {
            out[o++] = c;
        }
    }
    out[o] = '\0';
    return out;
}

static void test_spellings_read_identically(void **state)
{
    (void)state;
    char *generated;
    size_t length;
    size_t written = 0;
    FILE *memory = open_memstream(&generated, &length);
    assert_non_null(memory);
    vb_error err;
    assert_int_equal(vb_sample_write_roster(memory, 7, 300, VB_TYPE_COLLEGE, &err), VB_OK);
    assert_int_equal(fclose(memory), 0);
    assert_non_null(strstr(generated, "\"Công nghệ kỹ thuật điện, điện tử\""));

    static const struct {
        char separator;
        const char *line_end;
        bool bom;
    } spellings[] = {
        {',', "\n", false}, {',', "\n", true}, {';', "\n", false}, {',', "\r\n", false},
        {';', "\r\n", true}, {',', "\r", false},
    };
    test_result reference;
    for (size_t s = 0; s < sizeof spellings / sizeof spellings[0]; s++) {
        char *csv = test_respell(generated, spellings[s].separator, spellings[s].line_end, spellings[s].bom);
        test_result result;
        test_read(test_write("spelling.csv", csv), VB_TYPE_COLLEGE, &result);
        free(csv);
        if (result.status != VB_OK || result.problem_count != 0)
            fail_msg("spelling %zu: %s", s, result.notes);
        assert_int_equal(result.row_count, 300);
        if (s == 0) {
            reference = result;
            continue;
        }
        for (size_t i = 0; i < result.row_count; i++)
            if (!test_rows_equal(&reference.rows[i], &result.rows[i]))
                fail_msg("spelling %zu: row %zu differs", s, i);
        test_result_free(&result);
        written++;
    }
    assert_int_equal(written, 5);
    test_result_free(&reference);
    free(generated);

    /* The column after a byte-order mark is still column 1. */
    test_read(test_write("bom.csv", "\xef\xbb\xbfGhi chú,Họ và tên,Ngày sinh,Giới tính,Mã ngành,Tên ngành\n"
                                    ",Lê Văn Cường,01/01/2000,Nam,6340301,Kế toán\n"),
              VB_TYPE_COLLEGE, &reference);
    assert_int_equal(reference.problem_count, 0);
    assert_int_equal(reference.row_count, 1);
    assert_string_equal(reference.notes, TEST_NAME ":1:1: ignoring unknown column 'Ghi chú'\n");
    test_result_free(&reference);
}

static void test_quotes_and_line_breaks(void **state)
{
    (void)state;
    const char *content =
        "STT,Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân,Mã ngành,Tên ngành,Xếp loại,Hình thức đào tạo,"
        "Số quyết định,Ngày quyết định,Ghi chú\n"
        "1,\"Nguyễn Văn An\",01/02/2003,Nam,,6510303,\"Công nghệ kỹ thuật điện, điện tử\",Khá,Chính quy,"
        "746/QĐ-CĐN,12/06/2026,\"ghi chú\r\nhai dòng, có dấu phẩy\"\n"                      /* lines 2-3 */
        "2,Trần Thị Bé,05/05/2004,Nữ,,6510303,\"Công nghệ kỹ thuật\nđiện,   điện tử\",Giỏi,Chính quy,"
        "\"746/QĐ-CĐN \"\"bổ sung\"\"\",12/06/2026,\n"                                       /* lines 4-5 */
        "3,Lê Văn Cường,31/02/2001,Nam,,6510303,\"x\",Khá,Chính quy,,,\"một\n\nba\"\n";      /* lines 6-8 */
    test_result result;
    test_read(test_write("quotes.csv", content), VB_TYPE_COLLEGE, &result);
    assert_int_equal(result.status, VB_OK);
    assert_int_equal(result.row_count, 3);
    assert_int_equal(result.rows[0].line, 2);
    assert_int_equal(result.rows[1].line, 4);
    assert_int_equal(result.rows[2].line, 6);
    assert_string_equal(result.rows[0].name, "Nguyễn Văn An");
    assert_string_equal(result.rows[0].program_name, "Công nghệ kỹ thuật điện, điện tử");
    /* A line break inside a quoted name of a program is whitespace, collapsed like any other. */
    assert_string_equal(result.rows[1].program_name, "Công nghệ kỹ thuật điện, điện tử");
    assert_string_equal(result.rows[1].decision_number, "746/QĐ-CĐN \"bổ sung\"");
    assert_false(result.rows[2].has_decision_date);
    assert_int_equal(result.problem_count, 1);
    assert_string_equal(result.notes, TEST_NAME ":1:132: ignoring unknown column 'Ghi chú'\n" TEST_NAME
                                      ":6:16: date of birth '31/02/2001' is not a real date written dd/mm/yyyy\n");
    test_result_free(&result);

    /* A field that starts on a line after a line break inside quotes is placed on its own line. */
    test_expect_single_problem(TEST_HEADER "1,\"Phạm\nVăn Dũng\",01/01/2000,Nam,,6340301,Kế toán,Khá,Chính quy,,13/13/2026\n",
                               VB_TYPE_COLLEGE,
                               TEST_NAME ":3:58: decision date '13/13/2026' is not a real date written dd/mm/yyyy\n");

    /* Broken quoting. */
    test_expect_single_problem(TEST_HEADER TEST_FIRST_ROW "2,\"Hồ Văn Em,01/01/2000,Nam,,6340301,Kế toán,Khá,Chính quy,,\n",
                               VB_TYPE_COLLEGE,
                               TEST_NAME ":3:3: the quoted field that starts here never closes (a '\"' is missing)\n");
    test_expect_single_problem(TEST_HEADER TEST_FIRST_ROW "2,\"Hồ Văn\" Em,01/01/2000,Nam,,6340301,Kế toán,Khá,Chính quy,,\n",
                               VB_TYPE_COLLEGE,
                               TEST_NAME ":3:3: text follows the closing quote of this field (a quote inside quotes is "
                                         "written \"\")\n");
    /* Blank lines and rows of bare separators are skipped; line numbers still count them. */
    test_read(test_write("blank.csv", TEST_HEADER "\n,,,,,,,,,,\n" TEST_FIRST_ROW "\r\n\n"), VB_TYPE_COLLEGE, &result);
    assert_int_equal(result.problem_count, 0);
    assert_int_equal(result.row_count, 1);
    assert_int_equal(result.rows[0].line, 4);
    test_result_free(&result);
}

static void test_decomposed_text_is_normalised(void **state)
{
    (void)state;
    /* Header in capitals, decomposed (NFD), with surrounding spaces; name decomposed with a
     * double space inside. */
    const char *content =
        "STT,  HO\xcc\xa3 VA\xcc\x80 TE\xcc\x82N ,Nga\xcc\x80y sinh,Gio\xcc\x9b\xcc\x81i ti\xcc\x81nh,"
        "Số định danh cá nhân,MÃ NGÀNH,Tên ngành,Xếp loại,Hình thức đào tạo,Số quyết định,Ngày quyết định\n"
        "1,Nguye\xcc\x82\xcc\x83n  Thi\xcc\xa3 A\xcc\x81nh,15/03/2003,Nu\xcc\x9b\xcc\x83,001303123456,6480202,"
        "Ke\xcc\x82\xcc\x81 toa\xcc\x81n,trung bình KHÁ,Chính quy,746/QĐ-CĐN,12/06/2026\n";
    test_result result;
    test_read(test_write("nfd.csv", content), VB_TYPE_COLLEGE, &result);
    if (result.problem_count != 0 || result.note_count != 0)
        fail_msg("%s", result.notes);
    assert_int_equal(result.row_count, 1);
    assert_string_equal(result.rows[0].name, "Nguyễn Thị Ánh");
    assert_int_equal(result.rows[0].gender, VB_GENDER_FEMALE);
    assert_string_equal(result.rows[0].program_name, "Kế toán");
    assert_int_equal(result.rows[0].classification, VB_CLASS_FAIRLY_GOOD);
    assert_string_equal(result.rows[0].personal_id, "001303123456");
    assert_int_equal(result.rows[0].birth_date, vb_days_from_civil(2003, 3, 15));
    assert_int_equal(result.rows[0].decision_date, vb_days_from_civil(2026, 6, 12));
    test_result_free(&result);
}

static void test_ascii_aliases(void **state)
{
    (void)state;
    const char *content = "no;Full Name;DOB;sex;CCCD;program_code;program-name;classification;training_mode;"
                          "decision_number;decision_date\r\n"
                          "1;Đỗ Hồng Nhung;01/09/2004;Nữ;038304000001;6720301;Điều dưỡng;Giỏi;Vừa làm vừa học;12/QĐ-CĐN;"
                          "01/06/2026\r\n";
    test_result result;
    test_read(test_write("aliases.csv", content), VB_TYPE_COLLEGE, &result);
    if (result.problem_count != 0 || result.note_count != 0)
        fail_msg("%s", result.notes);
    assert_int_equal(result.row_count, 1);
    assert_string_equal(result.rows[0].program_code, "6720301");
    assert_int_equal(result.rows[0].training_mode, VB_MODE_WORK_STUDY);
    test_result_free(&result);
    assert_string_equal(vb_roster_column_alias(VB_ROSTER_COLUMN_NAME), "full_name");
    assert_string_equal(vb_roster_column_header(VB_ROSTER_COLUMN_PERSONAL_ID), "Số định danh cá nhân");
    assert_null(vb_roster_column_header(VB_ROSTER_COLUMN_COUNT));
}

static void test_each_check_at_its_position(void **state)
{
    (void)state;
    static const struct {
        size_t field;
        const char *value;
        const char *message;
    } cases[] = {
        {F_NAME, "", "full name is empty"},
        {F_NAME, "Nguyễn Văn 2", "full name holds a digit; only letters, spaces, apostrophes and hyphens are allowed"},
        {F_NAME, "Nguyễn Văn A.", "full name holds '.' (U+002E); only letters, spaces, apostrophes and hyphens are allowed"},
        {F_NAME, "Nguyễn\xe2\x80\x8bVăn An", "full name holds the invisible character U+200B; only letters, spaces, "
                                             "apostrophes and hyphens are allowed"},
        {F_BIRTH, "31/02/2003", "date of birth '31/02/2003' is not a real date written dd/mm/yyyy"},
        {F_BIRTH, "3/5/2003", "date of birth '3/5/2003' is not a real date written dd/mm/yyyy"},
        {F_BIRTH, "", "date of birth is empty"},
        {F_BIRTH, "13/06/2012", "date of birth '13/06/2012' makes the graduate 13 years old at the decision date "
                                "'12/06/2026'; expected 14 to 100"},
        {F_BIRTH, "01/01/1920", "date of birth '01/01/1920' makes the graduate 106 years old at the decision date "
                                "'12/06/2026'; expected 14 to 100"},
        {F_GENDER, "Nu", "gender 'Nu' is not Nam or Nữ"},
        {F_GENDER, "", "gender is empty; write Nam or Nữ"},
        {F_PIN, "001203123456", "personal identification number does not agree with the gender (digit 4)"},
        {F_PIN, "001103123456", "personal identification number does not agree with the century of the date of birth "
                                "(digit 4)"},
        {F_PIN, "001304123456", "personal identification number does not agree with the year of birth (digits 5-6)"},
        {F_PIN, "097303123456", "personal identification number: its province code (digits 1-3) is not between 001 "
                                "and 096"},
        {F_PIN, "000303123456", "personal identification number: its province code (digits 1-3) is not between 001 "
                                "and 096"},
        {F_PIN, "01303123456", "personal identification number has 11 digits; it must have 12 (a spreadsheet may have "
                               "dropped its leading zero: format the column as text)"},
        {F_PIN, "0013031234567", "personal identification number has 13 digits; it must have 12"},
        {F_PIN, "1.30312E+11", "personal identification number holds a character other than a digit (a spreadsheet "
                               "may have turned it into a number: format the column as text)"},
        {F_CODE, "5480202", "program code '5480202' is not a college program code (7 digits beginning with 6)"},
        {F_CODE, "648020", "program code '648020' is not a college program code (7 digits beginning with 6)"},
        {F_CODE, "", "program code is empty"},
        {F_PROGRAM, "", "program name is empty"},
        {F_PROGRAM, "Kế toán\x01", "program name holds a control character"},
        {F_CLASS, "Tốt", "classification 'Tốt' is not one of: Xuất sắc, Giỏi, Khá, Trung bình khá, Trung bình"},
        {F_MODE, "Tại chức", "training mode 'Tại chức' is not one of: Chính quy, Vừa làm vừa học, Học từ xa, Tự học có "
                             "hướng dẫn"},
        {F_DECISION_DATE, "2026-06-12", "decision date '2026-06-12' is not a real date written dd/mm/yyyy"},
        {F_DECISION_DATE, "15/07/2026", "decision date '15/07/2026' is after the issue date '01/07/2026'"},
        {F_DECISION, "746/Q\xc4", "decision number is not valid UTF-8 (save the file as CSV UTF-8)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char row[1024], content[2048], expected[1024];
        test_row_with(cases[i].field, cases[i].value, row, sizeof row);
        snprintf(content, sizeof content, "%s%s%s\n", TEST_HEADER, TEST_FIRST_ROW, row);
        snprintf(expected, sizeof expected, "%s:3:%zu: %s\n", TEST_NAME, test_field_column(row, cases[i].field),
                 cases[i].message);
        test_expect_single_problem(content, VB_TYPE_COLLEGE, expected);
    }
    /* The column counts characters, not bytes: "2,Nguyễn Thị Ánh," puts the date at column 18
     * (byte 23); checked by hand, so test_field_column is not the only witness. */
    char row[1024], content[2048];
    test_row_with(F_BIRTH, "30/02/2003", row, sizeof row);
    assert_int_equal(test_field_column(row, F_BIRTH), 18);
    snprintf(content, sizeof content, "%s%s%s\n", TEST_HEADER, TEST_FIRST_ROW, row);
    test_expect_single_problem(content, VB_TYPE_COLLEGE,
                               TEST_NAME ":3:18: date of birth '30/02/2003' is not a real date written dd/mm/yyyy\n");

    /* Field counts. */
    test_expect_single_problem(TEST_HEADER TEST_FIRST_ROW
                               "2,Võ Văn Phúc,01/01/2000,Nam,,6510303,Công nghệ kỹ thuật điện, điện tử,Khá,Chính quy,746/QĐ,"
                               "12/06/2026\n",
                               VB_TYPE_COLLEGE,
                               TEST_NAME ":3:93: row has 12 fields; the header has 11 (a field holding ',' must be "
                                         "quoted)\n");
    test_expect_single_problem(TEST_HEADER TEST_FIRST_ROW "2,Võ Văn Phúc,01/01/2000,Nam\n", VB_TYPE_COLLEGE,
                               TEST_NAME ":3:1: row has 4 fields; the header has 11\n");
    /* Intermediate rosters take level-5 codes; other certificates free codes, or none. */
    test_row_with(F_CODE, "6480202", row, sizeof row);
    snprintf(content, sizeof content, "%s%s\n", TEST_HEADER, row);
    test_expect_single_problem(content, VB_TYPE_INTERMEDIATE,
                               TEST_NAME ":2:45: program code '6480202' is not an intermediate program code (7 digits "
                                         "beginning with 5)\n");
    test_row_with(F_CODE, "TH/CB", row, sizeof row);
    snprintf(content, sizeof content, "%s%s\n", TEST_HEADER, row);
    test_expect_single_problem(content, VB_TYPE_OTHER_CERTIFICATE,
                               TEST_NAME ":2:45: program code 'TH/CB' holds a character other than a letter, digit, "
                                         "'.', '-' or '_'\n");
    test_result result;
    test_row_with(F_CODE, "", row, sizeof row);
    snprintf(content, sizeof content, "%s%s\n", TEST_HEADER, row);
    test_read(test_write("other.csv", content), VB_TYPE_OTHER_CERTIFICATE, &result);
    assert_int_equal(result.problem_count, 0);
    test_result_free(&result);
}

/* A personal identification number must not reach any message, whatever column it was typed
 * in. Rows full of wrong numbers, numbers in the wrong columns, and repeats. */
static void test_personal_id_never_in_messages(void **state)
{
    (void)state;
    static const char *const wrong[] = {
        "001203987651", "001103987652", "001304987653", "097303987654", "01303987655", "0013039876566",
        "00130398765A", "1.30398E+11",  "001 303 987657", "999999987658", "001903987659", "001303987660",
    };
    size_t count = sizeof wrong / sizeof wrong[0];
    char content[16384] = "STT,Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân,Mã ngành,Tên ngành,Xếp loại,"
                          "Hình thức đào tạo,Số quyết định,Ngày quyết định,001303987661\n";
    size_t line = 2;
    for (size_t i = 0; i < count; i++, line++) {
        char row[512];
        snprintf(row, sizeof row, "%zu,Nguyễn Thị Hoa,15/03/2003,Nữ,%s,6480202,Kế toán,Khá,Chính quy,1/QĐ,12/06/2026,\n",
                 line, wrong[i]);
        strcat(content, row);
    }
    /* Numbers in the wrong columns: date, gender, name, classification, decision; and a repeat. */
    strcat(content, "90,Lê Văn Tám,001303987662,Nam,,6480202,Kế toán,Khá,Chính quy,,,\n"
                    "91,Lê Văn Chín,01/01/2003,001303987663,,6480202,Kế toán,Khá,Chính quy,,,\n"
                    "92,001303987664,01/01/2003,Nam,,6480202,Kế toán,Khá,Chính quy,,,\n"
                    "93,Lê Văn Mười,01/01/2003,Nam,,6480202,Kế toán,001303987665,Chính quy,,,\n"
                    "94,Lê Văn Một,01/01/2003,Nam,,6480202,Kế toán,Khá,001303987666,,001303987667,\n"
                    "95,Lê Thị Hai,01/01/2003,Nữ,001303987668,6480202,Kế toán,Khá,Chính quy,,,\n"
                    "96,Lê Thị Ba,01/02/2003,Nữ,001303987668,6480202,Kế toán,Khá,Chính quy,,,\n");
    test_result result;
    test_read(test_write("wrong-ids.csv", content), VB_TYPE_COLLEGE, &result);
    assert_int_equal(result.status, VB_OK);
    assert_true(result.problem_count >= count + 6);
    /* No run of 8 digits or more anywhere (dates and codes have fewer), nor any number's last
     * six digits. */
    size_t run = 0;
    for (const char *p = result.notes; *p; p++) {
        run = (*p >= '0' && *p <= '9') ? run + 1 : 0;
        if (run >= 8)
            fail_msg("a long digit run in the messages:\n%s", result.notes);
    }
    for (unsigned serial = 987651; serial <= 987668; serial++) {
        char digits[8];
        snprintf(digits, sizeof digits, "%u", serial);
        if (strstr(result.notes, digits))
            fail_msg("'%s' in the messages:\n%s", digits, result.notes);
    }
    assert_non_null(strstr(result.notes, "(value not shown: it may be an identification number)"));
    assert_non_null(strstr(result.notes, TEST_NAME ":20:28: personal identification number repeats the one on line 19"));
    /* A wrong number is not kept in the row either. */
    for (size_t i = 0; i + 1 < count; i++)
        assert_string_equal(result.rows[i].personal_id, "");
    assert_string_equal(result.rows[count - 1].personal_id, "001303987660");
    test_result_free(&result);
}

static void test_duplicates_name_the_first_line(void **state)
{
    (void)state;
    const char *content = TEST_HEADER
        "1,Phạm Minh Tuấn,01/01/2002,Nam,079202111111,6340301,Kế toán,Khá,Chính quy,,\n"            /* 2 */
        "2,Vũ Thị Mai,02/02/2003,Nữ,,6720301,Điều dưỡng,Khá,Chính quy,,\n"                        /* 3 */
        "3,Phạm Minh Tuấn,01/01/2002,Nam,079202111111,6520227,Điện công nghiệp,Khá,Chính quy,,\n" /* 4: same id */
        "4,Vu\xcc\x83 Thi\xcc\xa3 Mai,02/02/2003,Nữ,,6720301,Điều dưỡng,Giỏi,Chính quy,,\n"       /* 5: NFD, same */
        "5,Vũ Thị Mai,02/02/2003,Nữ,,6720301,Điều dưỡng,Khá,Chính quy,,\n"                        /* 6: same */
        "6,Vũ Thị Mai,03/02/2003,Nữ,,6720301,Điều dưỡng,Khá,Chính quy,,\n";                       /* 7: another */
    test_result result;
    test_read(test_write("duplicates.csv", content), VB_TYPE_COLLEGE, &result);
    assert_string_equal(result.notes,
                        TEST_NAME ":4:33: personal identification number repeats the one on line 2\n" TEST_NAME
                                  ":5:3: same full name, date of birth and program code as line 3\n" TEST_NAME
                                  ":6:3: same full name, date of birth and program code as line 3\n");
    assert_int_equal(result.rows[2].problem_count, 1);
    assert_int_equal(result.rows[5].problem_count, 0);
    test_result_free(&result);

    /* The issuing pass turns the index off. */
    vb_roster_options options;
    vb_roster_options_init(&options, VB_TYPE_COLLEGE, test_issue_date());
    options.check_duplicates = false;
    test_read_with(test_path("duplicates.csv"), &options, &result);
    assert_int_equal(result.problem_count, 0);
    test_result_free(&result);
}

static void test_header_problems(void **state)
{
    (void)state;
    test_result result;
    /* Unknown column: a warning, at its character column; the rows still read. */
    test_read(test_write("unknown.csv", "STT,Họ và tên,Ngày sinh,Giới tính,Ghi chú,Mã ngành,Tên ngành\n"
                                        "1,Hồ Văn Em,01/01/2000,Nam,chuyển trường,6340301,Kế toán\n"),
              VB_TYPE_COLLEGE, &result);
    assert_int_equal(result.problem_count, 0);
    assert_int_equal(result.warning_count, 1);
    assert_int_equal(result.row_count, 1);
    assert_string_equal(result.notes, TEST_NAME ":1:35: ignoring unknown column 'Ghi chú'\n");
    test_result_free(&result);

    /* Missing required columns: all named, at line 1; no rows. */
    test_read(test_write("missing.csv", "STT,Họ và tên,Giới tính,Tên ngành\n1,Hồ Văn Em,Nam,Kế toán\n"), VB_TYPE_COLLEGE,
              &result);
    assert_int_equal(result.status, VB_OK);
    assert_int_equal(result.row_count, 0);
    assert_string_equal(result.notes, TEST_NAME ":1: missing required column 'Ngày sinh' (or birth_date, dob)\n" TEST_NAME
                                      ":1: missing required column 'Mã ngành' (or mã nghề, program_code)\n");
    test_result_free(&result);

    /* Gender is required on diplomas only; program code not for other certificates. */
    test_read(test_write("certificate.csv", "Họ và tên,Ngày sinh,Tên ngành\nHồ Văn Em,01/01/2000,Tin học văn phòng\n"),
              VB_TYPE_OTHER_CERTIFICATE, &result);
    assert_int_equal(result.problem_count, 0);
    assert_int_equal(result.row_count, 1);
    test_result_free(&result);
    test_read(test_path("certificate.csv"), VB_TYPE_INTERMEDIATE, &result);
    assert_string_equal(result.notes, TEST_NAME ":1: missing required column 'Giới tính' (or gender, sex)\n" TEST_NAME
                                      ":1: missing required column 'Mã ngành' (or mã nghề, program_code)\n");
    test_result_free(&result);

    /* A column named twice; an empty file; a UTF-16 file. */
    test_read(test_write("twice.csv", "Họ và tên,Ngày sinh,name,Giới tính,Mã ngành,Tên ngành\n"), VB_TYPE_COLLEGE,
              &result);
    assert_string_equal(result.notes, TEST_NAME ":1:21: column 'name' appears twice (first at column 1)\n");
    test_result_free(&result);
    test_read(test_write("empty.csv", ""), VB_TYPE_COLLEGE, &result);
    assert_string_equal(result.notes, TEST_NAME ":1: the file is empty; its first line must name the columns\n");
    test_result_free(&result);
    test_read(test_write_bytes("utf16.csv", "\xff\xfeS\0T\0T\0", 8), VB_TYPE_COLLEGE, &result);
    assert_string_equal(result.notes, TEST_NAME ":1:1: the file is UTF-16; save it as CSV UTF-8\n");
    assert_int_equal(result.row_count, 0);
    test_result_free(&result);
}

static void test_limits(void **state)
{
    (void)state;
    char name[400], content[2048];
    /* A field over VB_MAX_TEXT_BYTES: reported, kept reading, and lines after it still right.
     * Over-long text in an ignored column is no problem. */
    memset(name, 'a', 300);
    name[300] = '\0';
    snprintf(content, sizeof content,
             "Họ và tên,Ngày sinh,Giới tính,Mã ngành,Tên ngành,Ghi chú\n"
             "%s,01/01/2000,Nam,6340301,Kế toán,\n"
             "Lê Văn Cường,01/01/2000,Nam,6340301,Kế toán,\"%s\"\n"
             "Lê Văn Cường,01/01/2000,Nam,6340301,Kế toán toán toán,x\n",
             name, name);
    test_result result;
    test_read(test_write("long.csv", content), VB_TYPE_COLLEGE, &result);
    assert_string_equal(result.notes, TEST_NAME ":1:50: ignoring unknown column 'Ghi chú'\n" TEST_NAME
                                      ":2:1: full name is over the limit of 255 bytes\n" TEST_NAME
                                      ":4:1: same full name, date of birth and program code as line 3\n");
    test_result_free(&result);

    /* Too many problems: the first max_problems, then the count of the rest. */
    char many[8192] = TEST_HEADER;
    for (int i = 0; i < 20; i++)
        strcat(many, "1,Lê Văn Cường,01/01/2000,Nam,,6340301,Kế toán,Tốt,Chính quy,,\n");
    vb_roster_options options;
    vb_roster_options_init(&options, VB_TYPE_COLLEGE, test_issue_date());
    options.display_name = TEST_NAME;
    options.check_duplicates = false;
    options.max_problems = 5;
    test_read_with(test_write("many.csv", many), &options, &result);
    assert_int_equal(result.problem_count, 20);
    assert_int_equal(result.note_count, 6);
    assert_non_null(strstr(result.notes, TEST_NAME ":6:48: classification 'Tốt' is not one of"));
    assert_null(strstr(result.notes, TEST_NAME ":7:"));
    assert_non_null(strstr(result.notes, "\n" TEST_NAME ": … and 15 more problems not shown\n"));
    test_result_free(&result);

    /* Row count and file size, from outside. */
    vb_roster_options_init(&options, VB_TYPE_COLLEGE, test_issue_date());
    options.display_name = TEST_NAME;
    options.max_rows = 3;
    test_read_with(test_path("many.csv"), &options, &result);
    assert_int_equal(result.status, VB_ERR_TOO_LARGE);
    assert_int_equal(result.row_count, 3);
    assert_string_equal(result.error.message, TEST_NAME ":5: more than 3 rows, the limit");
    test_result_free(&result);
    options.max_rows = VB_ROSTER_DEFAULT_MAX_ROWS;
    options.max_file_bytes = 1000;
    test_read_with(test_path("many.csv"), &options, &result);
    assert_int_equal(result.status, VB_ERR_TOO_LARGE);
    test_result_free(&result);

    /* A stream is not measured in advance: the limit stops the reading part way. */
    size_t generated_length;
    char *generated = test_generate(5, 2000, VB_TYPE_COLLEGE, &generated_length);
    assert_true(generated_length > 150000);
    FILE *stream = fmemopen(generated, generated_length, "rb");
    assert_non_null(stream);
    vb_roster_reader *reader = NULL;
    vb_error err;
    options.display_name = "<stdin>";
    options.max_file_bytes = 100000;
    assert_int_equal(vb_roster_open_stream(stream, &options, &reader, &err), VB_OK);
    vb_roster_row row;
    bool has_row = true;
    vb_status status;
    size_t rows = 0;
    while ((status = vb_roster_next(reader, &row, &has_row, &err)) == VB_OK && has_row)
        rows++;
    assert_int_equal(status, VB_ERR_TOO_LARGE);
    assert_true(rows > 100 && rows < 2000);
    assert_string_equal(err.message, "<stdin>: the file is over the limit of 100000 bytes");
    /* And it stays failed. */
    assert_int_equal(vb_roster_next(reader, &row, &has_row, &err), VB_ERR_TOO_LARGE);
    vb_roster_close(reader);
    fclose(stream);
    free(generated);

    /* Arguments. */
    assert_int_equal(vb_roster_open(test_path("absent.csv"), &options, &reader, &err), VB_ERR_IO);
    options.credential_type = 9;
    assert_int_equal(vb_roster_open(test_path("many.csv"), &options, &reader, &err), VB_ERR_ARGUMENT);
}

static void test_row_to_credential(void **state)
{
    (void)state;
    char row_text[1024], content[2048];
    test_row_with(99, NULL, row_text, sizeof row_text);
    snprintf(content, sizeof content, "%s%s\n", TEST_HEADER, row_text);
    test_result result;
    test_read(test_write("one.csv", content), VB_TYPE_COLLEGE, &result);
    assert_int_equal(result.problem_count, 0);
    vb_roster_batch batch = {VB_TYPE_COLLEGE, test_issue_date(), "Tha\xcc\x80nh phô\xcc\x81 Huế", "CDN01", true};
    vb_credential credential;
    vb_error err;
    assert_int_equal(vb_roster_row_to_credential(&result.rows[0], &batch, &credential, &err), VB_OK);
    assert_string_equal(credential.name, "Nguyễn Thị Ánh");
    assert_string_equal(credential.issue_place, "Thành phố Huế");
    assert_string_equal(credential.school_code, "CDN01");
    assert_string_equal(credential.program_code, "6480202");
    assert_int_equal(credential.type, VB_TYPE_COLLEGE);
    assert_int_equal(credential.kind, VB_KIND_ORIGINAL);
    assert_int_equal(credential.gender, VB_GENDER_FEMALE);
    assert_int_equal(credential.classification, VB_CLASS_GOOD);
    assert_int_equal(credential.issue_date, test_issue_date());
    assert_true(credential.high_quality);
    assert_int_equal(credential.register_number, 0); /* the issuer's */
    assert_string_equal(credential.serial, "");
    /* Nothing of the identification number anywhere in the credential. */
    const unsigned char *bytes = (const unsigned char *)&credential;
    for (size_t i = 0; i + 6 <= sizeof credential; i++)
        assert_false(memcmp(bytes + i, "123456", 6) == 0);

    result.rows[0].problem_count = 1;
    assert_int_equal(vb_roster_row_to_credential(&result.rows[0], &batch, &credential, &err), VB_ERR_ARGUMENT);
    assert_string_equal(err.message, "the row at line 2 has 1 problems; it cannot be issued");
    test_result_free(&result);
}

static void test_generator_is_deterministic(void **state)
{
    (void)state;
    size_t length_a, length_b, length_c;
    char *a = test_generate(42, 500, VB_TYPE_COLLEGE, &length_a);
    char *b = test_generate(42, 500, VB_TYPE_COLLEGE, &length_b);
    char *c = test_generate(43, 500, VB_TYPE_COLLEGE, &length_c);
    assert_int_equal(length_a, length_b);
    assert_memory_equal(a, b, length_a);
    assert_true(length_a != length_c || memcmp(a, c, length_a) != 0);
    assert_true(strncmp(a, TEST_HEADER, strlen(TEST_HEADER)) == 0);
    /* Both genders with their middle names; the quoted program; the level's codes. */
    assert_non_null(strstr(a, " Thị "));
    assert_non_null(strstr(a, " Văn "));
    assert_non_null(strstr(a, ",\"Công nghệ kỹ thuật điện, điện tử\","));
    assert_non_null(strstr(a, ",,6")); /* an empty identification number */
    free(a);
    free(b);
    free(c);

    size_t length;
    char *intermediate = test_generate(42, 100, VB_TYPE_INTERMEDIATE, &length);
    assert_null(strstr(intermediate, ",6480202,"));
    assert_non_null(strstr(intermediate, ",5480202,"));
    assert_non_null(strstr(intermediate, ",5520123,Hàn,"));
    free(intermediate);
    char *empty = test_generate(1, 0, VB_TYPE_COLLEGE, &length);
    assert_string_equal(empty, TEST_HEADER);
    free(empty);

    vb_error err;
    assert_int_equal(vb_sample_write_roster(stdout, 1, 1, VB_TYPE_ELEMENTARY, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_sample_latest_decision_date(), vb_days_from_civil(VB_SAMPLE_DECISION_YEAR, 6, 30));
}

/* A row is read without holding the file: a generated roster fed through a pipe-like stream
 * gives the same rows as the same file. */
static void test_stream_matches_file(void **state)
{
    (void)state;
    size_t length;
    char *bytes = test_generate(99, 50, VB_TYPE_INTERMEDIATE, &length);
    const char *path = test_write_bytes("stream.csv", bytes, length);
    test_result from_file;
    test_read(path, VB_TYPE_INTERMEDIATE, &from_file);
    size_t file_length;
    char *again = test_read_whole(path, &file_length);
    assert_int_equal(file_length, length);
    free(again);

    FILE *stream = fmemopen(bytes, length, "rb");
    assert_non_null(stream);
    vb_roster_options options;
    vb_roster_options_init(&options, VB_TYPE_INTERMEDIATE, test_issue_date());
    vb_roster_reader *reader;
    vb_error err;
    assert_int_equal(vb_roster_open_stream(stream, &options, &reader, &err), VB_OK);
    vb_roster_row row;
    bool has_row;
    size_t count = 0;
    while (vb_roster_next(reader, &row, &has_row, &err) == VB_OK && has_row) {
        assert_true(count < from_file.row_count);
        assert_true(test_rows_equal(&row, &from_file.rows[count]));
        count++;
    }
    assert_int_equal(count, 50);
    assert_int_equal(vb_roster_row_count(reader), 50);
    assert_int_equal(vb_roster_problem_count(reader), 0);
    assert_null(vb_roster_note_at(reader, 0));
    vb_roster_close(reader);
    fclose(stream);
    free(bytes);
    test_result_free(&from_file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_roster_validates),
        cmocka_unit_test(test_real_samples_validate),
        cmocka_unit_test(test_spellings_read_identically),
        cmocka_unit_test(test_quotes_and_line_breaks),
        cmocka_unit_test(test_decomposed_text_is_normalised),
        cmocka_unit_test(test_ascii_aliases),
        cmocka_unit_test(test_each_check_at_its_position),
        cmocka_unit_test(test_personal_id_never_in_messages),
        cmocka_unit_test(test_duplicates_name_the_first_line),
        cmocka_unit_test(test_header_problems),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_row_to_credential),
        cmocka_unit_test(test_generator_is_deterministic),
        cmocka_unit_test(test_stream_matches_file),
    };
    return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
