#!/usr/bin/env bash
# xwing against hostile servers (tests/tools/hostile_more.py, one port per mode):
# endless body, endless headers, slow drip, wrong Content-Length (long and
# short), reset mid-body, non-UTF-8, JSON nested 100,000 deep, a 1 GiB
# Content-Length, a redirect loop, accept-and-never-read, garbage. For each mode
# xwing runs N requests, C at a time, with --timeout 1s and -o json. Checks per
# mode: every request lands in the mode's expected row; replies + failure rows
# == N; the run ends within its time bound (rounds x timeout + 3 s); peak RSS
# stays under 64 MiB; exit status is 1 when a request failed and 0 when none
# did, never a crash; the JSON is strict UTF-8; and --expect-fail agrees.
#   bash tests/stress/hostile.sh [N] [C]     (default 20 4)
source "$(dirname "$0")/common.sh"
n=${1:-20} c=${2:-4}
[ -x "$BIN/xwing" ] || skip "no xwing binary"

# Each mode listens on port 0; the helper writes "MODE PORT" lines (atomically,
# once every socket listens) to the ports file.
"$PY" "$ROOT/tests/tools/hostile_more.py" --ports-file "$TMP/ports" --max-seconds 600 \
    >"$TMP/hostile.log" 2>&1 &
HOSTILE_PID=$!
PIDS+=("$HOSTILE_PID")
ports_or_gone() { [ -s "$TMP/ports" ] || ! alive "$HOSTILE_PID"; }
wait_until "hostile_more.py to write its ports" 10 ports_or_gone
[ -s "$TMP/ports" ] || fail "hostile_more.py did not start: $(cat "$TMP/hostile.log")"

# mode [extra xwing flags] -> regex the row values must match
declare -A want=(
    [endless]='too-large' [endless-headers]='too-large|other' [drip]='timeout'
    [cl-long]='other' [cl-short]='not-json' [reset]='other'
    [nonutf8]='reply|not-json' [deep]='too-large' [deep-1M]='not-json' [huge-cl]='too-large'
    [redirect]='http 302|other' [blackhole]='timeout' [garbage]='not-http'
)
declare -A port
while read -r m p; do port[$m]=$p; done <"$TMP/ports"
port[deep-1M]=${port[deep]}

bound_s=$(( (n + c - 1) / c * 1 + 3 ))
ok_modes=0 bad_modes=() worst_s=0 worst_rss=0
printf '  %-16s %-28s %-5s %-7s %-8s %s\n' mode rows exit secs rss_kB verdict
for m in endless endless-headers drip cl-long cl-short reset nonutf8 deep deep-1M huge-cl redirect blackhole garbage; do
    extra=()
    [ "$m" = deep-1M ] && extra=(--max-body 1M)
    rc=0 rc_fail=0
    "$PY" "$ROOT/tests/tools/measure.py" "$TMP/time" "$BIN/xwing" -n "$n" -c "$c" --timeout 1s -o json "${extra[@]}" \
        "127.0.0.1:${port[$m]}/" >"$TMP/out.json" 2>"$TMP/err" || rc=$?
    read -r rss secs < <(tail -1 "$TMP/time")
    "$BIN/xwing" -n "$c" -c "$c" --timeout 1s --expect-fail "${extra[@]}" "127.0.0.1:${port[$m]}/" \
        >/dev/null 2>&1 || rc_fail=$?
    verdict=$("$PY" - "$TMP/out.json" "$n" "$rc" "$rc_fail" "${want[$m]}" <<'EOF'
import json, re, sys
path, n, rc, rc_fail, want = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
try:
    raw = open(path, "rb").read()
    j = json.loads(raw.decode("utf-8"))          # strict UTF-8, strict JSON
except Exception as e:
    print("rows=? BAD: output is not UTF-8 JSON (%s)" % e.__class__.__name__); sys.exit()
rows = j["rows"]
total = sum(r["count"] for r in rows)
label = ",".join("%s:%d" % (r["value"].replace(" ", "_") if r["kind"] == "error" else "reply", r["count"]) for r in rows)
bad = []
if j["requests"] != n or total != n or j["ok"] + j["failed"] != n:
    bad.append("rows add up to %d, requests %d, not %d" % (total, j["requests"], n))
for r in rows:
    name = r["value"] if r["kind"] == "error" else "reply"
    if not re.fullmatch(want, name):
        bad.append("row %r not expected" % name)
if rc >= 2 or rc < 0:
    bad.append("exit %d (crash or usage)" % rc)
elif rc != (1 if j["failed"] else 0):
    bad.append("exit %d with %d failed" % (rc, j["failed"]))
all_failed = j["failed"] == n
if rc_fail != (0 if all_failed else 1):
    bad.append("--expect-fail exit %d" % rc_fail)
print("rows=%s %s" % (label, "BAD: " + "; ".join(bad) if bad else "ok"))
EOF
)
    awk -v s="$secs" -v b="$bound_s" 'BEGIN{exit !(s <= b)}' || verdict="$verdict BAD: ${secs}s > ${bound_s}s"
    [ "$rss" -le 65536 ] || verdict="$verdict BAD: RSS ${rss} kB"
    printf '  %-16s %-28s %-5s %-7s %-8s %s\n' "$m" "$(sed 's/ .*//; s/rows=//' <<<"$verdict")" "$rc" "$secs" "$rss" "${verdict#* }"
    if [[ "$verdict" == *BAD* ]]; then bad_modes+=("$m"); else ok_modes=$((ok_modes + 1)); fi
    if awk -v s="$secs" -v w="$worst_s" 'BEGIN{exit !(s > w)}'; then worst_s=$secs; fi
    if [ "$rss" -gt "$worst_rss" ]; then worst_rss=$rss; fi
    if grep -iE 'sanitizer|segv|abort|core' "$TMP/err"; then bad_modes+=("$m:stderr"); fi
done

verdict=pass
[ ${#bad_modes[@]} -eq 0 ] || verdict="FAIL (${bad_modes[*]})"
row "xwing vs hostile servers" \
    "13 modes x $n requests, -c $c, --timeout 1s (endless body/headers, drip, wrong CL x2, reset, non-UTF-8, 100k-deep JSON x2, 1 GiB CL, redirect loop, blackhole, garbage)" \
    "$ok_modes/13 modes in their row; replies+failures == N in all; slowest run ${worst_s}s (bound ${bound_s}s); peak RSS $((worst_rss / 1024)) MiB; exit codes truthful" \
    "$verdict"
[ "$verdict" = pass ]
