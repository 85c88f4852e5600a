/* `probityd keys …`: API keys from the command line, for bootstrapping
 * (the first admin key) and for operators rotating keys. */
#ifndef PROBITY_KEYS_CLI_H
#define PROBITY_KEYS_CLI_H

#include "config.h"

/* argv[first..argc) are the keys subcommand and its flags; the database
 * comes from cfg. Returns the exit status. */
int keys_cli(const config_t *cfg, int argc, char **argv, int first);

#endif
