/*
 * verifier/main.c — vanbang-verifier: checks diplomas offline against a trust list.
 *
 *   vanbang-verifier check --anchor AUTHORITY.crt --trust TRUST.cbor [LINK…]
 *   vanbang-verifier serve --anchor AUTHORITY.crt --trust TRUST.cbor [--port N]   (serve.c)
 *
 * Verbs are dispatched from a table.
 */
#include "describe.h"
#include "service.h"
#include "keys.h"
#include "link.h"
#include "verify.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRAM "vanbang-verifier"
#define MAX_ANCHORS 16

static const char check_help[] =
    "NAME\n"
    "    vanbang-verifier check — verify diplomas offline\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-verifier check --anchor FILE --trust FILE [--english] [--quiet] [LINK…]\n"
    "    vanbang-verifier check --anchor FILE --trust FILE --record FILE\n"
    "\n"
    "DESCRIPTION\n"
    "    Checks each LINK (the text of a diploma's QR code, or its digits alone) against the\n"
    "    trust list and prints the verdict and the fields as printed on the diploma. With no\n"
    "    LINK and no --record, reads one link per line from standard input. Needs no network.\n"
    "\n"
    "OPTIONS\n"
    "    --anchor FILE   certificate (PEM) of an authority whose trust lists you accept;\n"
    "                    repeat for several (up to 16)\n"
    "    --trust FILE    the signed trust list (trust.cbor) that authority published\n"
    "    --record FILE   verify a raw binary record (COSE_Sign1) instead of links\n"
    "    --english       print labels and verdicts in English (default Vietnamese)\n"
    "    --quiet         print one line per record: verdict code and serial number\n"
    "\n"
    "EXIT STATUS\n"
    "    0 every record is genuine; 1 at least one is not; 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-verifier check --anchor authority.crt --trust trust.cbor \\\n"
    "        'HTTPS://XACTHUC.EXAMPLE.EDU.VN/V/0119581424…'\n";

static const char main_help[] =
    "NAME\n"
    "    vanbang-verifier — verify vanbang diplomas\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-verifier VERB [OPTIONS]   (VERB --help for details)\n"
    "\n"
    "VERBS\n"
    "    check    verify links or records offline against a trust list\n"
    "    serve    the HTTP verifier service: the page a QR code opens, a JSON API\n";

typedef struct {
    bool english, quiet;
} check_options;

static int report(const vb_trust_list *trust, const vb_verification *v, const char *source,
                  const check_options *options)
{
    char text[4096];
    if (options->quiet) {
        printf("%s %s %s\n", vb_status_name(v->status), v->decoded ? v->credential.serial : "-", source);
        return v->status == VB_OK ? 0 : 1;
    }
    printf("%s: %s\n", source, vb_describe_verdict(v->status, options->english));
    if (v->status != VB_OK)
        printf("  %s: %s (%s %d)\n", options->english ? "reason" : "lý do", v->error.message,
               vb_status_name(v->status), (int)v->status);
    if (v->signer)
        printf("  %s: %s [%s]\n", options->english ? "issuer" : "đơn vị cấp", v->signer->organization,
               v->signer->school_code);
    if (v->decoded) {
        /* A record that failed still shows what it claims, for whoever investigates it, under
         * a line that says plainly that none of it is vouched for. */
        if (v->status != VB_OK)
            printf("  %s\n", options->english ? "NOT VERIFIED — what the record claims, vouched for by nobody:"
                                               : "KHÔNG XÁC THỰC — nội dung bản ghi tự khai, không ai bảo đảm:");
        vb_describe_credential(&v->credential, options->english, text, sizeof text);
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
            printf("  %s\n", line);
    }
    (void)trust;
    return v->status == VB_OK ? 0 : 1;
}

static int load_trust(char **anchor_paths, size_t anchor_count, const char *trust_path, X509 **anchors,
                      vb_trust_list *trust)
{
    vb_error err = {0};
    for (size_t i = 0; i < anchor_count; i++)
        if (vb_cert_load(anchor_paths[i], &anchors[i], &err) != VB_OK) {
            fprintf(stderr, PROGRAM ": %s\n", err.message);
            return 2;
        }
    if (vb_trust_load_file(trust_path, anchors, anchor_count, 0, trust, &err) != VB_OK) {
        fprintf(stderr, PROGRAM ": %s: %s (%s)\n", trust_path, err.message, vb_status_name(err.code));
        return 2;
    }
    return 0;
}

static int command_check(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"anchor", required_argument, NULL, 'a'}, {"trust", required_argument, NULL, 't'},
        {"record", required_argument, NULL, 'r'}, {"english", no_argument, NULL, 'e'},
        {"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char *anchor_paths[MAX_ANCHORS];
    size_t anchor_count = 0;
    const char *trust_path = NULL, *record_path = NULL;
    check_options options = {0};
    int c;

    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'a':
            if (anchor_count == MAX_ANCHORS) {
                fprintf(stderr, PROGRAM ": at most %d --anchor certificates\n", MAX_ANCHORS);
                return 2;
            }
            anchor_paths[anchor_count++] = optarg;
            break;
        case 't': trust_path = optarg; break;
        case 'r': record_path = optarg; break;
        case 'e': options.english = true; break;
        case 'q': options.quiet = true; break;
        case 'h': fputs(check_help, stdout); return 0;
        default: fputs("Try 'vanbang-verifier check --help'.\n", stderr); return 2;
        }
    }
    if (anchor_count == 0 || !trust_path) {
        fprintf(stderr, PROGRAM " check: --anchor and --trust are required. Try --help.\n");
        return 2;
    }

    X509 *anchors[MAX_ANCHORS] = {0};
    vb_trust_list trust = {0};
    int status = load_trust(anchor_paths, anchor_count, trust_path, anchors, &trust);
    vb_verification *v = malloc(sizeof *v);
    if (!v)
        status = 2;

    if (status == 0 && record_path) {
        FILE *file = fopen(record_path, "rb");
        uint8_t record[VB_MAX_RECORD_BYTES + 1];
        size_t length = file ? fread(record, 1, sizeof record, file) : 0;
        if (!file) {
            perror(record_path);
            status = 2;
        } else {
            fclose(file);
            vb_verify_record(&trust, record, length, v);
            status = report(&trust, v, record_path, &options);
        }
    } else if (status == 0 && optind < argc) {
        for (int i = optind; i < argc; i++) {
            vb_verify_link(&trust, argv[i], strlen(argv[i]), v);
            status |= report(&trust, v, "link", &options);
        }
    } else if (status == 0) {
        char line[VB_MAX_LINK_CHARS + 2];
        unsigned long number = 0;
        while (fgets(line, sizeof line, stdin)) {
            char source[32];
            size_t length = strcspn(line, "\r\n");
            number++;
            if (length == 0)
                continue;
            snprintf(source, sizeof source, "line %lu", number);
            vb_verify_link(&trust, line, length, v);
            status |= report(&trust, v, source, &options);
        }
    }
    free(v);
    vb_trust_free(&trust);
    for (size_t i = 0; i < anchor_count; i++)
        X509_free(anchors[i]);
    return status;
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} verbs[] = {
    {"check", command_check},
    {"serve", command_serve},
};

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(main_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcmp(argv[1], verbs[i].name) == 0)
            return verbs[i].run(argc - 1, argv + 1);
    fprintf(stderr, PROGRAM ": unknown verb '%s'. Try 'vanbang-verifier --help'.\n", argv[1]);
    return 2;
}
