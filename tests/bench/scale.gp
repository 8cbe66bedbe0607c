# make bench-plot: the scaling benchmarks' data (bench_scale_rebel.sh,
# bench_scale_xwing.sh) as PNGs. gnuplot -e "dir='DIR'" scale.gp reads
# DIR/rebel-scale.dat, newconn-scale.dat and xwing-scale.dat and writes a PNG
# of each beside it. "?" in the data is a server or client that was not
# measured (no image to copy the shipped binary from): its line is left out.
set datafile missing "?"
# libgd png: a palette image, a fifth the size of pngcairo's (the README embeds them)
set terminal png size 1100,760 font "DejaVuSans,8"
set key top left box opaque
set grid
set logscale x
set style data linespoints
first(f) = system("head -1 '" . f . "' | sed 's/^# //'")

if (!exists("dir")) dir = "."

# rebel-base: c, then cpu (nginx-return rb-dev rb-shipped), rps, p99, rss
f = dir . "/rebel-scale.dat"
if (system("test -s '" . f . "'; echo $?") eq "0") {
    set output dir . "/rebel-scale.png"
    set multiplot layout 2,2 title first(f)
    set xlabel "concurrent keep-alive connections (wrk -t1 -c)"
    set yrange [0:*]
    set ylabel "server CPU per request (us)"
    plot f u 1:2 t "nginx return 200" pt 7, "" u 1:3 t "rebel-base dev" pt 5, "" u 1:4 t "rebel-base shipped" pt 9
    set ylabel "requests per second"
    plot f u 1:5 t "nginx return 200" pt 7, "" u 1:6 t "rebel-base dev" pt 5, "" u 1:7 t "rebel-base shipped" pt 9
    set yrange [*:*]
    set logscale y
    set ylabel "p99 latency (ms)"
    plot f u 1:8 t "nginx return 200" pt 7, "" u 1:9 t "rebel-base dev" pt 5, "" u 1:10 t "rebel-base shipped" pt 9
    set ylabel "peak RSS (MiB)"
    plot f u 1:($11/1024) t "nginx return 200" pt 7, "" u 1:($12/1024) t "rebel-base dev" pt 5, \
         "" u 1:($13/1024) t "rebel-base shipped" pt 9
    unset logscale y
    unset multiplot
    set output
}

# rebel-base, a new connection per request: c, then cpu (nginx-return rb-dev rb-shipped), rps, p99
f = dir . "/newconn-scale.dat"
if (system("test -s '" . f . "'; echo $?") eq "0") {
    set output dir . "/newconn-scale.png"
    set terminal png size 1400,440 font "DejaVuSans,8"
    set logscale x 2
    set multiplot layout 1,3 title first(f)
    set xlabel "concurrency (ab -c), a new connection per request"
    set yrange [0:*]
    set ylabel "server CPU per request (us)"
    plot f u 1:2 t "nginx return 200" pt 7, "" u 1:3 t "rebel-base dev" pt 5, "" u 1:4 t "rebel-base shipped" pt 9
    set ylabel "requests per second"
    plot f u 1:5 t "nginx return 200" pt 7, "" u 1:6 t "rebel-base dev" pt 5, "" u 1:7 t "rebel-base shipped" pt 9
    set yrange [*:*]
    set logscale y
    set ylabel "p99 latency (ms)"
    plot f u 1:8 t "nginx return 200" pt 7, "" u 1:9 t "rebel-base dev" pt 5, "" u 1:10 t "rebel-base shipped" pt 9
    unset logscale y
    unset multiplot
    set output
    set terminal png size 1100,760 font "DejaVuSans,8"
    unset logscale x
    set logscale x
}

# xwing: c, then cpu (ab hey xwing-dev xwing-shipped), rps, p99
f = dir . "/xwing-scale.dat"
if (system("test -s '" . f . "'; echo $?") eq "0") {
    set output dir . "/xwing-scale.png"
    set terminal png size 1400,440 font "DejaVuSans,8"
    set logscale x 2
    set multiplot layout 1,3 title first(f)
    set xlabel "concurrency (-c), a new connection per request"
    set yrange [0:*]
    set ylabel "client CPU per request (us)"
    plot f u 1:2 t "ab" pt 7, "" u 1:3 t "hey -disable-keepalive" pt 6, "" u 1:4 t "xwing dev" pt 5, "" u 1:5 t "xwing shipped" pt 9
    set ylabel "requests per second"
    plot f u 1:6 t "ab" pt 7, "" u 1:7 t "hey -disable-keepalive" pt 6, "" u 1:8 t "xwing dev" pt 5, "" u 1:9 t "xwing shipped" pt 9
    set yrange [*:*]
    set logscale y
    set ylabel "p99 latency (ms)"
    plot f u 1:10 t "ab" pt 7, "" u 1:11 t "hey -disable-keepalive" pt 6, "" u 1:12 t "xwing dev" pt 5, "" u 1:13 t "xwing shipped" pt 9
    unset logscale y
    unset multiplot
    set output
}
