#include "tests/http/support/ports.h"

#include <signal.h>

#include <stdexcept>

namespace ae::http_test {

using namespace std::chrono_literals;

StartedServer start_on_free_ports(
    int count, const std::function<std::vector<std::string>(const Ports&)>& command,
    const std::function<http::Request(const Ports&, ProbeDone)>& probe,
    const std::string& log_file) {
  std::string complaint;
  for (int attempt = 0; attempt < 5; ++attempt) {
    StartedServer s;
    for (int i = 0; i < count; ++i) s.ports.push_back(examples_test::free_port());
    s.process = std::make_unique<examples_test::Process>(command(s.ports));
    bool up = false;
    http::Request check;
    Timer poll = timer(0, 0.05, [&] {
      if (check.active()) return;
      check = probe(s.ports, [&up](bool ok) { up = up || ok; });
    });
    examples_test::run_until([&] { return up || s.process->exited(); }, 15s);
    poll.reset();
    check.reset();
    if (up) return s;
    complaint = s.process->err();
    if (!log_file.empty()) complaint += examples_test::read_file(log_file);
    s.process->stop(SIGKILL);
  }
  throw std::runtime_error("the server did not start: " + complaint);
}

}  // namespace ae::http_test
