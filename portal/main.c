/*
 * portal/main.c — vanbang-portal, the reference national diploma lookup portal: the verbs
 * table, `init` (a new store), `user-add` and `user-list` (the provincial staff who may read
 * the audit). `serve` is serve.c; `audit` and `report` are audit_cli.c.
 */
#include "portal.h"

#include "keys.h"
#include "store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PORTAL_PASSWORD_ENV "VANBANG_PORTAL_PASSWORD"

static const char main_help[] =
    "NAME\n"
    "    vanbang-portal — the national diploma lookup portal: schools mirror their registers to it,\n"
    "    the public looks diplomas up, provinces audit what schools issued\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-portal VERB [OPTIONS]      (vanbang-portal VERB --help for each)\n"
    "\n"
    "VERBS\n"
    "    init        create the portal's store (one SQLite file)\n"
    "    serve       the HTTP portal: schools' uploads, the public lookup, the staff's audit\n"
    "    user-add    add a member of a provincial staff who may read the audit\n"
    "    user-list   list those users and their provinces\n"
    "    audit       check everything the store holds: signatures, logs, anomalies\n"
    "    report      the yearly audit report of a province (HTML and CSV)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 done; 1 refused (or anomalies found, for audit); 2 usage or file errors.\n";

static const char init_help[] =
    "NAME\n"
    "    vanbang-portal init — create the portal's store\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-portal init --db FILE\n"
    "\n"
    "DESCRIPTION\n"
    "    Creates the store: one SQLite file, mode 0600 (it holds personal identification\n"
    "    numbers), never overwritten, in write-ahead-log mode. It keeps the schools, every batch\n"
    "    they sent, their events, records and checkpoints, their status lists, the incidents the\n"
    "    portal found, the staff's users and the log of their accesses.\n"
    "\n"
    "OPTIONS\n"
    "    --db FILE   the store to create; refused if FILE exists\n"
    "\n"
    "EXIT STATUS\n"
    "    0 created; 2 usage or file errors (nothing is left behind).\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-portal init --db /var/lib/vanbang/portal.db\n";

static const char user_add_help[] =
    "NAME\n"
    "    vanbang-portal user-add — let a member of a provincial staff read the audit\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-portal user-add --db FILE --user NAME (--province NAME | --all-provinces)\n"
    "                            [--password-fd N]\n"
    "\n"
    "DESCRIPTION\n"
    "    Adds a user who logs in at /audit/login and sees the audit of the schools of one\n"
    "    province (the ST attribute of their signer certificates), or of every province. The\n"
    "    password is never taken from the command line: from --password-fd, else the environment\n"
    "    variable VANBANG_PORTAL_PASSWORD, else a prompt on the terminal (asked twice, not\n"
    "    echoed). It is kept as scrypt (N=2^15, r=8, p=1, a 16-byte random salt, 32 bytes):\n"
    "    \"scrypt$N$r$p$SALT$HASH\".\n"
    "\n"
    "OPTIONS\n"
    "    --db FILE          the portal's store\n"
    "    --user NAME        the user name (1-64 bytes, no control characters); must be new\n"
    "    --province NAME    the province whose schools the user audits, e.g. \"Hà Nội\"\n"
    "    --all-provinces    the user audits every province (the ministry)\n"
    "    --password-fd N    read the password as one line from file descriptor N\n"
    "\n"
    "ENVIRONMENT\n"
    "    VANBANG_PORTAL_PASSWORD   the password, when --password-fd is not given\n"
    "\n"
    "EXIT STATUS\n"
    "    0 added; 1 refused (the user exists, a name or password not allowed); 2 usage or file\n"
    "    errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-portal user-add --db portal.db --user thanh.nv --province \"Hà Nội\"\n"
    "    vanbang-portal user-add --db portal.db --user bo.gddt --all-provinces --password-fd 3 3<pw.txt\n";

static const char user_list_help[] =
    "NAME\n"
    "    vanbang-portal user-list — the users who may read the audit, and their provinces\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-portal user-list --db FILE\n"
    "\n"
    "DESCRIPTION\n"
    "    Prints one line per user, sorted by province: name, province (\"*\" for every province)\n"
    "    and when the user was added (UTC). Passwords are never printed.\n"
    "\n"
    "OPTIONS\n"
    "    --db FILE   the portal's store\n"
    "\n"
    "EXIT STATUS\n"
    "    0 listed; 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-portal user-list --db portal.db\n";

static int usage(const char *verb, const char *message)
{
    fprintf(stderr, PORTAL_PROGRAM " %s: %s. Try 'vanbang-portal %s --help'.\n", verb, message, verb);
    return 2;
}

int command_init(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (c == 'd')
            path = optarg;
        else if (c == 'h')
            return fputs(init_help, stdout), 0;
        else
            return usage("init", "unknown option");
    }
    if (!path || optind < argc)
        return usage("init", path ? "unexpected argument" : "--db is required");
    vb_error err = {0};
    if (store_create(path, &err) != VB_OK) {
        fprintf(stderr, PORTAL_PROGRAM " init: %s\n", err.message);
        return 2;
    }
    printf("created the portal's store %s (schema %d)\n", path, PORTAL_SCHEMA_VERSION);
    return 0;
}

/* The password: --password-fd, else VANBANG_PORTAL_PASSWORD, else the terminal (twice). The
 * library's reader would take VANBANG_PASSPHRASE from the environment before the terminal — a
 * school key's passphrase, not this — so that variable is put aside first. */
static vb_status read_password(int fd, char *out, size_t out_size, vb_error *err)
{
    const char *from_environment = getenv(PORTAL_PASSWORD_ENV);
    if (fd < 0 && from_environment) {
        if (strlen(from_environment) + 1 > out_size)
            return vb_fail(err, VB_ERR_ARGUMENT, "%s is longer than %zu bytes", PORTAL_PASSWORD_ENV, out_size - 1);
        snprintf(out, out_size, "%s", from_environment);
    } else {
        unsetenv(VB_PASSPHRASE_ENV);
        vb_status s = vb_passphrase_read("Password: ", fd < 0, fd, out, out_size, err);
        if (s != VB_OK)
            return s;
    }
    return VB_OK;
}

int command_user_add(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},       {"user", required_argument, NULL, 'u'},
        {"province", required_argument, NULL, 'p'}, {"all-provinces", no_argument, NULL, 'a'},
        {"password-fd", required_argument, NULL, 'f'}, {"password", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    const char *path = NULL, *user = NULL, *province = NULL;
    bool all = false;
    int fd = -1, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'd': path = optarg; break;
        case 'u': user = optarg; break;
        case 'p': province = optarg; break;
        case 'a': all = true; break;
        case 'f': {
            char *end;
            long value = strtol(optarg, &end, 10);
            if (*end || value < 0 || value > 1024)
                return usage("user-add", "--password-fd takes a file descriptor number");
            fd = (int)value;
            break;
        }
        case 'P':
            return usage("user-add", "a password on the command line would be seen by every user of the machine; "
                                     "use --password-fd or VANBANG_PORTAL_PASSWORD");
        case 'h': fputs(user_add_help, stdout); return 0;
        default: return usage("user-add", "unknown option");
        }
    }
    if (!path || !user || optind < argc)
        return usage("user-add", optind < argc ? "unexpected argument" : "--db and --user are required");
    if (all == (province != NULL))
        return usage("user-add", "give exactly one of --province NAME and --all-provinces");
    if (province && !*province)
        return usage("user-add", "--province is empty; for every province give --all-provinces");

    store *st = NULL;
    vb_error err = {0};
    char password[PASSWORD_MAX_BYTES + 1], stored[PASSWORD_STORED_BYTES];
    int status = 2;
    if (store_open(path, false, &st, &err) != VB_OK) {
        fprintf(stderr, PORTAL_PROGRAM " user-add: %s\n", err.message);
        return 2;
    }
    if (read_password(fd, password, sizeof password, &err) != VB_OK) {
        fprintf(stderr, PORTAL_PROGRAM " user-add: %s\n", err.message);
        goto done;
    }
    if (strlen(password) < 8) {
        fprintf(stderr, PORTAL_PROGRAM " user-add: a password has at least 8 characters\n");
        status = 1;
        goto done;
    }
    if (password_hash(password, strlen(password), stored, &err) != VB_OK) {
        fprintf(stderr, PORTAL_PROGRAM " user-add: %s\n", err.message);
        goto done;
    }
    if (store_user_add(st, user, province ? province : "", stored, (int64_t)time(NULL), &err) != VB_OK) {
        fprintf(stderr, PORTAL_PROGRAM " user-add: %s\n", err.message);
        status = err.code == VB_ERR_ARGUMENT ? 1 : 2;
        goto done;
    }
    printf("added user %s (%s)\n", user, province ? province : "every province");
    status = 0;
done:
    vb_passphrase_wipe(password, sizeof password);
    store_close(st);
    return status;
}

static vb_status print_user(void *context, const char *name, const char *province, int64_t created_at, vb_error *err)
{
    char when[32];
    (void)context;
    (void)err;
    text_time_iso(when, created_at);
    printf("%s\t%s\t%s\n", name, province && *province ? province : "*", when);
    return VB_OK;
}

int command_user_list(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (c == 'd')
            path = optarg;
        else if (c == 'h')
            return fputs(user_list_help, stdout), 0;
        else
            return usage("user-list", "unknown option");
    }
    if (!path || optind < argc)
        return usage("user-list", path ? "unexpected argument" : "--db is required");
    store *st = NULL;
    vb_error err = {0};
    if (store_open(path, true, &st, &err) != VB_OK || store_each_user(st, print_user, NULL, &err) != VB_OK) {
        fprintf(stderr, PORTAL_PROGRAM " user-list: %s\n", err.message);
        store_close(st);
        return 2;
    }
    store_close(st);
    return 0;
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} verbs[] = {
    {"init", command_init},         {"serve", command_serve},   {"user-add", command_user_add},
    {"user-list", command_user_list}, {"audit", command_audit}, {"report", command_report},
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
    fprintf(stderr, PORTAL_PROGRAM ": unknown verb '%s'. Try 'vanbang-portal --help'.\n", argv[1]);
    return 2;
}
