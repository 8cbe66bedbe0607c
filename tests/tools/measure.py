#!/usr/bin/env python3
"""measure: runs a command and writes "PEAK_RSS_KB SECONDS" to a file, like GNU
time -f '%M %e' (which a fresh Debian lacks); exits with the command's status,
or 128+N when a signal N killed it.

    measure.py OUTFILE COMMAND [ARGS...]
"""
import resource
import subprocess
import sys
import time

out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
rc = subprocess.call(cmd)
secs = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kB on Linux
with open(out, "w") as f:
    f.write("%d %.2f\n" % (rss, secs))
sys.exit(128 - rc if rc < 0 else rc)
