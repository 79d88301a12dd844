/*
 * verifier/check.c — one verification as the service makes it: take the trust list in force,
 * let the library check the link or record against it, and turn the library's status into the
 * verdict a person reads; then, for a genuine record only, the school's status list
 * (revocations and corrections, FORMAT.md §11), which may turn it into revoked or superseded.
 * The offline `check` verb (main.c) uses the same lookup, so both say the same thing.
 */
#include "service.h"

#include "describe.h"
#include "link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const verdict_names[VERDICT_COUNT] = {
    [VERDICT_VALID] = "valid",
    [VERDICT_UNKNOWN_ISSUER] = "unknown-issuer",
    [VERDICT_SIGNER_NOT_VALID] = "signer-not-valid",
    [VERDICT_SIGNER_REMOVED] = "signer-removed",
    [VERDICT_INVALID_SIGNATURE] = "invalid-signature",
    [VERDICT_UNREADABLE] = "unreadable",
    [VERDICT_ERROR] = "error",
    [VERDICT_REVOKED] = "revoked",
    [VERDICT_SUPERSEDED] = "superseded",
};

const char *verdict_name(verdict v) { return v < VERDICT_COUNT ? verdict_names[v] : "error"; }

/* Follows vb_describe_verdict, so the page, the JSON and the offline CLI agree. */
verdict verdict_of_status(vb_status status)
{
    switch (status) {
    case VB_OK: return VERDICT_VALID;
    case VB_ERR_UNKNOWN_SIGNER: return VERDICT_UNKNOWN_ISSUER;
    case VB_ERR_SIGNER_NOT_VALID: return VERDICT_SIGNER_NOT_VALID;
    case VB_ERR_SIGNER_REMOVED: return VERDICT_SIGNER_REMOVED;
    case VB_ERR_BAD_SIGNATURE:
    case VB_ERR_ALG_KEY_MISMATCH: return VERDICT_INVALID_SIGNATURE;
    case VB_ERR_NOMEM:
    case VB_ERR_CRYPTO:
    case VB_ERR_IO: return VERDICT_ERROR;
    default: return VERDICT_UNREADABLE;
    }
}

const char *verdict_headline(verdict v, vb_status status, bool english)
{
    switch (v) {
    case VERDICT_REVOKED:
        return english ? "REVOKED — the school withdrew this diploma" : "ĐÃ BỊ THU HỒI — văn bằng đã bị thu hồi";
    case VERDICT_SUPERSEDED:
        return english ? "SUPERSEDED BY A CORRECTION — this record was replaced"
                       : "ĐÃ ĐƯỢC THAY THẾ BẰNG BẢN CHỈNH SỬA — bản ghi này đã được thay thế";
    case VERDICT_ERROR: return english ? "ERROR — not checked" : "LỖI — chưa kiểm tra được";
    default: return vb_describe_verdict(status, english);
    }
}

void standing_id_hex(uint64_t id, char *out, size_t out_size)
{
    uint8_t cti[8];
    size_t n = vb_statuslist_id_to_cti(id, cti);
    vb_describe_hex(cti, n, out, out_size);
}

void standing_id_text(uint64_t id, char *out, size_t out_size)
{
    snprintf(out, out_size, "%llu", (unsigned long long)id);
}

/* The link of the current record, when the list carries it and it is a genuine record of the
 * same school with that id: the list's signature says the school published it, not that it is
 * genuine (FORMAT.md §11, key 6). */
static void replacement_link(const vb_statuslist *list, const vb_trust_list *trust, uint64_t id,
                             const char *school_code, const char *base_url, char *out, size_t out_size)
{
    const uint8_t *record;
    size_t length;
    uint64_t replacement_id;
    vb_error err = {0};
    out[0] = '\0';
    if (!vb_statuslist_replacement(list, id, &record, &length))
        return;
    vb_verification *v = malloc(sizeof *v);
    if (!v)
        return;
    if (vb_verify_record(trust, record, length, v) == VB_OK &&
        vb_statuslist_id_from_cti(v->credential.record_id, v->credential.record_id_length, &replacement_id) &&
        replacement_id == id && strcmp(v->credential.school_code, school_code) == 0) {
        char link[VB_MAX_LINK_CHARS + 1];
        size_t prefix = 0;
        /* No --base-url: a path on this service, which serves /V/ whatever its base. */
        if (vb_link_encode(base_url ? base_url : "http://localhost/V/", record, length, link, sizeof link, &prefix,
                           &err) == VB_OK) {
            const char *head = base_url ? "" : "/V/", *tail = base_url ? link : link + prefix;
            if (strlen(head) + strlen(tail) < out_size) {
                memcpy(out, head, strlen(head));
                memcpy(out + strlen(head), tail, strlen(tail) + 1);
            }
        }
    }
    free(v);
}

verdict check_standing(const status_file *lists, size_t list_count, const vb_trust_list *trust,
                       const vb_verification *verification, const char *base_url, record_standing *standing)
{
    verdict v = verdict_of_status(verification->status);
    const vb_credential *c = &verification->credential;
    const char *text;
    size_t length;

    memset(standing, 0, sizeof *standing);
    standing->state = STANDING_NOT_CONSULTED;
    /* A record that is not genuine keeps its verdict: a forgery carrying a listed id says
     * nothing about the record it imitates. */
    if (v != VERDICT_VALID || !verification->decoded)
        return v;
    standing->state = STANDING_NO_LIST;
    const status_file *held = status_find(lists, list_count, c->school_code);
    if (!held)
        return v;
    standing->list = &held->list;
    standing->state = STANDING_NOT_LISTED;
    if (!vb_statuslist_find_record(standing->list, c, &standing->entry))
        return v;
    if (vb_statuslist_decision(standing->list, standing->entry.record_id, &text, &length) &&
        length < sizeof standing->decision_number) {
        memcpy(standing->decision_number, text, length);
        standing->decision_number[length] = '\0';
    }
    if (standing->entry.state == VB_STATUSLIST_STATE_REVOKED) {
        standing->state = STANDING_REVOKED;
        return VERDICT_REVOKED;
    }
    standing->state = STANDING_SUPERSEDED;
    standing->current_id = vb_statuslist_current_id(standing->list, standing->entry.record_id);
    vb_statuslist_entry current;
    standing->current_revoked = vb_statuslist_find_id(standing->list, standing->current_id, &current) &&
                                current.state == VB_STATUSLIST_STATE_REVOKED;
    replacement_link(standing->list, trust, standing->current_id, c->school_code, base_url, standing->current_link,
                     sizeof standing->current_link);
    return VERDICT_SUPERSEDED;
}

static void finish(service *s, check_result *result)
{
    result->verdict = check_standing(result->trust->status, result->trust->status_count, &result->trust->list,
                                     &result->verification, s->settings.base_url, &result->standing);
}

void check_link(service *s, const char *text, size_t length, check_result *result)
{
    result->trust = trust_store_acquire(&s->trust);
    vb_verify_link(&result->trust->list, text, length, &result->verification);
    finish(s, result);
}

void check_record(service *s, const uint8_t *record, size_t length, check_result *result)
{
    result->trust = trust_store_acquire(&s->trust);
    if (length > VB_MAX_RECORD_BYTES) {
        memset(&result->verification, 0, sizeof result->verification);
        result->verification.status = vb_fail(&result->verification.error, VB_ERR_TOO_LARGE,
                                              "the record is %zu bytes; at most %d are allowed", length,
                                              VB_MAX_RECORD_BYTES);
    } else {
        vb_verify_record(&result->trust->list, record, length, &result->verification);
    }
    finish(s, result);
}

void check_done(check_result *result)
{
    trust_snapshot_release(result->trust);
    result->trust = NULL;
}
