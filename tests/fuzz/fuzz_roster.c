/*
 * fuzz_roster.c — libFuzzer target for the roster reader (libvanbang/roster.c).
 *
 * The first byte picks the credential type and a problem cap; the rest is read as a roster
 * from a memory stream, every row, then every note. Properties checked, aborting on a breach:
 *   - every note starts with the display name, and the problem count is at least the notes kept;
 *   - no note holds a run of nine digits or more (the personal identification number, or any
 *     field that might be one, is never echoed);
 *   - a row without problems converts to a credential that, once numbered, the record format
 *     accepts (vb_credential_check);
 *   - vb_roster_count_rows_stream counts exactly the rows the reader yields (`issue` numbers its
 *     batch by that count before it reads the rows).
 */
#include "roster.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    vb_roster_options options;
    vb_roster_options_init(&options, 1 + data[0] % VB_TYPE_MAX, vb_days_from_civil(2026, 7, 1));
    options.display_name = "f";
    options.max_problems = 1 + (data[0] >> 4);
    options.max_rows = 200;
    FILE *stream = size > 1 ? fmemopen((void *)(data + 1), size - 1, "rb") : fopen("/dev/null", "rb");
    if (!stream)
        return 0;
    vb_roster_reader *reader = NULL;
    vb_error err;
    if (vb_roster_open_stream(stream, &options, &reader, &err) == VB_OK) {
        vb_roster_row row;
        bool has_row = true;
        vb_status read = VB_OK;
        vb_roster_batch batch = {options.credential_type, options.issue_date, "Huế", "S1", false};
        while (has_row && (read = vb_roster_next(reader, &row, &has_row, &err)) == VB_OK && has_row) {
            vb_credential credential;
            if (row.problem_count != 0)
                continue;
            if (vb_roster_row_to_credential(&row, &batch, &credential, &err) != VB_OK)
                abort();
            memcpy(credential.serial, "A1", 3);
            credential.register_number = 1;
            credential.register_year = 2026;
            credential.record_id_length = 1;
            credential.signed_at = 1782950400;
            if (vb_credential_check(&credential, &err) != VB_OK)
                abort();
        }
        size_t problems = 0;
        for (size_t i = 0; i < vb_roster_note_count(reader); i++) {
            const vb_roster_note *note = vb_roster_note_at(reader, i);
            if (strncmp(note->text, "f:", 2) != 0)
                abort();
            problems += note->severity == VB_ROSTER_PROBLEM && note->line != 0;
            size_t run = 0;
            for (const char *p = note->text; *p; p++) {
                run = (*p >= '0' && *p <= '9') ? run + 1 : 0;
                if (run >= 9)
                    abort();
            }
        }
        if (vb_roster_problem_count(reader) < problems)
            abort();
        FILE *again = size > 1 ? fmemopen((void *)(data + 1), size - 1, "rb") : fopen("/dev/null", "rb");
        uint64_t counted = 0;
        if (again && vb_roster_count_rows_stream(again, &options, &counted, &err) == VB_OK && read == VB_OK &&
            counted != vb_roster_row_count(reader))
            abort();
        if (again)
            fclose(again);
        vb_roster_close(reader);
    }
    fclose(stream);
    return 0;
}
