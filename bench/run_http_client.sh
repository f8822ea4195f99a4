#!/usr/bin/env bash
# The HTTP client benchmark, in one run: starts nginx (1 worker, keep-alive, no access log) on
# 127.0.0.1 serving /small (13 bytes) and /gib.bin (a 1 GiB sparse file, sent with sendfile),
# then bench/http:client_bench runs every client in its own process, taking turns:
#   requests/s with 1 and 64 in flight: ae::http vs libcurl multi vs Boost.Beast;
#   the 1 GiB download: ae::http vs libcurl vs the curl program.
# Builds with --config=opt.
#
# Usage: bench/run_http_client.sh [--seconds S] [--runs R] [--no-download]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=3 runs=3 download=1
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --no-download) download=0; shift ;;
    *) echo "usage: bench/run_http_client.sh [--seconds S] [--runs R] [--no-download]" >&2; exit 2 ;;
  esac
done

bazel build --config=ci --config=opt //bench/http:client_bench >&2
bin=$(bazel info --config=ci --config=opt bazel-bin 2>/dev/null)
tmp=$(mktemp -d)
nginx_pid=
cleanup() {
  [[ -n $nginx_pid ]] && { kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; }
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

mkdir -p "$tmp/www" "$tmp/nginx"
truncate -s 1G "$tmp/www/gib.bin"
port=$(free_port)
user=""
((EUID == 0)) && user="user root root;"
cat >"$tmp/nginx/nginx.conf" <<CONF
$user
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  keepalive_timeout 60;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$port;
    root $tmp/www;
    location = /small { default_type text/plain; return 200 "hello, world\n"; }
  }
}
CONF
/usr/sbin/nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" -e "$tmp/nginx/error.log" \
  -g "daemon off;" >/dev/null 2>&1 &
nginx_pid=$!
deadline=$((SECONDS + 10))
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
  ((SECONDS <= deadline)) || { echo "nginx did not start:" >&2; cat "$tmp/nginx/error.log" >&2; exit 1; }
  sleep 0.05
done

"$bin/bench/http/client_bench" --port "$port" --seconds "$seconds" --runs "$runs" --download "$download"
