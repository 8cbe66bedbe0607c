/* probe_flags: `xwing probe [options] TARGET...`'s flags into struct
 * probe_options: the client's tally and expectation flags, --every, --listen,
 * --allow-link-local; the client's other flags are refused with the reason. */
#ifndef XW_PROBE_FLAGS_H
#define XW_PROBE_FLAGS_H

#include "options.h"

/* options_parse for the probe: argv[2..] into o->probe, or o->mode
 * OPTIONS_HELP or OPTIONS_VERSION. Returns 0, or -1 with err set. */
int probe_flags_parse(struct options *o, int argc, char **argv, struct opt_error *err);

#endif
