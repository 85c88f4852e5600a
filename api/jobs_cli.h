/* `probityd jobs …`: the scheduler from the command line. */
#ifndef PROBITY_JOBS_CLI_H
#define PROBITY_JOBS_CLI_H

#include "config.h"

int jobs_cli(const config_t *cfg, int argc, char **argv, int first);

#endif
