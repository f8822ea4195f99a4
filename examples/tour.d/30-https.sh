# HTTPS: a CA and a server certificate made with openssl, an ae TLS server (https_server), the ae
# client (https_client) and curl fetching from it, and what a client says when the certificate
# is not for the name it asked for, or comes from a CA it does not trust. All on 127.0.0.1 with
# a port the kernel picks; the server is stopped on the way out.
set -euo pipefail

bin=$AE_TOUR_BIN/examples/https
tmp=$AE_TOUR_TMP/https
mkdir -p "$tmp"
server_pid=

stop_server() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap stop_server EXIT

# Runs a command, showing it first (with file paths cut to their last part) and its exit status
# if not 0.
show() {
  local arg shown=()
  for arg in "$@"; do
    if [[ $arg == /* && -e $arg ]]; then arg=${arg##*/}; fi
    shown+=("$arg")
  done
  printf '$ %s\n' "${shown[*]}"
  local status=0
  "$@" 2>&1 || status=$?
  if ((status != 0)); then printf '(exit status %d)\n' "$status"; fi
}

section "https: certificates made with openssl (a CA, and a server certificate for localhost)"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
openssl req -x509 "${ec[@]}" -keyout "$tmp/ca.key" -out "$tmp/ca.pem" -days 2 \
  -subj "/CN=ae tour CA" 2>/dev/null
openssl req "${ec[@]}" -keyout "$tmp/server.key" -out "$tmp/server.csr" \
  -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$tmp/ext.cnf"
openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
  -CAcreateserial -days 2 -extfile "$tmp/ext.cnf" -out "$tmp/server.pem" 2>/dev/null
openssl x509 -in "$tmp/server.pem" -noout -subject -issuer -ext subjectAltName
# A second CA the clients do not trust, with its own certificate for localhost.
openssl req -x509 "${ec[@]}" -keyout "$tmp/rogue.key" -out "$tmp/rogue.pem" -days 2 \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" 2>/dev/null

section "https: the ae TLS server"
"$bin/https_server" --cert "$tmp/server.pem" --key "$tmp/server.key" \
  --listen 127.0.0.1:0 >"$tmp/server.out" 2>"$tmp/server.log" &
server_pid=$!
deadline=$((SECONDS + 10))
until [[ -s $tmp/server.out ]]; do
  if ((SECONDS > deadline)) || ! kill -0 "$server_pid" 2>/dev/null; then
    echo "tour: https_server did not start:" >&2
    cat "$tmp/server.log" >&2
    exit 1
  fi
  sleep 0.02
done
address=$(sed -n '1s/^listening on //p' "$tmp/server.out")
port=${address##*:}
echo "https_server is listening on $address"

section "https: ae client -> ae server (verifies the chain against ca.pem and the name localhost)"
show "$bin/https_client" --verbose --cacert "$tmp/ca.pem" \
  "https://localhost:$port/from-ae"

section "https: curl --cacert -> ae server"
show curl --silent --show-error --include --cacert "$tmp/ca.pem" "https://localhost:$port/from-curl"

section "https: a name the certificate does not have, and a CA nobody trusts"
show "$bin/https_client" --cacert "$tmp/ca.pem" --servername www.example.org \
  "https://127.0.0.1:$port/"
show "$bin/https_client" --cacert "$tmp/rogue.pem" "https://localhost:$port/"
show curl --silent --show-error --cacert "$tmp/rogue.pem" "https://localhost:$port/"

section "https: what the server logged"
stop_server
server_pid=
cat "$tmp/server.log"
