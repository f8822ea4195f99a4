// NsdServer: a real authoritative DNS server (Debian's nsd) on loopback for the //dns tests and
// benchmark. It serves zones the caller writes, on 127.0.0.1 and ::1 at a free unprivileged
// port, from a directory under $TEST_TMPDIR (or a fresh /tmp directory outside tests).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/socket_address.h"

namespace ae::dns_test {

struct Zone {
  std::string origin;  // "example.test"
  std::string text;    // zone file contents
};

class NsdServer {
 public:
  // Starts nsd and waits (up to 20 s) until it answers an SOA query for the first zone.
  // Returns null and sets `error` when it cannot.
  static std::unique_ptr<NsdServer> start(const std::vector<Zone>& zones, std::string* error);
  // Stops nsd (SIGTERM, then waits for it).
  ~NsdServer();

  std::uint16_t port() const noexcept { return port_; }
  SocketAddress v4() const;
  SocketAddress v6() const;
  bool has_v6() const noexcept { return has_v6_; }
  const std::string& dir() const noexcept { return dir_; }

 private:
  NsdServer() = default;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  bool has_v6_ = false;
  std::string dir_;
};

// A directory for test files: $TEST_TMPDIR, else a fresh one under /tmp.
std::string scratch_dir();

// Writes `contents` to `path`; false on failure.
bool write_file(const std::string& path, const std::string& contents);

}  // namespace ae::dns_test
