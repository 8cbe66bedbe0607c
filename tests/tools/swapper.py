#!/usr/bin/env python3
"""swapper: swaps a ConfigMap-style volume the way the kubelet does, fast.

    swapper.py DIR KEY --interval-ms 10 --max-swaps N --max-seconds S FILE...

Each swap writes the next FILE's bytes (cycling through them) into a new
timestamped directory DIR/..<ts>, points a fresh DIR/..data_tmp symlink at it,
renames it over DIR/..data (atomic), makes sure DIR/KEY -> ..data/KEY exists,
and removes the previous directory: the same steps as
tests/integration/lib.sh kubelet_write, without forking a process per step, so
it can keep a 10 ms pace. Stops at --max-swaps, --max-seconds or SIGTERM and
prints "swapper: swaps=N secs=S per_file=a,b,c".
"""
import argparse
import os
import signal
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("key")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--interval-ms", type=float, default=10)
    ap.add_argument("--max-swaps", type=int, default=100000)
    ap.add_argument("--max-seconds", type=float, default=120)
    a = ap.parse_args()
    datas = []
    for f in a.files:
        with open(f, "rb") as fh:
            datas.append(fh.read())
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    os.makedirs(a.dir, exist_ok=True)
    data_link = os.path.join(a.dir, "..data")
    tmp_link = os.path.join(a.dir, "..data_tmp")
    key_link = os.path.join(a.dir, a.key)
    counts = [0] * len(datas)
    t0 = time.monotonic()
    n = 0
    next_t = t0
    while not stop and n < a.max_swaps and time.monotonic() - t0 < a.max_seconds:
        i = n % len(datas)
        ts = "..%s.%d" % (time.strftime("%Y_%m_%d_%H_%M_%S"), n)
        d = os.path.join(a.dir, ts)
        os.mkdir(d)
        with open(os.path.join(d, a.key), "wb") as fh:
            fh.write(datas[i])
        try:
            old = os.readlink(data_link)
        except OSError:
            old = None
        if os.path.lexists(tmp_link):
            os.unlink(tmp_link)
        os.symlink(ts, tmp_link)
        os.rename(tmp_link, data_link)
        if not os.path.lexists(key_link):
            os.symlink(os.path.join("..data", a.key), key_link)
        if old and old != ts:
            old_dir = os.path.join(a.dir, old)
            for f in os.listdir(old_dir):
                os.unlink(os.path.join(old_dir, f))
            os.rmdir(old_dir)
        counts[i] += 1
        n += 1
        next_t += a.interval_ms / 1000
        delay = next_t - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            next_t = time.monotonic()
    print("swapper: swaps=%d secs=%.1f per_file=%s" % (n, time.monotonic() - t0,
                                                    ",".join(map(str, counts))), flush=True)


if __name__ == "__main__":
    main()
