#include "tests/tls/support/tls_test_util.h"

#include <cstdint>

namespace ae::testing {

OpensslServer::OpensslServer(std::vector<std::string> args)
    : server_(start_on_free_port(
          [&](std::uint16_t port) {
            std::vector<std::string> argv = {"openssl", "s_server", "-accept",
                                             "127.0.0.1:" + std::to_string(port)};
            argv.insert(argv.end(), args.begin(), args.end());
            return argv;
          },
          {.process = {.stdin_pipe = true}})) {}

std::unique_ptr<Process> openssl_client(int port, std::vector<std::string> args) {
  std::vector<std::string> argv = {"openssl", "s_client", "-connect",
                                   "127.0.0.1:" + std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  // s_client ends at end-of-file on its stdin: the test closes it when done.
  return std::make_unique<Process>(argv, ProcessOptions{.stdin_pipe = true});
}

}  // namespace ae::testing
