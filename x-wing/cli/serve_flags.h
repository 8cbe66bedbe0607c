/* serve_flags: `xwing serve [options]`'s flags and XWING_* variables into
 * struct serve_options. */
#ifndef XW_SERVE_FLAGS_H
#define XW_SERVE_FLAGS_H

#include "options.h"

/* options_parse for serve: argv[2..] into o->serve, or o->mode OPTIONS_HELP
 * or OPTIONS_VERSION. Returns 0, or -1 with err set. */
int serve_flags_parse(struct options *o, int argc, char **argv, struct opt_error *err);

#endif
