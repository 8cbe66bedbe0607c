/* client_flags: `xwing [options] TARGET...`'s flags into struct client_options. */
#ifndef XW_CLIENT_FLAGS_H
#define XW_CLIENT_FLAGS_H

#include "options.h"

/* options_parse for the client: argv[1..] into o->client, or o->mode
 * OPTIONS_HELP or OPTIONS_VERSION. Returns 0, or -1 with err set. */
int client_flags_parse(struct options *o, int argc, char **argv, struct opt_error *err);

#endif
