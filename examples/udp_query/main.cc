// udp_query: a DNS-style question and answer over UDP, server and client, on ae::UdpSocket.
//
//   udp_query serve [--listen HOST:PORT] [--answer NAME=VALUE ...] [--quiet]
//   udp_query ask [--timeout SECONDS] [--retries N] HOST:PORT NAME
//
// The protocol is DNS's shape in text: a question is one datagram "ID NAME" (ID a number the
// client picked, 0-65535), the answer one datagram "ID VALUE", or "ID NXDOMAIN" for a name the
// server does not know; a line end after either is ignored, so socat and nc can speak it.
//
// The server binds the wildcard address by default ("0:0", a port the kernel picks, printed as
// "listening on HOST:PORT"), and answers each question from the address it was sent to
// (UdpSocket::reply, IP_PKTINFO), as a DNS server on a host with several addresses must.
//
// The client asks as a stub resolver does: it sends the question on a connected socket, waits
// --timeout seconds for the answer with its ID (answers with another ID are late or forged, and
// ignored), and sends the same question again up to --retries times. "Connection refused" (ICMP
// port unreachable: nothing listens there yet) counts as a failed try too.
//
// Exit status: 0 with the value printed; 1 for NXDOMAIN or no answer after every try (said on
// stderr); 2 for a bad command line.
#include <csignal>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/condvar.h"
#include "core/loop.h"
#include "examples/common/cli.h"
#include "examples/udp_query/datagram.h"
#include "socket/socket.h"

namespace {

constexpr const char* kUsage =
    "usage: udp_query serve [--listen HOST:PORT] [--answer NAME=VALUE ...] [--quiet]\n"
    "       udp_query ask [--timeout SECONDS] [--retries N] HOST:PORT NAME\n"
    "\n"
    "A DNS-style question and answer over UDP: the question is \"ID NAME\", the answer\n"
    "\"ID VALUE\" or \"ID NXDOMAIN\".\n"
    "  serve                answer questions from the --answer table\n"
    "  -l, --listen H:P     address to listen on (default 0:0, every IPv4 address, any port)\n"
    "  -a, --answer N=V     answer V for name N (repeatable)\n"
    "  -q, --quiet          do not log each question\n"
    "  ask                  ask the server at HOST:PORT for NAME and print the answer\n"
    "  -t, --timeout SEC    wait this long for each answer (default 1)\n"
    "  -r, --retries N      ask again this many times when no answer came (default 3)\n";

int serve(const std::string& host, const std::string& service,
          const std::map<std::string, std::string>& answers, bool quiet) {
  ae::Result<ae::UdpSocket> server =
      ae::udp_bind(host, service, [&](ae::UdpSocket& s, const ae::UdpMessage& m) {
        auto question = ae::examples::parse_query_datagram(m.data);
        if (!question) {
          if (!quiet)
            std::fprintf(stderr, "udp_query: %s: not a question\n", m.peer.to_string().c_str());
          return;
        }
        auto it = answers.find(std::string(question->text));
        std::string value = it == answers.end() ? "NXDOMAIN" : it->second;
        if (!quiet) {
          std::fprintf(stderr, "udp_query: %s asked %s for %s: %s\n", m.peer.to_string().c_str(),
                       m.local.to_string().c_str(), std::string(question->text).c_str(),
                       value.c_str());
        }
        if (std::error_code ec =
                s.reply(m, ae::examples::format_query_datagram(question->id, value))) {
          std::fprintf(stderr, "udp_query: reply to %s: %s\n", m.peer.to_string().c_str(),
                       ec.message().c_str());
        }
      });
  if (!server) {
    std::fprintf(stderr, "udp_query: %s\n", server.message().c_str());
    return ae::examples::kExitFailure;
  }
  server->on_error([](ae::UdpSocket&, std::error_code, const std::string& message) {
    std::fprintf(stderr, "udp_query: %s\n", message.c_str());
  });
  ae::CondVar<> quit;
  ae::Signal sigint = ae::signal(SIGINT, [&] { quit.send(); });
  ae::Signal sigterm = ae::signal(SIGTERM, [&] { quit.send(); });
  std::printf("listening on %s\n", server->local_address().to_string().c_str());
  std::fflush(stdout);
  quit.recv();
  return 0;
}

int ask(const std::string& host, const std::string& service, const std::string& name,
        double timeout, std::size_t retries) {
  const unsigned id = std::random_device()() & 0xffff;
  const std::string question = ae::examples::format_query_datagram(id, name);
  ae::CondVar<int> done;
  ae::UdpSocket socket;
  ae::Timer retry;
  std::size_t tries = 0;
  std::string last_problem = "no answer";

  auto fail = [&](const std::string& why) {
    std::fprintf(stderr, "udp_query: %s\n", why.c_str());
    done.send(ae::examples::kExitFailure);
  };
  // Sends the question (again), or gives up after the last try's timeout.
  ae::Function<void()> try_once = [&] {
    if (tries == retries + 1) {
      return fail(last_problem + " from " + socket.peer_address().to_string() + " after " +
                  std::to_string(tries) + (tries == 1 ? " try" : " tries"));
    }
    ++tries;
    if (std::error_code ec = socket.send(question)) {
      last_problem = ec.message();
    }
    retry = ae::timer(timeout, [&] { try_once(); });
  };

  ae::Guard connecting = ae::udp_connect(host, service, [&](ae::Result<ae::UdpSocket> s) {
    if (!s) return fail(s.message());
    socket = std::move(*s);
    socket.on_receive([&](ae::UdpSocket&, const ae::UdpMessage& m) {
      auto answer = ae::examples::parse_query_datagram(m.data);
      if (!answer || answer->id != id) return;  // late, forged or garbage: keep waiting
      retry.reset();
      if (answer->text == "NXDOMAIN") return fail(name + ": not found (NXDOMAIN)");
      std::printf("%s\n", std::string(answer->text).c_str());
      done.send(0);
    });
    socket.on_error([&](ae::UdpSocket&, std::error_code ec, const std::string&) {
      // ICMP port unreachable: nothing listens there (yet); the next try may find a server.
      last_problem = ec.message();
    });
    try_once();
  });
  int status = done.recv();
  std::fflush(stdout);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "0:0";
  std::vector<std::string> answer_specs;
  bool quiet = false;
  double timeout = 1;
  std::size_t retries = 3;
  std::vector<std::string> args;
  ae::examples::CommandLine cli("udp_query", kUsage);
  cli.text({"-l", "--listen"}, &listen);
  cli.texts({"-a", "--answer"}, &answer_specs);
  cli.flag({"-q", "--quiet"}, &quiet);
  cli.number({"-t", "--timeout"}, &timeout, 0.001, 1e6);
  cli.count({"-r", "--retries"}, &retries, 0);
  auto status = cli.parse(argc, argv, [&](std::string_view arg, std::string*) {
    args.emplace_back(arg);
    return true;
  });
  if (status) return *status;
  if (args.empty()) return cli.usage_error("say serve or ask");

  if (args[0] == "serve") {
    if (args.size() != 1) return cli.usage_error("serve takes no arguments, only options");
    std::map<std::string, std::string> answers;
    for (const std::string& spec : answer_specs) {
      std::size_t eq = spec.find('=');
      if (eq == 0 || eq == std::string::npos || spec.find_first_of(" \r\n") != std::string::npos) {
        return cli.usage_error("--answer takes NAME=VALUE without spaces, not '" + spec + "'");
      }
      answers[spec.substr(0, eq)] = spec.substr(eq + 1);
    }
    std::string host, service;
    std::string why = ae::examples::parse_endpoint(listen, "0", true, &host, &service);
    if (!why.empty()) return cli.usage_error("--listen: " + why);
    return serve(host, service, answers, quiet);
  }
  if (args[0] == "ask") {
    if (args.size() != 3) return cli.usage_error("ask takes HOST:PORT and NAME");
    std::string host, service;
    std::string why = ae::examples::parse_endpoint(args[1], "", false, &host, &service);
    if (!why.empty()) return cli.usage_error(why);
    if (args[2].empty() || args[2].find_first_of(" \r\n") != std::string::npos) {
      return cli.usage_error("a NAME has no spaces or line ends");
    }
    return ask(host, service, args[2], timeout, retries);
  }
  return cli.usage_error("say serve or ask, not '" + args[0] + "'");
}
