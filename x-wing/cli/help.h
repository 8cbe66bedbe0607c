/* help: the help texts of xwing's three modes, as --help prints them. */
#ifndef XW_HELP_H
#define XW_HELP_H

#include <stdio.h>

/* `xwing --help`: the client's flags, and the two other modes named. */
void help_client(FILE *out);

/* `xwing serve --help`, with the default allowlist (allowlist_defaults). */
void help_serve(FILE *out);

/* `xwing probe --help`. */
void help_probe(FILE *out);

#endif
