/* probe_flags: `xwing probe [options] TARGET...`'s flags into struct
 * probe_options: the client's tally and expectation flags, --every, --listen,
 * --allow-link-local; the client's other flags are refused with the reason. */
#ifndef XW_PROBE_FLAGS_H
#define XW_PROBE_FLAGS_H

#include "probe.h"
#include "opt.h"
#include "parse.h"

/* Reads argv[2..] into o (its defaults first), and into ask whether it
 * asks for --help or --version. Returns 0, or -1 with err set. */
int probe_flags_parse(struct probe_options *o, int argc, char **argv, enum parse_ask *ask,
                    struct error *err);

#endif
