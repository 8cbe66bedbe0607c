#!/usr/bin/env bash
# make bench-plot: draws the scaling benchmarks' data as PNGs with gnuplot.
#   plot.sh DIR   reads DIR/rebel-scale.dat, newconn-scale.dat and xwing-scale.dat (written by
#                 make bench, or make bench ONLY=scale) and writes DIR/*.png.
# The README shows the copies in tests/bench/plots/: after a full run on a quiet
# machine, copy them there (the command is printed).
set -euo pipefail
dir=${1:?usage: plot.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
command -v gnuplot >/dev/null || { echo "bench-plot: gnuplot is not installed (make deps installs gnuplot-nox)" >&2; exit 1; }
found=0
for f in rebel-scale newconn-scale xwing-scale; do
    if [ -s "$dir/$f.dat" ]; then
        found=1
        rm -f "$dir/$f.png"
    else
        echo "bench-plot: no $dir/$f.dat: make bench (or make bench ONLY=scale) writes it" >&2
    fi
done
[ "$found" = 1 ] || exit 1
# A line with no points is a binary that was not measured (no image): not news.
timeout 60 gnuplot -e "dir='$dir'" "$here/scale.gp" 2>&1 | { grep -v 'Skipping data file with no valid points' || true; } >&2
for f in rebel-scale newconn-scale xwing-scale; do
    [ -s "$dir/$f.dat" ] || continue
    [ -s "$dir/$f.png" ] || { echo "bench-plot: gnuplot did not write $dir/$f.png" >&2; exit 1; }
    echo "bench-plot: $dir/$f.png ($(wc -c <"$dir/$f.png") bytes) from $(head -1 "$dir/$f.dat" | sed 's/^# //')"
done
echo "bench-plot: for the README: cp $dir/*-scale.png $(cd "$here" && pwd)/plots/"
