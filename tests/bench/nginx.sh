# nginx as a benchmark anchor, started on a port that it really bound.
# shellcheck shell=bash disable=SC2034 # NGINX_PORT, NGINX_PID, LAUNCHED_PID: for the caller
# Needs tests/integration/lib.sh sourced first (wait_until, fail, note, PIDS, TMP).
#
# Our servers listen on port 0 and log the port the kernel gave them; nginx has no
# such thing (`listen 127.0.0.1:0` does not tell which port it got). So this is
# the one place a port is picked before it is bound, and the race that brings is
# handled instead of ignored: the pick is random and below the kernel's ephemeral
# range (where port-0 listeners and client sockets get theirs, so collisions are
# rare), and when nginx cannot bind it ("Address already in use" in its error
# log) another port is tried, 10 times at most. nginx writes its pid file only
# once its listening sockets are bound, so a pid file naming the process we
# started is the proof that the port is ours, even if some other server answered
# on it meanwhile.

nginx_random_port() {
    local lo
    read -r lo _ </proc/sys/net/ipv4/ip_local_port_range
    ((lo > 11024)) || lo=32768
    echo $((10000 + (RANDOM * 32768 + RANDOM) % (lo - 10000)))
}

# Whether PID is gone: a zombie counts (kill -0 would still succeed on one).
pid_gone() { case $(ps -o stat= -p "$1" 2>/dev/null) in "" | Z*) return 0 ;; *) return 1 ;; esac; }

# Bound (the pid file names it), refused the port, or dead for another reason.
nginx_settled() { # nginx_settled PID PIDFILE ERRLOG
    [ "$(cat "$2" 2>/dev/null)" = "$1" ] || grep -qs 'Address already in use' "$3" || pid_gone "$1"
}

# Starts an nginx whose config CONF_FN writes, retrying on a port in use.
#   CONF_FN PORT PIDFILE ERRLOG   prints the config (daemon off; pid PIDFILE;
#                                 error_log ERRLOG; listen 127.0.0.1:PORT)
#   LAUNCH_FN CONF ERRLOG PORT    starts nginx -c CONF -e ERRLOG in the background
#                                 and sets LAUNCHED_PID to the nginx master
# Sets NGINX_PORT and NGINX_PID. Files: $TMP/NAME.conf, NAME.pid, NAME-error.log.
start_nginx() { # start_nginx NAME CONF_FN [LAUNCH_FN]
    local name=$1 conf_fn=$2 launch_fn=${3:-nginx_launch} try port
    local conf=$TMP/$name.conf pidf=$TMP/$name.pid err=$TMP/$name-error.log
    for ((try = 1; try <= 10; try++)); do
        port=$(nginx_random_port)
        rm -f "$pidf" "$err"
        "$conf_fn" "$port" "$pidf" "$err" >"$conf"
        "$launch_fn" "$conf" "$err" "$port"
        wait_until "nginx $name to bind 127.0.0.1:$port or give up" 15 nginx_settled "$LAUNCHED_PID" "$pidf" "$err"
        if [ "$(cat "$pidf" 2>/dev/null)" = "$LAUNCHED_PID" ]; then
            NGINX_PORT=$port NGINX_PID=$LAUNCHED_PID
            return 0
        fi
        kill -TERM "$LAUNCHED_PID" 2>/dev/null || true
        wait "$LAUNCHED_PID" 2>/dev/null || true # reaps it when it is our child
        wait_until "the nginx that could not bind to exit" 10 pid_gone "$LAUNCHED_PID"
        grep -qs 'Address already in use' "$err" || fail "nginx $name did not start: $(cat "$err" 2>/dev/null)"
        note "nginx $name: 127.0.0.1:$port is in use, trying another port"
    done
    fail "nginx $name: 10 random ports were all in use"
}

nginx_launch() { # nginx_launch CONF ERRLOG PORT
    nginx -p "$TMP" -c "$1" -e "$2" </dev/null >/dev/null 2>&1 &
    LAUNCHED_PID=$!
    PIDS+=("$LAUNCHED_PID")
}
