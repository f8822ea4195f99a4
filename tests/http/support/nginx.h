// Nginx: a real nginx (Debian's nginx-light with the echo module) for the client's interop tests,
// with its own configuration, document root, logs and temp paths under $TEST_TMPDIR.
//
// The test writes the server blocks; this adds what every run needs (pid and log files, temp
// paths, workers running as the current user, an access log that records each request's
// connection number). Ports follow the shared strategy (tests/support/ports.h): nginx is started
// by start_on_free_port() and is up once its process group listens on every port it was given;
// when it lost a port to another program it exits and is started again on other ports.
//
// Example:
//   ae::http_test::Nginx nginx("plain", 1, [](const Nginx::Ports& p, const std::string& dir) {
//     return "server { listen 127.0.0.1:" + std::to_string(p[0]) + "; root " + dir + "/html; }";
//   });
//   std::string url = nginx.url("/index.html");   // on the first port
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/process.h"

namespace ae::http_test {

class Nginx {
 public:
  using Ports = std::vector<std::uint16_t>;
  // Server blocks (and any other directives of the http block) for `ports`; `dir` is the
  // prefix directory (html/ in it is the usual document root).
  using Config = std::function<std::string(const Ports& ports, const std::string& dir)>;

  // Makes $TEST_TMPDIR/nginx-<name> with html/ in it; call start() after filling html/.
  Nginx(std::string name, int ports, Config config);
  ~Nginx();
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

  // Starts nginx. Errors: std::runtime_error with nginx's own complaint when it cannot start.
  void start();

  const std::string& dir() const noexcept { return dir_; }
  std::string html() const { return dir_ + "/html"; }
  std::uint16_t port(std::size_t i = 0) const { return ports_.at(i); }
  std::string url(std::string_view path, std::size_t port_index = 0) const;
  // The access log so far; each line ends with " conn=N" (nginx's connection serial number).
  std::string access_log() const;
  // The connection numbers of the access log's lines for requests whose line contains `part`.
  std::vector<std::string> connections_of(std::string_view part) const;
  // Waits until at least `count` lines of the access log contain `part`: nginx writes a
  // request's line after sending the response, so a client can finish before the line exists.
  bool wait_for_access_log(std::string_view part, std::size_t count = 1) const;

 private:
  std::string name_;
  int port_count_;
  Config config_;
  std::string dir_;
  Ports ports_;
  std::unique_ptr<testing::Process> process_;
};

}  // namespace ae::http_test
