/*
 * sample.h — a seeded, deterministic generator of realistic graduation rosters, for tests,
 * benchmarks and demonstrations: the same seed gives a byte-identical CSV file.
 *
 * The rosters look like the registrars' exports (/work/shared/data): the same header, Vietnamese
 * names with their diacritics and consistent with the gender, national program codes and names
 * of the credential's level, the classification and training-mode mix of the real samples,
 * about one personal identification number in eight left empty, the others consistent with
 * gender and birth year. The numbers are invented: they are not anyone's.
 *
 * Every generated row passes the checks of roster.h when read with an issue date on or after
 * vb_sample_latest_decision_date(), at any size: no two rows share an identification number,
 * nor a name, birth date and program (a repeat drawn is drawn again). That check costs the
 * generator some 50 bytes of memory per row; the output itself is streamed.
 */
#ifndef VB_SAMPLE_H
#define VB_SAMPLE_H

#include "vanbang.h"

#include <stdint.h>
#include <stdio.h>

/* The graduation decisions of a generated roster fall in June of this year. */
#define VB_SAMPLE_DECISION_YEAR 2026

/* Writes a header and `rows` rows (LF line ends, no byte-order mark) for credential_type
 * VB_TYPE_COLLEGE or VB_TYPE_INTERMEDIATE. Fails with VB_ERR_ARGUMENT for another type and
 * VB_ERR_IO if writing fails, VB_ERR_NOMEM if the duplicate check runs out of memory. */
vb_status vb_sample_write_roster(FILE *out, uint64_t seed, size_t rows, int credential_type, vb_error *err);

/* The latest decision date a generated roster holds (30/06 of VB_SAMPLE_DECISION_YEAR), in days
 * since 1970-01-01. */
int32_t vb_sample_latest_decision_date(void);

#endif
