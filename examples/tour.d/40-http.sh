# HTTP: ae-httpd serves a directory (ranges, 304s, an access log); fcgi_hello answers FastCGI;
# and a real nginx sits in front of both: proxy_pass to ae-httpd with upstream keep-alive, and
# fastcgi_pass to fcgi_hello with fastcgi_keep_conn. All on 127.0.0.1, ports the kernel picks.
set -euo pipefail

bin=$AE_TOUR_BIN/examples
tmp=$AE_TOUR_TMP/http
mkdir -p "$tmp/www/docs"
pids=()
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

# Starts program $1 (at $2) with the remaining arguments; sets $address from its first line.
start_server() {
  local name=$1 path=$2
  shift 2
  "$path" "$@" >"$tmp/$name.out" 2>"$tmp/$name.log" &
  pids+=($!)
  local deadline=$((SECONDS + 10))
  until grep -q "^listening on" "$tmp/$name.out" 2>/dev/null; do
    if ((SECONDS > deadline)) || ! kill -0 "${pids[-1]}" 2>/dev/null; then
      echo "tour: $name did not start:" >&2
      cat "$tmp/$name.log" >&2
      return 1
    fi
    sleep 0.02
  done
  address=$(sed -n '1s/^listening on //p' "$tmp/$name.out")
  echo "$name is listening on $address"
}
show() {
  printf '$ %s\n' "$*"
  "$@" 2>&1 || printf '(exit status %d)\n' "$?"
}

echo "<h1>hello from ae-httpd</h1>" >"$tmp/www/index.html"
seq 1 20 >"$tmp/www/docs/numbers.txt"

section "ae-httpd: a document root on 127.0.0.1"
start_server ae-httpd "$bin/ae_httpd/ae-httpd" --root "$tmp/www" --listen 127.0.0.1:0 --list
httpd=$address
show curl -sS -i "http://$httpd/"
show curl -sS -r 0-5 "http://$httpd/docs/numbers.txt"
show curl -sS -o /dev/null -w '%{http_code} for the same file with If-Modified-Since\n' \
  -z "$tmp/www/docs/numbers.txt" "http://$httpd/docs/numbers.txt"
show curl -sS -o /dev/null -w '%{http_code} for /../../etc/passwd\n' --path-as-is \
  "http://$httpd/../../etc/passwd"
echo "ae-httpd's access log:"
sed -n '2,$p' "$tmp/ae-httpd.out"

section "fcgi_hello behind nginx (fastcgi_keep_conn), ae-httpd behind nginx (proxy_pass)"
start_server fcgi_hello "$bin/fcgi_hello/fcgi_hello" --listen 127.0.0.1:0
fcgi=$address
user_line=""
if ((EUID == 0)); then user_line="user root root;"; fi
mkdir -p "$tmp/nginx"
for attempt in 1 2 3 4 5; do
  nginx_port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat >"$tmp/nginx/nginx.conf" <<CONF
$user_line
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 64; }
http {
  access_log $tmp/nginx/access.log;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  upstream ae_httpd { server $httpd; keepalive 4; }
  upstream fcgi_hello { server $fcgi; keepalive 4; }
  server {
    listen 127.0.0.1:$nginx_port;
    location /app/ {
      include /etc/nginx/fastcgi_params;
      fastcgi_pass fcgi_hello;
      fastcgi_keep_conn on;
    }
    location / {
      proxy_pass http://ae_httpd;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
  /usr/sbin/nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" -e "$tmp/nginx/error.log" \
    -g "daemon off;" 2>>"$tmp/nginx/stderr" &
  pids+=($!)
  up=0
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$nginx_port") 2>/dev/null; then up=1; break; fi
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.05
  done
  ((up)) && break
done
((up)) || { echo "tour: nginx did not start" >&2; cat "$tmp/nginx/error.log" >&2; exit 1; }
echo "nginx is listening on 127.0.0.1:$nginx_port"
show curl -sS "http://127.0.0.1:$nginx_port/app/hello?name=tour"
show curl -sS --data-binary "a body for the app" "http://127.0.0.1:$nginx_port/app/post"
show curl -sS "http://127.0.0.1:$nginx_port/docs/numbers.txt" -r 10-20
