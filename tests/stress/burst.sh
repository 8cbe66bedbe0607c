#!/usr/bin/env bash
# Memory after a burst: CONNS connections open against rebel-base, each sends one
# GET and holds its keep-alive connection (tests/tools/hold.c -r), then all close;
# BURSTS times in a row. RSS is taken idle, at the peak (sampled every 0.5 s) and
# 10 s after each burst, while a kubelet-like probe asks /healthz every second
# (the connection events a real pod gets). The idle figure and each after-burst
# figure are printed side by side; the goal is after <= idle + 8 MiB (issue 22:
# a pod under a 32 MiB limit must survive the next burst). The "memory" log line
# says when rebel-base handed the freed memory back and what that cost.
# Both builds: the dev build (BIN) and the shipped static binary copied out of
# the image (tests/bench/benchlib.sh; SHIP_RB=path to give one), skipped loudly
# when there is none.
#   bash tests/stress/burst.sh [CONNS] [BURSTS]     (default 8000 3)
source "$(dirname "$0")/common.sh"
source "$ROOT/tests/bench/benchlib.sh"
conns=${1:-8000} bursts=${2:-3}
hold=$(tool hold)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge $((conns + 200)) ] || skip "ulimit -n $(ulimit -n) is below the $((conns + 200)) descriptors needed"

printf '%s' "$KOORNACHT" >"$TMP/doc.json"
goal_kb=$((8 * 1024))

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
open_conns() { curl -s --max-time 2 "http://127.0.0.1:$1/metrics" | awk '/^rebel_base_open_connections /{print $2}'; }
only_probe_open() { [ "$(open_conns "$1")" = 1 ]; }

# One build: BURSTS bursts against a fresh server. Prints its figures and a row.
burst_build() { # burst_build LABEL BINARY
    local label=$1 bin=$2 pid port idle peak after afters="" verdict=pass b i
    "$bin" --listen 127.0.0.1:0 --document "$TMP/doc.json" --served-by burst --drain 0 \
        --max-connections $((conns + 1000)) --max-per-ip 0 >"$TMP/$label.out" 2>"$TMP/$label.log" &
    pid=$!
    PIDS+=("$pid")
    port=$(wait_port "$pid" "$TMP/$label.log")
    wait_http "http://127.0.0.1:$port/readyz"
    idle=$(rss_kb "$pid")
    for ((b = 1; b <= bursts; b++)); do
        : >"$TMP/rss"
        rss_sampler "$pid" "$TMP/rss" &
        local sampler=$!
        "$hold" -i "$conns" -s 0 -r -d 120 127.0.0.1 "$port" >"$TMP/hold.log" 2>&1 &
        local h=$!
        PIDS+=("$h")
        held() { grep -q '^hold: ready' "$TMP/hold.log" || ! alive "$h"; }
        wait_until "$label burst $b: $conns connections to get their reply" 60 held
        grep -q "replied=$conns " <<<"$(grep '^hold: ready' "$TMP/hold.log")" ||
            fail "$label burst $b: not every connection was served: $(tail -1 "$TMP/hold.log")"
        peak=$(rss_kb "$pid")
        kill -TERM "$h"
        wait "$h" 2>/dev/null || true
        wait_until "$label burst $b: rebel-base to see the connections closed" 20 only_probe_open "$port"
        kill "$sampler" 2>/dev/null
        wait "$sampler" 2>/dev/null || true
        peak=$(sort -n "$TMP/rss" <(echo "$peak") | tail -1)
        # 10 s after, as a kubelet probes: one /healthz a second (the sampling period).
        for ((i = 0; i < 10; i++)); do
            sleep 1
            curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/healthz"
        done
        after=$(rss_kb "$pid")
        afters+="${afters:+, }$(mib "$after")"
        echo "  $label burst $b: $conns connections; RSS idle $idle kB, peak $peak kB, 10 s after $after kB"
        ((after <= idle + goal_kb)) || verdict="FAIL (after burst $b: $after kB > idle $idle kB + 8 MiB)"
    done
    grep ' memory: ' "$TMP/$label.log" | tail -"$bursts" | sed 's/^/  /'
    alive "$pid" || fail "$label: rebel-base died"
    kill -TERM "$pid"
    row "burst ($label)" \
        "$bursts x $conns connections (one GET each, held, then closed), /healthz every 1 s" \
        "RSS idle $(mib "$idle") MiB, 10 s after each burst: $afters MiB (peak $(mib "$peak") MiB); goal: <= idle + 8 MiB" \
        "$verdict"
    [ "$verdict" = pass ]
}

rc=0
burst_build dev "$BIN/rebel-base" || rc=1
mkdir -p "$STRESS_DIR/ship"
ship_bins "$STRESS_DIR/ship"
if [ -n "${SHIP_RB:-}" ]; then
    printf '%s\n' "${SHIP_INFO%$'\n'}" | sed 's/^/  /'
    burst_build shipped "$SHIP_RB" || rc=1
else
    ship_missing "" rebel-base | sed 's/^/  /'
    row "burst (shipped)" "-" "not measured: $(printf '%s' "$SHIP_WHY" | head -1)" "SKIP"
fi
exit "$rc"
