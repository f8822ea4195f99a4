#!/usr/bin/env bash
# Installs every Debian package that building, testing, the examples and the benchmarks need.
# Idempotent: a re-run with everything present only checks dpkg's records (well under a second).
set -euo pipefail

PKGS=(
  # Build: Bazel 4.2.3 (WORKSPACE mode) and the toolchain.
  bazel-bootstrap g++
  # tools/lint.sh: formatting and static analysis (Debian 12: clang 14's).
  clang-format clang-tidy
  # Libraries. Boost 1.81 because 1.74's coroutine support breaks under g++ 12 -std=c++20;
  # installing it removes libboost1.74-dev, which conflicts with it.
  libboost1.81-dev libssl-dev libc-ares-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # //http: Boost.URL for URLs (Beast's parsers come with libboost1.81-dev), zlib for gzip/deflate,
  # libpsl for the cookie jar's public suffixes.
  libboost-url1.81-dev zlib1g-dev libpsl-dev
  # RE2: linear-time regular expressions for patterns run over data a peer sends (//handle).
  libre2-dev
  # tests/header_examples extracts each public header's example with a Python script.
  python3
  # The libev and GLib backends (libev is also measured beside ae in bench/, as are libuv and
  # spdlog, for the logging benchmark).
  libuv1-dev libev-dev libglib2.0-dev libspdlog-dev
  # libcurl's multi interface, the peer of the HTTP client benchmark.
  libcurl4-openssl-dev
  # Real peers used by interop tests, examples and the tour.
  openssl curl socat nginx-light nsd dnsmasq-base python3-aiosmtpd libfcgi-bin wrk
  # The HTTP client's interop tests: nginx's echo module streams chunked bodies on cue, tinyproxy
  # is a forward proxy with CONNECT tunnels.
  libnginx-mod-http-echo tinyproxy
  # //fork's remote workers run over OpenSSH: the tests start their own sshd on loopback.
  openssh-server openssh-client
  # The HTTP server's load and pipelining peer (h2load --h1), and libfcgi's headers for the C
  # FastCGI application the FastCGI benchmark compares against.
  nghttp2-client libfcgi-dev
  # Used by scripts: process and network helpers.
  procps iproute2 psmisc
  # /etc/services and /etc/protocols for the peers that look services up through the C library
  # (ae itself falls back to its built-in table without them).
  netbase
)
# Optional: clang 14 and its sanitizer runtimes, for --config=clang, clang-asan, clang-tsan.
[[ "${WITH_CLANG:-0}" == 1 ]] && PKGS+=(clang libclang-rt-14-dev)

missing=()
for p in "${PKGS[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup.sh: installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  SUDO=()
  [[ $(id -u) == 0 ]] || SUDO=(sudo)
  APT=("${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 -y -q --no-install-recommends)
  "${APT[@]}" update >&2
  "${APT[@]}" install "${missing[@]}" >&2
fi

# sshd will not start without its privilege separation directory, which lives on /run (a tmpfs,
# emptied at boot) and which the //fork remote tests cannot create from Bazel's sandbox.
if [[ -x /usr/sbin/sshd && ! -d /run/sshd ]]; then
  "${SUDO[@]}" mkdir -p -m 0755 /run/sshd
fi
