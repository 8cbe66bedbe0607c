#include "options.h"

#include <string.h>

#include "client_flags.h"
#include "probe_flags.h"
#include "serve_flags.h"

int options_parse(struct options *o, int argc, char **argv, struct error *err)
{
    static const enum options_mode asked[] = {
        [PARSE_HELP] = OPTIONS_HELP, [PARSE_VERSION] = OPTIONS_VERSION};
    enum parse_ask ask = PARSE_RUN;
    int rc;

    o->help_of = OPTIONS_RUN;
    if (argc > 1 && strcmp(argv[1], "serve") == 0)
        o->help_of = OPTIONS_SERVE;
    else if (argc > 1 && strcmp(argv[1], "probe") == 0)
        o->help_of = OPTIONS_PROBE;
    switch (o->help_of) {
    case OPTIONS_SERVE: rc = serve_flags_parse(&o->serve, argc, argv, &ask, err); break;
    case OPTIONS_PROBE: rc = probe_flags_parse(&o->probe, argc, argv, &ask, err); break;
    default: rc = client_flags_parse(&o->client, argc, argv, &ask, err); break;
    }
    o->mode = ask == PARSE_RUN ? o->help_of : asked[ask];
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
