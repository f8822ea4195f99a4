// start_on_free_ports: starts a real server (nginx, tinyproxy) that must be told its ports, on
// ports free a moment ago, and proves it is the one answering there: `probe` makes an HTTP request
// only this start can answer as expected. A server that lost a port to someone else exits (or
// never answers right); it is started again on other ports, up to five times.
//
// Example:
//   auto server = start_on_free_ports(1, [&](const Ports& p) { write_conf(p); return argv; },
//       [&](const Ports& p, ProbeDone done) {
//         return ae::http::http_get(url(p), {}, [=](std::string body, ae::http::Response) mutable {
//           done(body == token);
//         });
//       });
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/client.h"
#include "tests/examples/support/process.h"

namespace ae::http_test {

using Ports = std::vector<std::uint16_t>;
using ProbeDone = std::function<void(bool ok)>;

struct StartedServer {
  std::unique_ptr<examples_test::Process> process;
  Ports ports;
};

// `command(ports)` writes what the server needs and returns its argv; `probe(ports, done)` starts
// one check and calls done(true) when the server is up and is ours.
// Errors: std::runtime_error with the server's complaint (stderr and `log_file`) when it
// cannot be started.
StartedServer start_on_free_ports(
    int count, const std::function<std::vector<std::string>(const Ports&)>& command,
    const std::function<http::Request(const Ports&, ProbeDone)>& probe,
    const std::string& log_file = "");

}  // namespace ae::http_test
