#!/usr/bin/env bash
# Malformed HTTP as stress rows: runs tests/integration/t_hard_malformed.sh (25
# malformed or abusive requests against rebel-base, /healthz after each) and
# t_hard_malformed_serve.sh (the same against `xwing serve`), and reports what
# the requests got.
source "$(dirname "$0")/common.sh"
all=pass
for t in t_hard_malformed:rebel-base t_hard_malformed_serve:"xwing serve"; do
    script=${t%%:*} who=${t#*:}
    out=$(bash "$ROOT/tests/integration/$script.sh" 2>&1) && verdict=pass || { verdict=FAIL; all=FAIL; }
    echo "$out" | sed 's/^/  /'
    summary=$(grep -E '^malformed:' <<<"$out" || echo "malformed: no summary")
    codes=$(grep -oE '  [0-9]{3}(,[0-9]{3})* then (closed|open|reset)' <<<"$out" | awk '{print $1}' | tr ',' '\n' | sort | uniq -c | awk '{printf "%s%sx%s", sep, $2, $1; sep=" "}')
    closes=$(grep -cE ' - then (closed|reset)' <<<"$out" || true)
    row "malformed HTTP ($who)" \
        "25 cases: 100 kB URI/header, 10k headers, bad/NUL methods, HTTP/0.9 and /2.0, no Host, garbage, traversal, smuggling, bad chunks, 8 MB and 1 GB bodies, pipelining, half-close" \
        "${summary#malformed: }; answers: $codes; $closes closed without reply; /healthz 200 after every case" \
        "$verdict"
done
[ "$all" = pass ]
