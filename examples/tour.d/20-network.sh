# Network: the tutorial's clients (finger, http_get) and an echo client against an echo server,
# a finger server and a chat server written with ae, and ae-fetch (ae::http's client, curl's
# core) against a real nginx, all on 127.0.0.1 with ports the kernel picks. Everything started here is stopped on the way out.
set -euo pipefail

bin=$AE_TOUR_BIN/examples
tmp=$AE_TOUR_TMP/network
mkdir -p "$tmp"
pids=()

stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

# Runs a command, showing it first (programs by their short name, long arguments cut short) and
# its exit status if not 0.
show() {
  local arg shown=()
  for arg in "${@/#$bin\/*\//}"; do
    if ((${#arg} > 60)); then arg="${arg:0:20}...(${#arg} bytes)"; fi
    shown+=("$arg")
  done
  printf '$ %s\n' "${shown[*]}"
  local status=0
  "$@" 2>&1 || status=$?
  if ((status != 0)); then printf '(exit status %d)\n' "$status"; fi
}

# Starts example server $1 with the remaining arguments; sets $address to what it listens on.
start_server() {
  local name=$1
  shift
  "$bin/$name/$name" "$@" >"$tmp/$name.out" 2>"$tmp/$name.log" &
  pids+=($!)
  local deadline=$((SECONDS + 10))
  until [[ -s $tmp/$name.out ]]; do
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

# Waits until something accepts connections on 127.0.0.1:$1 (bash's /dev/tcp).
wait_for_port() {
  local deadline=$((SECONDS + 15))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    ((SECONDS <= deadline)) || return 1
    sleep 0.05
  done
}

section "network: starting an echo server, a finger server and a chat server on 127.0.0.1"
start_server echo_server
echo_address=$address
start_server finger_server
finger_address=$address
start_server chat_server
chat_address=$address
chat_port=${chat_address##*:}

section "finger: three queries to the finger server at once, one to a closed port"
closed_port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
show "$bin/finger/finger" "lile@$finger_address" "@$finger_address" "nobody@$finger_address" \
  "lile@127.0.0.1:$closed_port"

section "echo_client: three lines over four connections at once, then a line the server refuses"
show "$bin/echo_client/echo_client" --connections 4 "$echo_address" "hello" "ae echo" "bye"
long_line=$(head -c 70000 /dev/zero | tr '\0' x)
show "$bin/echo_client/echo_client" --quiet "$echo_address" "$long_line"

section "http_get against the echo server: it answers, but not in HTTP"
show "$bin/http_get/http_get" "http://$echo_address/"

section "chat_server: alice and bob talk (two clients on bash's /dev/tcp)"
exec 5<>"/dev/tcp/127.0.0.1/$chat_port"
exec 6<>"/dev/tcp/127.0.0.1/$chat_port"
# Reads fd $1 line by line until a line contains $2 (or 5 seconds pass), printing each one.
read_until() {
  local line
  while IFS= read -r -t 5 -u "$1" line; do
    printf '  %s\n' "${line%$'\r'}"
    [[ $line == *"$2"* ]] && return 0
  done
  return 1
}
printf '/nick alice\r\n' >&5
echo "alice's screen:"
read_until 5 "you are now alice"
printf '/nick bob\r\nhi alice, bob here\r\n' >&6
read_until 5 "hi alice, bob here"
printf '/me waves back\r\n/who\r\n' >&5
read_until 5 "here:"
echo "bob's screen:"
read_until 6 "alice waves back"
exec 5>&- 6>&-

section "ae-fetch against a real web server: nginx on 127.0.0.1"
nginx_port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/nginx/html"
echo "<h1>hello from nginx, fetched by ae</h1>" >"$tmp/nginx/html/index.html"
seq 1 2000 >"$tmp/nginx/html/numbers.txt"
# Workers run as the current user (as root, nginx would switch them to nobody).
user_line=""
if ((EUID == 0)); then user_line="user root root;"; fi
cat >"$tmp/nginx/nginx.conf" <<EOF
$user_line
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 64; }
http {
  log_format conn '"\$request" \$status \$body_bytes_sent connection=\$connection';
  access_log $tmp/nginx/access.log conn;
  gzip on;
  gzip_types text/plain;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $tmp/nginx/html;
  }
}
EOF
/usr/sbin/nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" -e "$tmp/nginx/error.log" -g 'daemon off;' &
pids+=($!)
if ! wait_for_port "$nginx_port"; then
  echo "tour: nginx did not start:" >&2
  cat "$tmp/nginx/error.log" >&2
  exit 1
fi
echo "nginx is listening on 127.0.0.1:$nginx_port"
fetch=$bin/ae_fetch/ae-fetch
site=http://127.0.0.1:$nginx_port
show "$bin/http_get/http_get" --body "$site/index.html"
show "$fetch" -i "$site/"
show "$fetch" -sI "$site/numbers.txt"
echo "gzip on the wire, decoded: $("$fetch" -s --compressed "$site/numbers.txt" | wc -l) lines"
show "$fetch" -sf "$site/missing"
echo "two transfers one after the other share one kept-alive connection; -Z runs three at once:"
(cd "$tmp" && show "$fetch" -s -o one -o two "$site/?seq=1" "$site/numbers.txt?seq=2")
(cd "$tmp" && show "$fetch" -sZ -o a -o b -o c "$site/?par=1" "$site/?par=2" "$site/?par=3")
echo "nginx's access log (connection= is nginx's number for the connection):"
sed 's/^/  /' "$tmp/nginx/access.log"

section "network: stopping everything; what the ae servers logged"
stop_all
pids=()
for name in echo_server finger_server chat_server; do
  echo "$name:"
  sed 's/^/  /' "$tmp/$name.log"
done
