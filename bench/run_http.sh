#!/usr/bin/env bash
# The HTTP server benchmark: wrk against ae and nginx on the same machine, in one run, on
# 127.0.0.1, keep-alive on:
#   small   GET of a 13-byte response (ae: bench/http:hello_ae; nginx: `return 200`)
#   static  GET of the same 16 KiB file (ae-httpd -q; nginx with sendfile, no access log)
# each with 1 and N server threads/workers (N = --threads, default 2), and FastCGI: nginx in front
# (fastcgi_keep_conn on, upstream keepalive) of examples/fcgi_hello vs the same page from a C
# libfcgi application (bench/http:fcgi_hello_c). Prints requests/s and the ratio ae / peer.
# Builds with --config=opt.
#
# Usage: bench/run_http.sh [--threads N] [--seconds S] [--connections C]
set -euo pipefail
cd "$(dirname "$0")/.."

threads=2 seconds=5 connections=64
while (($#)); do
  case $1 in
    --threads) threads=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    *) echo "usage: bench/run_http.sh [--threads N] [--seconds S] [--connections C]" >&2; exit 2 ;;
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
# Starts "$@" in the background, waits for its "listening on" line, prints the port.
start() {
  local out=$tmp/out.$RANDOM
  "$@" >"$out" 2>&1 &
  pids+=($!)
  local deadline=$((SECONDS + 10))
  until grep -q "listening on" "$out" 2>/dev/null; do
    ((SECONDS <= deadline)) || { cat "$out" >&2; return 1; }
    sleep 0.05
  done
  sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$out" | head -1
}
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
# wrk's requests/s for URL $1, with $2 client threads.
rps() {
  wrk -t "$2" -c "$connections" -d "${seconds}s" "$1" | awk '/^Requests\/sec:/ {print $2}
    /Non-2xx|Socket errors/ {print "wrk: " $0 > "/dev/stderr"}'
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
    location /app/ {
      include /etc/nginx/fastcgi_params;
      fastcgi_pass fcgi;
      fastcgi_keep_conn on;
    }
  }
}
CONF
}
start_nginx() {  # $1 workers, $2 extra http-block lines; prints the port
  local port
  port=$(free_port)
  nginx_conf "$port" "$1" "$2"
  /usr/sbin/nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" -e "$tmp/nginx/error.log" \
    -g "daemon off;" >/dev/null 2>&1 &
  pids+=($!)
  wait_port "$port"
  echo "$port"
}

mkdir -p "$tmp/www"
head -c 16384 /dev/urandom >"$tmp/www/file.bin"
wrk_threads=$((threads > 1 ? threads : 1))

printf '# %s, %s cores, wrk -c %s -d %ss, loopback\n' "$(uname -sr)" "$(nproc)" "$connections" "$seconds"
printf '%-34s %12s %12s %8s\n' "case" "ae req/s" "peer req/s" "ae/peer"
row() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%-34s %12.0f %12.0f %8.2f\n", n, a, b, (b > 0 ? a / b : 0) }'; }

for n in 1 "$threads"; do
  port=$(start "$bin/bench/http/hello_ae" --threads "$n")
  ae_small=$(rps "http://127.0.0.1:$port/small" "$wrk_threads")
  stop_all
  port=$(start "$bin/examples/ae_httpd/ae-httpd" -q --root "$tmp/www" --listen 127.0.0.1:0 \
    --threads "$n")
  ae_static=$(rps "http://127.0.0.1:$port/file.bin" "$wrk_threads")
  stop_all
  port=$(start_nginx "$n" "upstream fcgi { server 127.0.0.1:9; }")
  ng_small=$(rps "http://127.0.0.1:$port/small" "$wrk_threads")
  ng_static=$(rps "http://127.0.0.1:$port/file.bin" "$wrk_threads")
  stop_all
  row "small response, $n thread(s) vs nginx" "$ae_small" "$ng_small"
  row "16 KiB file, $n thread(s) vs nginx" "$ae_static" "$ng_static"
done

# FastCGI: the same nginx in front of each application.
app=$(start "$bin/examples/fcgi_hello/fcgi_hello" --listen 127.0.0.1:0)
port=$(start_nginx 1 "upstream fcgi { server 127.0.0.1:$app; keepalive 8; }")
ae_fcgi=$(rps "http://127.0.0.1:$port/app/x" "$wrk_threads")
stop_all
cport=$(free_port)
start "$bin/bench/http/fcgi_hello_c" ":$cport" >/dev/null
port=$(start_nginx 1 "upstream fcgi { server 127.0.0.1:$cport; keepalive 8; }")
c_fcgi=$(rps "http://127.0.0.1:$port/app/x" "$wrk_threads")
stop_all
row "FastCGI behind nginx vs libfcgi C" "$ae_fcgi" "$c_fcgi"
