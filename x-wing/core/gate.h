/* gate: the allowlist at work, where names meet the network.
 *
 * Before a tally, `xwing serve` holds each target to the list: its name, then
 * every address the name resolves to now, so that a refused target gets a 403
 * saying which flag would allow it. Then, since a name may resolve to
 * something else by the time libcurl looks it up (DNS rebinding), fire asks
 * gate_admit about every address right before connecting to it: the address
 * checked is the address connected to. `xwing probe` uses gate_admit alone,
 * with its open list (link-local refused). */
#ifndef XW_GATE_H
#define XW_GATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "allowlist.h"
#include "target.h"

/* 0 when l allows t, else -1 with one line in why naming the target and the
 * flag that would allow it: "target 'evil:80' is not on the allowlist: allow
 * it with --allow-target evil:80". A name that does not resolve now, or not
 * before deadline_ns (clock_mono_ns), passes (the tally counts its dns
 * failures); gate_admit still guards it. */
int gate_target(const struct allowlist *l, const struct target *t, uint64_t deadline_ns, char *why,
                size_t cap);

/* fire's admit hook, ctx a const struct allowlist *: 0 to connect to sa, else
 * -1 with why: "refused 127.0.0.1:8080, a loopback address: allow it with
 * --allow-target 127.0.0.1:8080". */
int gate_admit(const void *ctx, const struct sockaddr *sa, size_t len, char *why, size_t cap);

#endif
