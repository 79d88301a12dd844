/*
 * verifier/http_json.c — the JSON side of the API (docs/API.md): the verdict answer, error
 * answers, and the small strict reader for a POST body {"link": "…"}. Every string from a
 * record or a certificate goes through text_json_string.
 */
#include "service.h"

#include "describe.h"
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* {"code": 2, "vi": "Giỏi", "en": "Very good"}, or nothing when the value is absent. */
static void enumeration(text_buffer *out, const char *key, int code, const char *vi, const char *en)
{
    if (!vi || !en)
        return;
    text_puts(out, ",\"");
    text_puts(out, key);
    text_puts(out, "\":{\"code\":");
    text_put_int(out, code);
    text_puts(out, ",\"vi\":");
    text_json_string(out, vi);
    text_puts(out, ",\"en\":");
    text_json_string(out, en);
    text_puts(out, "}");
}

static void credential(text_buffer *out, const vb_verification *v)
{
    const vb_credential *c = &v->credential;
    char date[32], hex[2 * VB_MAX_RECORD_ID_BYTES + 1];

    text_puts(out, "{\"name\":");
    text_json_string(out, c->name);
    enumeration(out, "type", c->type, vb_credential_type_name(c->type, false), vb_credential_type_name(c->type, true));
    text_date_iso_from_days(date, c->birth_date);
    text_puts(out, ",\"birth_date\":\"");
    text_puts(out, date);
    text_puts(out, "\"");
    enumeration(out, "gender", c->gender, vb_gender_name(c->gender, false), vb_gender_name(c->gender, true));
    text_puts(out, ",\"program\":{\"code\":");
    text_json_string(out, c->program_code[0] ? c->program_code : NULL);
    text_puts(out, ",\"name\":");
    text_json_string(out, c->program_name[0] ? c->program_name : NULL);
    text_puts(out, c->program_name_from_catalog ? ",\"name_from_catalog\":true}" : ",\"name_from_catalog\":false}");
    enumeration(out, "classification", c->classification, vb_classification_name(c->classification, false),
                vb_classification_name(c->classification, true));
    enumeration(out, "training_mode", c->training_mode, vb_training_mode_name(c->training_mode, false),
                vb_training_mode_name(c->training_mode, true));
    text_puts(out, c->high_quality ? ",\"high_quality\":true" : ",\"high_quality\":false");
    text_date_iso_from_days(date, c->issue_date);
    text_puts(out, ",\"issue_date\":\"");
    text_puts(out, date);
    text_puts(out, "\",\"issue_place\":");
    text_json_string(out, c->issue_place);
    text_puts(out, ",\"serial\":");
    text_json_string(out, c->serial);
    text_puts(out, ",\"register_number\":");
    text_put_unsigned(out, c->register_number);
    text_puts(out, ",\"register_year\":");
    text_put_unsigned(out, c->register_year);
    text_puts(out, ",\"school_code\":");
    text_json_string(out, c->school_code);
    enumeration(out, "kind", c->kind, vb_kind_name(c->kind, false), vb_kind_name(c->kind, true));
    if (c->kind == VB_KIND_CORRECTION) {
        vb_describe_hex(c->supersedes, c->supersedes_length, hex, sizeof hex);
        text_printf(out, ",\"supersedes\":\"%s\"", hex);
    }
    if (c->kind == VB_KIND_COPY)
        text_printf(out, ",\"copy_number\":%u", c->copy_number);
    vb_describe_hex(c->record_id, c->record_id_length, hex, sizeof hex);
    text_time_iso(date, c->signed_at);
    text_puts(out, ",\"record_id\":\"");
    text_puts(out, hex);
    text_puts(out, "\",\"signed_at\":\"");
    text_puts(out, date);
    text_puts(out, "\"}");
}

static void issuer(text_buffer *out, const vb_trust_entry *signer)
{
    char kid[2 * VB_KID_BYTES + 1], time_text[32];
    vb_describe_hex(signer->kid, VB_KID_BYTES, kid, sizeof kid);
    text_puts(out, "{\"organization\":");
    text_json_string(out, signer->organization);
    text_puts(out, ",\"school_code\":");
    text_json_string(out, signer->school_code[0] ? signer->school_code : NULL);
    text_puts(out, ",\"subject\":");
    text_json_string(out, signer->subject);
    text_puts(out, ",\"kid\":\"");
    text_puts(out, kid);
    text_time_iso(time_text, signer->not_before);
    text_puts(out, "\",\"certificate_not_before\":\"");
    text_puts(out, time_text);
    text_time_iso(time_text, signer->not_after);
    text_puts(out, "\",\"certificate_not_after\":\"");
    text_puts(out, time_text);
    text_puts(out, "\",\"removed_at\":");
    if (signer->removed_at) {
        text_time_iso(time_text, signer->removed_at);
        text_printf(out, "\"%s\"}", time_text);
    } else {
        text_puts(out, "null}");
    }
}

static const char *standing_state_name(standing_state state)
{
    switch (state) {
    case STANDING_NO_LIST: return "no-status-list";
    case STANDING_NOT_LISTED: return "not-listed";
    case STANDING_REVOKED: return "revoked";
    case STANDING_SUPERSEDED: return "superseded";
    default: return "not-consulted";
    }
}

/* "standing": what the school's status list says of a genuine record; null when the record is
 * not genuine (the list is not consulted). docs/API.md. */
static void standing(text_buffer *out, const record_standing *st)
{
    char date[32], id[2 * 8 + 1];
    if (st->state == STANDING_NOT_CONSULTED) {
        text_puts(out, ",\"standing\":null");
        return;
    }
    text_puts(out, ",\"standing\":{\"state\":\"");
    text_puts(out, standing_state_name(st->state));
    text_puts(out, "\",\"status_list\":");
    if (st->list) {
        text_time_iso(date, st->list->issued_at);
        text_puts(out, "{\"origin\":");
        text_json_string(out, st->list->origin);
        text_puts(out, ",\"sequence\":");
        text_put_unsigned(out, st->list->sequence);
        text_puts(out, ",\"issued_at\":\"");
        text_puts(out, date);
        text_puts(out, "\"}");
    } else {
        text_puts(out, "null");
    }
    if (st->state == STANDING_REVOKED || st->state == STANDING_SUPERSEDED) {
        if (st->state == STANDING_REVOKED) {
            const char *vi = vb_describe_revocation_reason(st->entry.reason, false);
            if (vi)
                enumeration(out, "reason", st->entry.reason, vi, vb_describe_revocation_reason(st->entry.reason, true));
            else
                text_puts(out, ",\"reason\":null");
        }
        text_date_iso_from_days(date, st->entry.decision_date);
        text_printf(out, ",\"decision_date\":\"%s\",\"decision_number\":", date);
        text_json_string(out, st->decision_number[0] ? st->decision_number : NULL);
    }
    if (st->state == STANDING_SUPERSEDED) {
        standing_id_hex(st->entry.superseded_by, id, sizeof id);
        text_printf(out, ",\"superseded_by\":\"%s\"", id);
        standing_id_hex(st->current_id, id, sizeof id);
        text_printf(out, ",\"current_id\":\"%s\",\"current_revoked\":%s,\"current_link\":", id,
                    st->current_revoked ? "true" : "false");
        text_json_string(out, st->current_link[0] ? st->current_link : NULL);
    }
    text_puts(out, "}");
}

void json_verdict(const check_result *check, text_buffer *out)
{
    const vb_verification *v = &check->verification;
    char kid[2 * VB_KID_BYTES + 1], issued[32];
    const char *reason = v->error.message;

    if (check->verdict == VERDICT_REVOKED)
        reason = "the record is genuine, but its school's status list revokes it";
    else if (check->verdict == VERDICT_SUPERSEDED)
        reason = "the record is genuine, but its school's status list says a correction replaced it";
    else if (v->status == VB_OK)
        reason = "the record is genuine: signed by a school on the trust list";
    text_puts(out, "{\"verdict\":\"");
    text_puts(out, verdict_name(check->verdict));
    text_puts(out, "\",\"code\":");
    text_put_int(out, (int)v->status);
    text_puts(out, ",\"status_name\":\"");
    text_puts(out, vb_status_name(v->status));
    text_puts(out, "\",\"reason\":");
    text_json_string(out, reason);
    text_puts(out, ",\"headline\":{\"vi\":");
    text_json_string(out, verdict_headline(check->verdict, v->status, false));
    text_puts(out, ",\"en\":");
    text_json_string(out, verdict_headline(check->verdict, v->status, true));
    text_puts(out, "}");
    standing(out, &check->standing);
    if (v->decoded) {
        vb_describe_hex(v->kid, VB_KID_BYTES, kid, sizeof kid);
        text_puts(out, ",\"kid\":\"");
        text_puts(out, kid);
        text_puts(out, "\",\"record_bytes\":");
        text_put_unsigned(out, v->record_length);
        text_puts(out, ",\"credential\":");
        credential(out, v);
    } else {
        text_puts(out, ",\"kid\":null,\"credential\":null");
    }
    text_puts(out, ",\"issuer\":");
    if (v->signer)
        issuer(out, v->signer);
    else
        text_puts(out, "null");
    text_time_iso(issued, check->trust->list.issued_at);
    text_puts(out, ",\"trust_list\":{\"sequence\":");
    text_put_unsigned(out, check->trust->list.sequence);
    text_puts(out, ",\"issued_at\":\"");
    text_puts(out, issued);
    text_puts(out, "\"}}\n");
}

void json_error(unsigned http_status, const char *message, text_buffer *out)
{
    text_printf(out, "{\"error\":{\"status\":%u,\"message\":", http_status);
    text_json_string(out, message);
    text_puts(out, "}}\n");
}

/* ---------------------------------------------------------------- the request body */

typedef struct {
    const char *p, *end;
    char *message;
    size_t message_size;
} reader;

static bool refuse(reader *r, const char *why)
{
    snprintf(r->message, r->message_size, "the JSON body is not valid: %s", why);
    return false;
}

static void skip_space(reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static bool read_hex4(reader *r, unsigned *value)
{
    *value = 0;
    if (r->end - r->p < 4)
        return false;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(r->p[i]);
        if (d < 0)
            return false;
        *value = *value << 4 | (unsigned)d;
    }
    r->p += 4;
    return true;
}

/* Reads a string (the opening quote is at r->p) into out, which has room for the rest of the
 * body (escapes only shrink: \uXXXX is 6 bytes for at most 3, a pair 12 for 4). */
static bool read_string(reader *r, char *out, size_t *length)
{
    size_t n = 0;
    r->p++;
    while (r->p < r->end) {
        unsigned char c = (unsigned char)*r->p++;
        if (c == '"') {
            out[n] = '\0';
            *length = n;
            return true;
        }
        if (c < 0x20)
            return refuse(r, "a control character inside a string");
        if (c != '\\') {
            out[n++] = (char)c;
            continue;
        }
        if (r->p >= r->end)
            break;
        char e = *r->p++;
        unsigned code;
        switch (e) {
        case '"': out[n++] = '"'; break;
        case '\\': out[n++] = '\\'; break;
        case '/': out[n++] = '/'; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'u':
            if (!read_hex4(r, &code))
                return refuse(r, "a bad \\u escape");
            if (code >= 0xd800 && code <= 0xdbff) {
                unsigned low;
                if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u')
                    return refuse(r, "a lone surrogate");
                r->p += 2;
                if (!read_hex4(r, &low) || low < 0xdc00 || low > 0xdfff)
                    return refuse(r, "a lone surrogate");
                code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
            } else if (code >= 0xdc00 && code <= 0xdfff) {
                return refuse(r, "a lone surrogate");
            }
            if (code == 0)
                return refuse(r, "a NUL character");
            if (code < 0x80) {
                out[n++] = (char)code;
            } else if (code < 0x800) {
                out[n++] = (char)(0xc0 | code >> 6);
                out[n++] = (char)(0x80 | (code & 0x3f));
            } else if (code < 0x10000) {
                out[n++] = (char)(0xe0 | code >> 12);
                out[n++] = (char)(0x80 | (code >> 6 & 0x3f));
                out[n++] = (char)(0x80 | (code & 0x3f));
            } else {
                out[n++] = (char)(0xf0 | code >> 18);
                out[n++] = (char)(0x80 | (code >> 12 & 0x3f));
                out[n++] = (char)(0x80 | (code >> 6 & 0x3f));
                out[n++] = (char)(0x80 | (code & 0x3f));
            }
            break;
        default: return refuse(r, "an unknown escape");
        }
    }
    return refuse(r, "a string is not closed");
}

/* Skips a number, true, false or null (values of keys the API does not know). */
static bool skip_scalar(reader *r)
{
    static const char *const words[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if ((size_t)(r->end - r->p) >= n && memcmp(r->p, words[i], n) == 0) {
            r->p += n;
            return true;
        }
    }
    const char *start = r->p;
    while (r->p < r->end && *r->p && strchr("0123456789+-.eE", *r->p))
        r->p++;
    return r->p > start || refuse(r, "an unexpected value");
}

bool json_parse_request(const char *body, size_t length, json_ask_kind *kind, char **value, char *message,
                        size_t message_size)
{
    reader r = {body, body + length, message, message_size};
    char *key = malloc(length + 1), *text = malloc(length + 1);
    size_t key_length, text_length;
    bool ok = false;

    *kind = JSON_ASK_NONE;
    *value = NULL;
    if (!key || !text) {
        snprintf(message, message_size, "out of memory");
        goto done;
    }
    skip_space(&r);
    if (r.p >= r.end || *r.p != '{') {
        refuse(&r, "expected an object such as {\"link\": \"https://…\"}");
        goto done;
    }
    r.p++;
    skip_space(&r);
    if (r.p < r.end && *r.p == '}') {
        r.p++;
    } else {
        for (;;) {
            skip_space(&r);
            if (r.p >= r.end || *r.p != '"') {
                refuse(&r, "expected a key");
                goto done;
            }
            if (!read_string(&r, key, &key_length))
                goto done;
            skip_space(&r);
            if (r.p >= r.end || *r.p != ':') {
                refuse(&r, "expected ':'");
                goto done;
            }
            r.p++;
            skip_space(&r);
            if (r.p < r.end && *r.p == '"') {
                if (!read_string(&r, text, &text_length))
                    goto done;
                json_ask_kind this_kind = JSON_ASK_NONE;
                if (strcmp(key, "link") == 0 || strcmp(key, "record") == 0)
                    this_kind = JSON_ASK_LINK;
                else if (strcmp(key, "hex") == 0)
                    this_kind = JSON_ASK_HEX;
                if (this_kind != JSON_ASK_NONE) {
                    if (*kind != JSON_ASK_NONE) {
                        snprintf(message, message_size, "give exactly one of \"link\", \"record\" or \"hex\"");
                        goto done;
                    }
                    *kind = this_kind;
                    *value = strdup(text);
                    if (!*value) {
                        snprintf(message, message_size, "out of memory");
                        goto done;
                    }
                }
            } else if (r.p < r.end && (*r.p == '{' || *r.p == '[')) {
                refuse(&r, "nested values are not accepted");
                goto done;
            } else if (!skip_scalar(&r)) {
                goto done;
            }
            skip_space(&r);
            if (r.p < r.end && *r.p == ',') {
                r.p++;
                continue;
            }
            if (r.p < r.end && *r.p == '}') {
                r.p++;
                break;
            }
            refuse(&r, "expected ',' or '}'");
            goto done;
        }
    }
    skip_space(&r);
    if (r.p != r.end) {
        refuse(&r, "something follows the object");
        goto done;
    }
    if (*kind == JSON_ASK_NONE) {
        snprintf(message, message_size, "give one of \"link\", \"record\" or \"hex\"");
        goto done;
    }
    ok = true;
done:
    if (!ok) {
        free(*value);
        *value = NULL;
        *kind = JSON_ASK_NONE;
    }
    free(key);
    free(text);
    return ok;
}
