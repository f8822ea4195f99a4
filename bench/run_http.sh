#!/usr/bin/env bash
# The HTTP server benchmark: wrk against ae and nginx on the same machine, in one run, on
# 127.0.0.1, keep-alive on:
#   small   GET of a 13-byte response (ae: bench/http:hello_ae; nginx: `return 200`)
#   static  GET of the same 16 KiB file (ae-httpd -q; nginx with sendfile, no access log; and
#           nginx again with open_file_cache, which is what ae-httpd's cache corresponds to)
# each with 1 and N server threads/workers (N = --threads, default 2), and FastCGI: nginx in front
# (fastcgi_keep_conn on, upstream keepalive) of examples/fcgi_hello vs the same page from a C
# libfcgi application (bench/http:fcgi_hello_c).
#
# The servers take turns within each of --runs rounds, and each figure is the median over the
# rounds: requests/s (wall clock), and the server's own CPU time per request in microseconds
# (user + system, from /proc/PID/stat of the server and, for nginx, its workers), which the load
# of a shared machine moves less than requests/s. Builds with --config=opt.
#
# Usage: bench/run_http.sh [--threads N] [--seconds S] [--connections C] [--runs R] [--no-fcgi]
set -euo pipefail
cd "$(dirname "$0")/.."

threads=2 seconds=5 connections=64 runs=3 fcgi=1
usage="usage: bench/run_http.sh [--threads N] [--seconds S] [--connections C] [--runs R] [--no-fcgi]"
while (($#)); do
  case $1 in
    --threads) threads=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --no-fcgi) fcgi=0; shift ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done

bazel build --config=ci --config=opt //bench/http:all //examples/ae_httpd:ae-httpd \
  //examples/fcgi_hello >&2
bin=$(bazel info --config=ci --config=opt bazel-bin 2>/dev/null)
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {
  local deadline=$((SECONDS + 10))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    ((SECONDS <= deadline)) || { echo "nothing listens on $1" >&2; return 1; }
    sleep 0.05
  done
}
# Starts "$@" in the background and waits for its "listening on" line; sets $port and $pid.
start() {
  local out=$tmp/out.$RANDOM
  "$@" >"$out" 2>&1 &
  pid=$!
  pids+=("$pid")
  local deadline=$((SECONDS + 10))
  until grep -q "listening on" "$out" 2>/dev/null; do
    ((SECONDS <= deadline)) || { cat "$out" >&2; return 1; }
    sleep 0.05
  done
  port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$out" | head -1)
}
stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
# CPU clock ticks (user + system) used so far by processes $@ and their children (nginx workers).
cpu_ticks() {
  local total=0 p q t
  for p in "$@"; do
    for q in "$p" $(pgrep -P "$p" || true); do
      t=$(sed 's/.*) //' "/proc/$q/stat" 2>/dev/null | awk '{print $12 + $13}') || t=0
      total=$((total + ${t:-0}))
    done
  done
  echo "$total"
}
# measure URL PID...: wrk against URL; prints "requests/s cpu_us_per_request" of the server PIDs.
measure() {
  local url=$1 out before after
  shift
  before=$(cpu_ticks "$@")
  out=$(wrk -t "$wrk_threads" -c "$connections" -d "${seconds}s" "$url")
  after=$(cpu_ticks "$@")
  awk -v b="$before" -v a="$after" -v hz="$(getconf CLK_TCK)" '
    / requests in / { n = $1 }
    /^Requests\/sec:/ { r = $2 }
    /Non-2xx|Socket errors/ { print "wrk: " $0 > "/dev/stderr" }
    END { printf "%s %.2f\n", r, (n > 0 ? (a - b) / hz * 1e6 / n : 0) }' <<<"$out"
}
nginx_conf() {  # $1 port, $2 workers, $3 extra http-block lines
  local user=""
  ((EUID == 0)) && user="user root root;"
  mkdir -p "$tmp/nginx"
  cat >"$tmp/nginx/nginx.conf" <<CONF
$user
worker_processes $2;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  include /etc/nginx/mime.types;
  $3
  server {
    listen 127.0.0.1:$1;
    root $tmp/www;
    location = /small { default_type text/plain; return 200 "hello, world\n"; }
    location /cached/ { alias $tmp/www/; open_file_cache max=1000 inactive=20s; open_file_cache_valid 1s; }
    location /app/ {
      include /etc/nginx/fastcgi_params;
      fastcgi_pass fcgi;
      fastcgi_keep_conn on;
    }
  }
}
CONF
}
start_nginx() {  # $1 workers, $2 extra http-block lines; sets $port and $pid
  port=$(free_port)
  nginx_conf "$port" "$1" "$2"
  /usr/sbin/nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" -e "$tmp/nginx/error.log" \
    -g "daemon off;" >/dev/null 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_port "$port"
}

mkdir -p "$tmp/www"
head -c 16384 /dev/urandom >"$tmp/www/file.bin"
wrk_threads=$((threads > 1 ? threads : 1))

declare -A rps cpu
record() {  # record KEY "rps cpu"
  local r c
  read -r r c <<<"$2"
  rps[$1]+="$r " cpu[$1]+="$c "
}
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

counts=(1)
((threads > 1)) && counts+=("$threads")
for ((round = 1; round <= runs; ++round)); do
  for n in "${counts[@]}"; do
    start "$bin/bench/http/hello_ae" --threads "$n"
    record "ae small $n" "$(measure "http://127.0.0.1:$port/small" "$pid")"
    stop_all
    start "$bin/examples/ae_httpd/ae-httpd" -q --root "$tmp/www" --listen 127.0.0.1:0 --threads "$n"
    record "ae static $n" "$(measure "http://127.0.0.1:$port/file.bin" "$pid")"
    stop_all
    start_nginx "$n" "upstream fcgi { server 127.0.0.1:9; }"
    record "nginx small $n" "$(measure "http://127.0.0.1:$port/small" "$pid")"
    record "nginx static $n" "$(measure "http://127.0.0.1:$port/file.bin" "$pid")"
    record "nginx cached $n" "$(measure "http://127.0.0.1:$port/cached/file.bin" "$pid")"
    stop_all
  done
  if ((fcgi)); then
    # FastCGI: the same nginx in front of each application; the CPU is nginx's and the app's.
    start "$bin/examples/fcgi_hello/fcgi_hello" --listen 127.0.0.1:0
    app_pid=$pid
    start_nginx 1 "upstream fcgi { server 127.0.0.1:$port; keepalive 8; }"
    record "ae fcgi" "$(measure "http://127.0.0.1:$port/app/x" "$pid" "$app_pid")"
    stop_all
    cport=$(free_port)
    start "$bin/bench/http/fcgi_hello_c" ":$cport"
    app_pid=$pid
    start_nginx 1 "upstream fcgi { server 127.0.0.1:$cport; keepalive 8; }"
    record "c fcgi" "$(measure "http://127.0.0.1:$port/app/x" "$pid" "$app_pid")"
    stop_all
  fi
done

printf '# %s, %s cores, %s, load average %s\n' "$(uname -sr)" "$(nproc)" "$(date -u '+%Y-%m-%d %H:%M UTC')" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '# wrk -t %s -c %s -d %ss on loopback, median of %s runs; cpu_us: the server'"'"'s CPU time per request\n' \
  "$wrk_threads" "$connections" "$seconds" "$runs"
printf '%-36s %10s %10s %7s %8s %8s %7s\n' "case" "ae req/s" "peer req/s" "ae/peer" "ae cpu_us" "peer cpu" "peer/ae"
row() {  # row NAME AE_KEY PEER_KEY
  local ar pr ac pc
  ar=$(median "${rps[$2]}") pr=$(median "${rps[$3]}") ac=$(median "${cpu[$2]}") pc=$(median "${cpu[$3]}")
  awk -v n="$1" -v ar="$ar" -v pr="$pr" -v ac="$ac" -v pc="$pc" 'BEGIN {
    printf "%-36s %10.0f %10.0f %7.2f %8.2f %8.2f %7.2f\n", n, ar, pr, (pr > 0 ? ar / pr : 0), ac, pc, (ac > 0 ? pc / ac : 0) }'
}
for n in "${counts[@]}"; do
  row "small response, $n thread(s) vs nginx" "ae small $n" "nginx small $n"
  row "16 KiB file, $n thread(s) vs nginx" "ae static $n" "nginx static $n"
  row "16 KiB file, $n vs nginx open_file_cache" "ae static $n" "nginx cached $n"
done
((fcgi)) && row "FastCGI behind nginx vs libfcgi C" "ae fcgi" "c fcgi"
exit 0
