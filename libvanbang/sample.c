/*
 * sample.c — the seeded roster generator of sample.h: name, date, identification-number and
 * program tables, and a splitmix64 generator so the output depends on the seed alone (no libc
 * rand, no locale, no clock).
 */
#include "sample.h"

#include "record.h"
#include "roster.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- random numbers */

typedef struct {
    uint64_t state;
} sample_random;

/* splitmix64 (Steele, Lea, Flood 2014): one addition and a mix per number; good enough for
 * test data and identical on every platform. */
static uint64_t sample_random_next(sample_random *random)
{
    uint64_t z = (random->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A number in [0, bound). The modulo bias is below 2⁻³² for these small bounds. */
static uint32_t sample_random_below(sample_random *random, uint32_t bound)
{
    return (uint32_t)(sample_random_next(random) % bound);
}

typedef struct {
    const char *text;
    unsigned weight;
} sample_weighted;

static const char *sample_pick_weighted(sample_random *random, const sample_weighted *table, size_t count)
{
    unsigned total = 0;
    for (size_t i = 0; i < count; i++)
        total += table[i].weight;
    unsigned point = sample_random_below(random, total);
    for (size_t i = 0; i < count; i++) {
        if (point < table[i].weight)
            return table[i].text;
        point -= table[i].weight;
    }
    return table[count - 1].text;
}

#define SAMPLE_COUNT(table) (sizeof(table) / sizeof(table)[0])
#define SAMPLE_PICK(random, table) ((table)[sample_random_below((random), (uint32_t)SAMPLE_COUNT(table))])

/* ---------------------------------------------------------------- tables */

/* Family names with weights near their share of the population (per thousand). */
static const sample_weighted sample_family_names[] = {
    {"Nguyễn", 380}, {"Trần", 110}, {"Lê", 95}, {"Phạm", 70}, {"Hoàng", 30}, {"Huỳnh", 21}, {"Phan", 45},
    {"Vũ", 20},      {"Võ", 19},    {"Đặng", 21}, {"Bùi", 20}, {"Đỗ", 14},   {"Hồ", 13},    {"Ngô", 13},
    {"Dương", 10},   {"Lý", 5},     {"Trịnh", 6}, {"Đoàn", 6}, {"Lương", 5}, {"Mai", 5},    {"Tạ", 3},
    {"Hà", 5},       {"Đinh", 6},   {"Cao", 4},   {"Lâm", 4},  {"Triệu", 2}, {"Quách", 2},  {"Lò", 1},
};

static const char *const sample_middle_names_male[] = {
    "Văn", "Đức", "Minh", "Công", "Hữu", "Quốc", "Thành", "Xuân", "Đình", "Anh", "Hoàng", "Tuấn", "Gia", "Trọng",
};
static const char *const sample_middle_names_female[] = {
    "Thị", "Thu", "Ngọc", "Kim", "Mỹ", "Diệu", "Phương", "Khánh", "Hoài", "Thanh", "Bảo", "Thùy", "Hồng", "Lan",
};
static const char *const sample_given_names_male[] = {
    "Khải", "Thắng", "Minh", "Hiếu", "Hải",  "Giang", "Nam",  "Phúc", "Toàn", "Vũ",    "Duy",  "Khoa",
    "Mạnh", "Lâm",   "Dũng", "Sơn",  "Thịnh", "Trọng", "Tuấn", "Hùng", "Long", "Huy",   "Đạt",  "Bảo",
    "Khang", "Phát", "Lộc",  "Tài",  "Quân", "Trung", "Kiên", "Tùng", "Vinh", "Cường", "Nghĩa", "Thái",
};
static const char *const sample_given_names_female[] = {
    "Linh", "Lan",  "Nga",   "Diệp", "Quyên", "Anh",  "Huệ", "Chi",  "Ánh",  "Loan", "Yến",  "Hạnh",
    "Hương", "Trang", "Thảo", "Mai",  "Hoa",   "Nhung", "Vy",  "Hà",   "Hằng", "Thúy", "Trinh", "Uyên",
    "Phương", "Nhi", "My",    "Tâm",  "Hiền",  "Giang", "Ngân", "Oanh", "Dung", "Duyên", "Hồng", "Quỳnh",
};

/* Provinces of birth registration (codes of the personal identification number). */
static const char *const sample_provinces[] = {
    "001", "022", "031", "034", "036", "038", "040", "044", "046", "048", "052",
    "056", "066", "067", "072", "074", "075", "079", "083", "089", "092", "096",
};

typedef struct {
    const char *code;
    const char *name;
} sample_program;

static const sample_program sample_college_programs[] = {
    {"6480202", "Công nghệ thông tin (Ứng dụng phần mềm)"},
    {"6340301", "Kế toán"},
    {"6720301", "Điều dưỡng"},
    {"6520227", "Điện công nghiệp"},
    {"6510303", "Công nghệ kỹ thuật điện, điện tử"},
    {"6810101", "Hướng dẫn du lịch"},
    {"6520205", "Kỹ thuật máy lạnh và điều hòa không khí"},
    {"6510201", "Công nghệ kỹ thuật cơ khí"},
};
static const sample_program sample_intermediate_programs[] = {
    {"5480202", "Công nghệ thông tin (Ứng dụng phần mềm)"},
    {"5340301", "Kế toán"},
    {"5340302", "Kế toán doanh nghiệp"},
    {"5520123", "Hàn"},
    {"5810205", "Kỹ thuật chế biến món ăn"},
    {"5520227", "Điện công nghiệp"},
};
#define SAMPLE_MAX_PROGRAMS 8

/* The mix of the real sample roster (per thousand). */
static const sample_weighted sample_classifications[] = {
    {"Xuất sắc", 100}, {"Giỏi", 90}, {"Khá", 420}, {"Trung bình khá", 130}, {"Trung bình", 260},
};
static const sample_weighted sample_training_modes[] = {{"Chính quy", 880}, {"Vừa làm vừa học", 120}};

#define SAMPLE_EMPTY_PERSONAL_ID_PER_THOUSAND 120
#define SAMPLE_FOUR_WORD_NAME_PER_THOUSAND 250
#define SAMPLE_FEMALE_PER_THOUSAND 470

/* ---------------------------------------------------------------- uniqueness */

/* The fingerprints of the graduates written so far (name + birth date + program, and the
 * identification number), so that a roster of any size holds no two rows the reader would call
 * duplicates: a repeat is simply drawn again. Some 50 bytes per row while generating. */
typedef struct {
    uint64_t *keys; /* 0 = empty slot */
    size_t capacity; /* a power of two */
    size_t count;
} sample_key_set;

static uint64_t sample_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t sample_fingerprint(uint64_t hash, const void *data, size_t length)
{
    const unsigned char *bytes = data;
    for (size_t i = 0; i < length; i++)
        hash = (hash ^ bytes[i]) * 0x100000001b3ull; /* FNV-1a */
    return hash;
}

/* Adds key; returns 1 if it was new, 0 if already there, -1 if memory ran out. */
static int sample_key_set_add(sample_key_set *set, uint64_t key)
{
    if (key == 0)
        key = 1;
    if ((set->count + 1) * 2 > set->capacity) {
        size_t capacity = set->capacity ? 2 * set->capacity : 4096;
        uint64_t *keys = calloc(capacity, sizeof *keys);
        if (!keys)
            return -1;
        for (size_t i = 0; i < set->capacity; i++) {
            if (!set->keys[i])
                continue;
            size_t slot = sample_mix(set->keys[i]) & (capacity - 1);
            while (keys[slot])
                slot = (slot + 1) & (capacity - 1);
            keys[slot] = set->keys[i];
        }
        free(set->keys);
        set->keys = keys;
        set->capacity = capacity;
    }
    size_t slot = sample_mix(key) & (set->capacity - 1);
    while (set->keys[slot]) {
        if (set->keys[slot] == key)
            return 0;
        slot = (slot + 1) & (set->capacity - 1);
    }
    set->keys[slot] = key;
    set->count++;
    return 1;
}

/* ---------------------------------------------------------------- writing */

/* A CSV field, quoted (RFC 4180) only when it must be: "Công nghệ kỹ thuật điện, điện tử". */
static void sample_put_field(FILE *out, const char *text, bool last)
{
    if (strpbrk(text, ",\"\r\n")) {
        fputc('"', out);
        for (const char *p = text; *p; p++) {
            if (*p == '"')
                fputc('"', out);
            fputc(*p, out);
        }
        fputc('"', out);
    } else {
        fputs(text, out);
    }
    fputc(last ? '\n' : ',', out);
}

int32_t vb_sample_latest_decision_date(void)
{
    return vb_days_from_civil(VB_SAMPLE_DECISION_YEAR, 6, 30);
}

/* A full name of the given gender: family, one or two middle names, given name. */
static void sample_draw_name(sample_random *random, bool female, char *name, size_t name_size)
{
    const char *family = sample_pick_weighted(random, sample_family_names, SAMPLE_COUNT(sample_family_names));
    const char *middle = female ? SAMPLE_PICK(random, sample_middle_names_female)
                                : SAMPLE_PICK(random, sample_middle_names_male);
    const char *given = female ? SAMPLE_PICK(random, sample_given_names_female)
                               : SAMPLE_PICK(random, sample_given_names_male);
    if (sample_random_below(random, 1000) < SAMPLE_FOUR_WORD_NAME_PER_THOUSAND) {
        const char *second = female ? SAMPLE_PICK(random, sample_middle_names_female)
                                    : SAMPLE_PICK(random, sample_middle_names_male);
        /* "Thị" and "Văn" stand first, and a name does not repeat a middle name. */
        if (strcmp(second, middle) == 0 || strcmp(second, "Thị") == 0 || strcmp(second, "Văn") == 0)
            second = female ? "Ngọc" : "Minh";
        if (strcmp(second, middle) == 0)
            second = female ? "Thanh" : "Quốc";
        snprintf(name, name_size, "%s %s %s %s", family, middle, second, given);
    } else {
        snprintf(name, name_size, "%s %s %s", family, middle, given);
    }
}

vb_status vb_sample_write_roster(FILE *out, uint64_t seed, size_t rows, int credential_type, vb_error *err)
{
    if (!out)
        return vb_fail(err, VB_ERR_ARGUMENT, "vb_sample_write_roster: no output");
    const sample_program *programs;
    size_t program_count;
    int youngest; /* typical age at graduation */
    if (credential_type == VB_TYPE_COLLEGE) {
        programs = sample_college_programs;
        program_count = SAMPLE_COUNT(sample_college_programs);
        youngest = 19;
    } else if (credential_type == VB_TYPE_INTERMEDIATE) {
        programs = sample_intermediate_programs;
        program_count = SAMPLE_COUNT(sample_intermediate_programs);
        youngest = 18;
    } else {
        return vb_fail(err, VB_ERR_ARGUMENT, "the sample generator writes college or intermediate rosters, not type %d",
                       credential_type);
    }

    sample_random random = {seed};
    /* One graduation decision per program, as a school's council decides per program. */
    char decision_numbers[SAMPLE_MAX_PROGRAMS][32], decision_dates[SAMPLE_MAX_PROGRAMS][16];
    for (size_t p = 0; p < program_count; p++) {
        snprintf(decision_numbers[p], sizeof decision_numbers[p], "%u/QĐ-CĐN", 100 + sample_random_below(&random, 900));
        vb_date_format_dmy(vb_days_from_civil(VB_SAMPLE_DECISION_YEAR, 6, 1 + (int)sample_random_below(&random, 28)),
                           decision_dates[p], sizeof decision_dates[p]);
    }

    for (int column = 0; column < VB_ROSTER_COLUMN_COUNT; column++)
        sample_put_field(out, vb_roster_column_header(column), column == VB_ROSTER_COLUMN_COUNT - 1);

    sample_key_set seen = {0};
    vb_status status = VB_OK;
    for (size_t i = 0; i < rows && status == VB_OK; i++) {
        bool female = sample_random_below(&random, 1000) < SAMPLE_FEMALE_PER_THOUSAND;
        char name[VB_TEXT_FIELD];
        int birth_year;
        int32_t birth_days;
        size_t program;
        int added;
        do {
            sample_draw_name(&random, female, name, sizeof name);
            /* Most graduate at the usual age, some years later (work-study, second degrees). */
            int age = youngest + (sample_random_below(&random, 100) < 65 ? (int)sample_random_below(&random, 4)
                                                                        : (int)sample_random_below(&random, 12));
            birth_year = VB_SAMPLE_DECISION_YEAR - age;
            int32_t first_day = vb_days_from_civil(birth_year, 1, 1);
            int32_t year_length = vb_days_from_civil(birth_year + 1, 1, 1) - first_day;
            birth_days = first_day + (int32_t)sample_random_below(&random, (uint32_t)year_length);
            program = sample_random_below(&random, (uint32_t)program_count);
            uint64_t key = sample_fingerprint(0xcbf29ce484222325ull, name, strlen(name) + 1);
            key = sample_fingerprint(key, programs[program].code, strlen(programs[program].code) + 1);
            key = sample_fingerprint(key, &birth_days, sizeof birth_days);
            added = sample_key_set_add(&seen, key);
        } while (added == 0);

        char personal_id[VB_ROSTER_PERSONAL_ID_DIGITS + 1] = "";
        const char *province = SAMPLE_PICK(&random, sample_provinces);
        if (added > 0 && sample_random_below(&random, 1000) >= SAMPLE_EMPTY_PERSONAL_ID_PER_THOUSAND) {
            int century_gender = (birth_year >= 2000 ? 2 : 0) + (female ? 1 : 0);
            do {
                snprintf(personal_id, sizeof personal_id, "%s%d%02d%06u", province, century_gender, birth_year % 100,
                         sample_random_below(&random, 1000000));
                /* Tagged so a number never meets a name fingerprint. */
                added = sample_key_set_add(&seen, sample_fingerprint(0x84222325cbf29ce4ull, personal_id,
                                                                     VB_ROSTER_PERSONAL_ID_DIGITS));
            } while (added == 0);
        }
        if (added < 0) {
            status = vb_fail(err, VB_ERR_NOMEM, "out of memory for the sample generator's duplicate check");
            break;
        }
        const char *classification =
            sample_pick_weighted(&random, sample_classifications, SAMPLE_COUNT(sample_classifications));
        const char *mode = sample_pick_weighted(&random, sample_training_modes, SAMPLE_COUNT(sample_training_modes));

        char sequence[24], birth_date[16];
        snprintf(sequence, sizeof sequence, "%zu", i + 1);
        vb_date_format_dmy(birth_days, birth_date, sizeof birth_date);
        sample_put_field(out, sequence, false);
        sample_put_field(out, name, false);
        sample_put_field(out, birth_date, false);
        sample_put_field(out, vb_gender_name(female ? VB_GENDER_FEMALE : VB_GENDER_MALE, false), false);
        sample_put_field(out, personal_id, false);
        sample_put_field(out, programs[program].code, false);
        sample_put_field(out, programs[program].name, false);
        sample_put_field(out, classification, false);
        sample_put_field(out, mode, false);
        sample_put_field(out, decision_numbers[program], false);
        sample_put_field(out, decision_dates[program], true);
        if (ferror(out))
            break;
    }
    free(seen.keys);
    if (status != VB_OK)
        return status;
    if (ferror(out) || fflush(out) != 0)
        return vb_fail(err, VB_ERR_IO, "writing the sample roster failed");
    return VB_OK;
}
