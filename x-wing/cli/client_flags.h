/* client_flags: `xwing [options] TARGET...`'s flags into struct client_options. */
#ifndef XW_CLIENT_FLAGS_H
#define XW_CLIENT_FLAGS_H

#include "client.h"
#include "opt.h"
#include "parse.h"

/* Reads argv[1..] into o (its defaults first), and into ask whether it
 * asks for --help or --version. Returns 0, or -1 with err set. */
int client_flags_parse(struct client_options *o, int argc, char **argv, enum parse_ask *ask,
                     struct error *err);

#endif
