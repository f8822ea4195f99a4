// echo_client: sends lines to an echo server and checks that each one comes back, on ae::Handle.
//
//   echo_client [--connections N] [--timeout SECONDS] [--quiet] HOST:PORT [LINE ...]
//
// Sends each LINE (or, without any, each line of standard input) over N connections at once.
// Every connection queues all its writes and all its line reads up front, so the requests are
// pipelined: AnyEvent::Handle's queues keep each echo matched with its line in order, the way the
// tutorial describes request/response protocols. Each echoed line is printed (with the number of
// its connection when there are several), unless --quiet.
//
// Exit status: 0 when every line came back unchanged on every connection; 1 when any did not
// (a wrong echo, a connection closed early, a stall of --timeout seconds, a refused connect; each
// said on stderr); 2 for a bad command line.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/condvar.h"
#include "core/loop.h"
#include "examples/common/cli.h"
#include "handle/handle.h"
#include "socket/socket.h"

namespace {

constexpr const char* kUsage =
    "usage: echo_client [--connections N] [--timeout SECONDS] [--quiet] HOST:PORT [LINE ...]\n"
    "\n"
    "Sends each LINE (or each line of standard input) to an echo server and checks that it\n"
    "comes back unchanged.\n"
    "  HOST:PORT           the echo server ([::1]:PORT for IPv6, unix/:PATH for a unix socket)\n"
    "  -n, --connections N send the lines over N connections at once (default 1)\n"
    "  -t, --timeout SEC   give up when a connect or a connection is silent this long\n"
    "                      (default 10)\n"
    "  -q, --quiet         print only the summary\n";

struct Config {
  std::string host;
  std::string service;
  std::vector<std::string> lines;
  std::size_t connections = 1;
  double timeout = 10;
  bool quiet = false;
};

// One connection: writes every line, reads every echo, then calls `done(ok)` once.
class EchoConnection {
 public:
  EchoConnection(const Config& config, int number, ae::Function<void(bool)> done)
      : config_(config), number_(number), done_(std::move(done)) {
    std::size_t longest = 0;
    for (const std::string& l : config.lines) longest = std::max(longest, l.size());
    handle_ = ae::Handle(
        config.host, config.service,
        {
            // The timeout bounds each connect attempt too (an address that never answers).
            .on_prepare = [this](ae::Handle&) { return ae::Seconds(config_.timeout); },
            // With no lines at all, connecting is the whole test.
            .on_connect =
                [this](ae::Handle&, const ae::SocketAddress&, ae::Function<void()>) {
                  if (config_.lines.empty()) finish(true);
                },
            .on_connect_error =
                [this](ae::Handle&, std::error_code, std::string_view message) {
                  fail("connect: " + std::string(message));
                },
            .on_error =
                [this](ae::Handle&, bool fatal, std::error_code ec, std::string_view message) {
                  if (ec == std::errc::broken_pipe) {
                    fail("the server closed the connection with " +
                         std::to_string(config_.lines.size() - echoed_) + " of " +
                         std::to_string(config_.lines.size()) + " echoes missing");
                  } else if (fatal) {
                    fail(std::string(message));
                  }
                },
            .timeout = config.timeout,
            .on_timeout =
                [this](ae::Handle&) {
                  fail("nothing from the server for " +
                       ae::examples::format_number(config_.timeout) + " seconds");
                },
            // An echo is never longer than its line; anything much longer is a broken server.
            .rbuf_max = longest + 65536,
        });
    for (std::size_t i = 0; i < config.lines.size(); ++i) {
      handle_.push_write(config.lines[i] + "\n");
      handle_.push_read(ae::line,
                        [this, i](ae::Handle&, std::string echo, std::string) { check(i, echo); });
    }
  }

 private:
  void check(std::size_t i, const std::string& echo) {
    const std::string& sent = config_.lines[i];
    if (echo != sent) {
      return fail("line " + std::to_string(i + 1) + ": sent \"" + sent.substr(0, 60) +
                  "\", got back \"" + echo.substr(0, 60) + "\"");
    }
    if (!config_.quiet) {
      if (config_.connections > 1) std::printf("%d: ", number_);
      std::printf("%s\n", echo.c_str());
    }
    if (++echoed_ == config_.lines.size()) finish(true);
  }

  void fail(const std::string& why) {
    if (config_.connections > 1) {
      std::fprintf(stderr, "echo_client: connection %d: %s\n", number_, why.c_str());
    } else {
      std::fprintf(stderr, "echo_client: %s\n", why.c_str());
    }
    finish(false);
  }

  void finish(bool ok) {
    if (!done_) return;
    handle_.destroy();
    auto done = std::move(done_);
    done_ = nullptr;
    done(ok);
  }

  const Config& config_;
  int number_;
  ae::Function<void(bool)> done_;
  ae::Handle handle_;
  std::size_t echoed_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  Config config;
  std::string server;
  bool have_lines = false;
  ae::examples::CommandLine cli("echo_client", kUsage);
  cli.count({"-n", "--connections"}, &config.connections);
  cli.number({"-t", "--timeout"}, &config.timeout, 0.001, 1e6);
  cli.flag({"-q", "--quiet"}, &config.quiet);
  auto status = cli.parse(argc, argv, [&](std::string_view arg, std::string* why) {
    if (server.empty()) {
      server = arg;
    } else if (arg.find_first_of("\r\n") != std::string_view::npos) {
      *why = "a LINE cannot contain a line break";
    } else {
      config.lines.emplace_back(arg);
      have_lines = true;
    }
    return why->empty();
  });
  if (status) return *status;
  if (config.connections > 100000) return cli.usage_error("more than 100000 connections");
  if (server.empty()) return cli.usage_error("no HOST:PORT given");
  auto hp = ae::parse_hostport(server);
  if (!hp) return cli.usage_error("cannot parse " + server + " as HOST:PORT");
  config.host = hp->host;
  config.service = hp->service;
  if (!have_lines) {
    for (std::string line; std::getline(std::cin, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      config.lines.push_back(std::move(line));
    }
  }

  double start = ae::time();
  ae::CondVar<> all_done;
  int failed = 0;
  std::vector<std::unique_ptr<EchoConnection>> connections;
  all_done.begin();
  for (int n = 1; n <= static_cast<int>(config.connections); ++n) {
    all_done.begin();
    connections.push_back(std::make_unique<EchoConnection>(config, n, [&](bool ok) {
      if (!ok) ++failed;
      all_done.end();
    }));
  }
  all_done.end();
  all_done.recv();
  std::fflush(stdout);
  std::fprintf(stderr, "echo_client: %zu lines x %zu connections: %d failed, %.1f ms\n",
               config.lines.size(), config.connections, failed, (ae::time() - start) * 1e3);
  return failed == 0 ? 0 : 1;
}
