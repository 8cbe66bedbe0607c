#include "options.h"

#include <string.h>

#include "client_flags.h"
#include "probe_flags.h"
#include "serve_flags.h"

int options_parse(struct options *o, int argc, char **argv, struct opt_error *err)
{
    enum options_mode of = OPTIONS_RUN;
    int rc;

    if (argc > 1 && strcmp(argv[1], "serve") == 0)
        of = OPTIONS_SERVE;
    else if (argc > 1 && strcmp(argv[1], "probe") == 0)
        of = OPTIONS_PROBE;
    o->mode = OPTIONS_RUN;
    o->help_of = of;
    switch (of) {
    case OPTIONS_SERVE: rc = serve_flags_parse(o, argc, argv, err); break;
    case OPTIONS_PROBE: rc = probe_flags_parse(o, argc, argv, err); break;
    default: rc = client_flags_parse(o, argc, argv, err); break;
    }
    return rc;
}

const char *options_help_command(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "serve") == 0)
        return "xwing serve --help";
    if (argc > 1 && strcmp(argv[1], "probe") == 0)
        return "xwing probe --help";
    return "xwing --help";
}
