/* serve_flags: `xwing serve [options]`'s flags and XWING_* variables into
 * struct serve_options. */
#ifndef XW_SERVE_FLAGS_H
#define XW_SERVE_FLAGS_H

#include "serve.h"
#include "opt.h"
#include "parse.h"

/* Reads argv[2..] into o (its defaults first), and into ask whether it
 * asks for --help or --version. Returns 0, or -1 with err set. */
int serve_flags_parse(struct serve_options *o, int argc, char **argv, enum parse_ask *ask,
                    struct error *err);

#endif
