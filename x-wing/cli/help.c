#include "help.h"

#include <stdlib.h>

#include "allowlist.h"
#include "client.h"
#include "http.h"
#include "probe.h"
#include "tally_flags.h"

/* The limits the texts below state in words. */
_Static_assert(CLIENT_MAX_TARGETS == 1024, "update 'at most 1024'");
_Static_assert(CLIENT_MAX_THREADS == 64, "update 'at most 64'");
_Static_assert(TALLY_FLAGS_MAX_C == 512, "update 'at most 512'");
_Static_assert(TALLY_FLAGS_MAX_N == 1000000000ull, "update 'at most 1000000000'");
_Static_assert(PROBE_MAX_TARGETS == 16, "update 'At most 16 targets'");

static const char client_usage[] =
"usage: xwing [options] TARGET...\n"
"       xwing serve [--listen :8080]      (xwing serve --help)\n"
"       xwing probe [--every 1s] TARGET...  (xwing probe --help)\n"
"\n"
"Fires N HTTP requests at the targets and tallies the replies by their JSON\n"
"field Cluster: the lab's `for i in $(seq 1 10); do curl rebel-base; done`,\n"
"counted. TARGET is host, host:port, host[:port]/path or http://host[:port]/path\n"
"(http, port 80 and / by default). Several targets (at most 1024) are used in turn.\n"
"\n"
"Every request opens a NEW TCP CONNECTION and RESOLVES THE NAME AFRESH, as each\n"
"curl of the lab's loop did. A Service load balancer (kube-proxy, Cilium's\n"
"socket LB) picks the backend once per connection, so with keep-alive all\n"
"requests would stick to one pod and the tally would lie; a headless global\n"
"Service answers DNS with pod IPs from every cluster, and only fresh lookups\n"
"spread over them. --keepalive and --dns-cache trade that for raw speed.\n"
"\n"
"  -n, --requests N        requests to make (default 10, at most 1000000000)\n"
"  -c, --concurrency C     requests in flight at once (default 1, as the loop;\n"
"                          at most 512)\n"
"  -t, --timeout D         per request, like curl --max-time (default 2s)\n"
"      --connect-timeout D TCP connect limit (default: the timeout)\n"
"      --rate R            start at most R requests per second\n"
"      --interval D        or: start one request every D (500ms, 1s)\n"
"      --keepalive         reuse connections (faster; sticks to one backend)\n"
"      --dns-cache         cache name lookups for 60s (faster; sticks to one IP)\n"
"  -k, --key PATH          JSON field to tally by, dotted for nested (default\n"
"                          Cluster; at most 255 bytes)\n"
"      --by WHAT           key (default), pod (" HTTP_SERVED_BY " header), ip (address\n"
"                          connected to) or body (the whole reply)\n"
"  -v, --verbose           print every reply body, one per line, and each failure\n"
"  -o, --output FORMAT     text (default) or json (one object on stdout)\n"
"      --expect-only C     every reply from C and none failed\n"
"      --expect-all A,B    each of A and B answered at least once, none failed\n"
"                          (at most 16 values)\n"
"      --expect-fail       every request failed (the default-deny check)\n"
"      --min-success R     at least R (0..1) got a reply; with --expect-only/all\n"
"                          it replaces their 'none failed'\n"
"  -w, --watch             one line per interval with that interval's tally, until\n"
"                          Ctrl-C or --duration (paced at 10/s unless --rate/--interval)\n"
"  -d, --duration D        run for D: no request starts after D, those in flight\n"
"                          finish (with -n, whichever comes first)\n"
"      --watch-interval D  --watch line interval (default 1s)\n"
"      --threads N         event loops, one thread each, sharing -c (default 1,\n"
"                          at most 64): when xwing's own CPU is the limit; not\n"
"                          with --rate, --interval or --watch\n"
"      --max-body SIZE     longer replies count as too-large (default 64KiB,\n"
"                          at most 64MiB)\n"
"  -h, --help              this text\n"
"  -V, --version           print the version\n"
"\n"
"Failures are rows of their own: timeout, refused, dns, http <code>, not-json,\n"
"no-key, too-large, not-http (another protocol answered), other.\n"
"Reply values are compared and shown up to 127 bytes (longer ones are cut\n"
"there). The first 64 distinct values get rows, later ones are counted together\n"
"as (other values); values named in --expect-* are always counted exactly.\n"
"\n"
"Exit status: 0 when the expectation holds (with none: when every request got a\n"
"reply), 1 when not (reason on stderr), 2 on usage errors, 130 when interrupted\n"
"by SIGINT (Ctrl-C) and 143 by SIGTERM. An interrupted run prints what was counted,\n"
"says \"interrupted after K of N requests\" and is never judged ok: the requests it\n"
"did not make were not checked. --duration is a planned end, not an interruption:\n"
"the verdict covers the requests made (\"stopped by --duration D after K of N\").\n"
"Proxy variables (http_proxy, ...) are ignored: requests go straight to the target.\n"
"\n"
"examples:\n"
"  xwing -n 10 rebel-base\n"
"  xwing -n 100 --expect-all Koornacht,Tion rebel-base\n"
"  xwing --watch rebel-base                    # while scaling a cluster to 0\n"
"  xwing -n 10 --timeout 2s --expect-fail rebel-base   # default-deny policy\n";

/* serve's usage, around its default allowlist (allowlist.c holds it). */
static const char serve_usage[] =
"usage: xwing serve [options]\n"
"\n"
"Runs in the x-wing pod as its main process, idle until asked:\n"
"  GET /healthz                  200 ok\n"
"  GET /tally?target=rebel-base&n=10[&key=Cluster][&by=key|pod|ip|body]\n"
"            [&c=1][&timeout=2s]  runs a tally from inside the pod and returns\n"
"                                the JSON report (as `xwing -o json`); target may\n"
"                                repeat (at most 8), c at most 16, timeout at\n"
"                                most 10s\n"
"\n"
"  -l, --listen ADDR        :PORT, HOST:PORT or [V6]:PORT (default :8080)\n"
"      --max-requests N     cap on n per tally (default 1000)\n"
"      --max-tallies N      tallies running at once, 503 beyond (default 4, at\n"
"                           most 64)\n"
"      --tally-budget D     no request of a tally starts after D (default 60s);\n"
"                           a tally cut short says \"interrupted\":true\n"
"      --log-format FORMAT  text (default) or json: the event lines on stderr\n"
"      --allow-target HOST[:PORT]\n"
"                           a target /tally may fetch (repeat it, or give a\n"
"                           comma-separated list): '*' and '?' glob the host,\n"
"                           no PORT allows any port, an IP address ([v6]) is\n"
"                           compared as one; other targets get 403. Default\n"
"                           (none given): the lab's names,\n";

static const char serve_usage_tail[] =
"      --allow-link-local   link-local addresses (169.254.0.0/16, fe80::/10) may\n"
"                           be allowed; without it none is, whatever the list says\n"
"  -h, --help, -V, --version\n"
"The address a target resolves to is checked too, again on every connection:\n"
"a loopback, link-local, cloud metadata or unspecified address is refused\n"
"unless a pattern names that address (--allow-target 127.0.0.1:8080; a glob\n"
"never does). Redirects are not followed.\n"
"Each flag but --help and --version may also be set as XWING_<NAME>\n"
"(XWING_LISTEN=:9090, XWING_ALLOW_TARGET=a,b: added to the flags' patterns);\n"
"a variable set but empty is the empty value.\n"
"At most 64 connections at once. The report has \"requested\" (n), \"completed\"\n"
"and \"interrupted\". SIGTERM or SIGINT stop it at once (running tallies are\n"
"abandoned), exit 0.\n";

static const char probe_usage[] =
"usage: xwing probe [options] TARGET...\n"
"\n"
"The lab's check as a canary: every --every, a round of N requests per target\n"
"(a new connection and a fresh name lookup each, as xwing sends them; the\n"
"targets in turn), tallied per target and served for Prometheus:\n"
"  GET /metrics   xwing_probe_replies_total{target,value},\n"
"                 xwing_probe_failures_total{target,kind},\n"
"                 xwing_probe_request_duration_seconds{target} (histogram),\n"
"                 xwing_probe_rounds_total{target},\n"
"                 xwing_probe_last_round_share{target,value} (0..1),\n"
"                 xwing_probe_expectation_ok{target} (with --expect-*)\n"
"  GET /healthz   200 while it runs\n"
"  GET /          the live tally per target as text\n"
"target is the URL (http://rebel-base:80/); value the tallied value, at most\n"
"64 per target, later ones counted as (other values).\n"
"\n"
"  -n, --requests N        requests per target per round (default 10)\n"
"      --every D           one round every D (default 1s; 1ms to 1h); a round\n"
"                          that takes longer is followed by the next at once\n"
"  -l, --listen ADDR       :PORT, HOST:PORT or [V6]:PORT (default :9090; port 0:\n"
"                          the kernel picks, the listen line names it)\n"
"  -c, --concurrency C     requests in flight at once (default 1, at most 512)\n"
"  -t, --timeout D         per request (default 2s); --connect-timeout D\n"
"  -k, --key PATH          JSON field to tally by (default Cluster)\n"
"      --by WHAT           key (default), pod, ip or body\n"
"      --expect-only C, --expect-all A,B, --expect-fail, --min-success R\n"
"                          judged on each round: xwing_probe_expectation_ok,\n"
"                          and a log line each time the verdict changes\n"
"      --max-body SIZE     longer replies count as too-large (default 64KiB)\n"
"      --allow-link-local  connect to link-local addresses (169.254.0.0/16,\n"
"                          fe80::/10: cloud metadata); refused by default\n"
"  -h, --help, -V, --version\n"
"At most 16 targets. Flags come from the command line only. SIGTERM or SIGINT\n"
"stop it at once (a round in flight is abandoned, not counted), exit 0.\n"
"\n"
"examples:\n"
"  xwing probe rebel-base                       # in the cluster, scraped on :9090\n"
"  xwing probe --every 5s -n 20 --expect-all Koornacht,Tion rebel-base\n";

void help_client(FILE *out)
{
    fputs(client_usage, out);
}

void help_serve(FILE *out)
{
    struct allowlist *lab = calloc(1, sizeof *lab);
    char names[512] = "(out of memory)";
    if (lab) {
        allowlist_defaults(lab);
        allowlist_describe(lab, names, sizeof names);
    }
    fputs(serve_usage, out);
    fprintf(out, "%27s%s\n", "", names);
    fputs(serve_usage_tail, out);
    free(lab);
}

void help_probe(FILE *out)
{
    fputs(probe_usage, out);
}
