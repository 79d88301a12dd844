/*
 * keys/trust_cli.h — the trust-list verbs of vanbang-keys (trust_cli.c).
 */
#ifndef VB_KEYS_TRUST_CLI_H
#define VB_KEYS_TRUST_CLI_H

extern const char trust_help[];
int command_trust_init(int argc, char **argv);
int command_trust_add(int argc, char **argv);
int command_trust_remove(int argc, char **argv);
int command_trust_list(int argc, char **argv);
int command_trust_programs(int argc, char **argv);

#endif
