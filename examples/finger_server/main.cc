// finger_server: a small RFC 1288 finger server on ae::tcp_server and ae::Handle.
//
//   finger_server [--listen HOST:PORT] [--users FILE] [--timeout SECONDS] [--quiet]
//
// A client sends one query line and gets one answer, then the server closes the connection:
//   ""            (an empty line)    the list of users
//   "user"                           that user's name and plan ("/W user" is the same)
//   "user@host"                      refused: this server does not forward queries
// Users come from --users FILE (lines "login:Full Name:plan", '#' starts a comment) or, without
// it, a few built-in demonstration users. A query line is read with the `line` read type under
// rbuf_max (a query longer than 1 KiB closes the connection), and a client
// that does not finish its query within --timeout seconds is disconnected, so neither a huge line
// nor a silent client ties the server up.
//
// The first line on stdout is "listening on HOST:PORT" (port 0 picks a free port). Queries are
// logged on stderr unless --quiet. SIGINT or SIGTERM stops the server.
// Exit status: 0 after a signal, 1 when it cannot listen or read FILE, 2 for a bad command line.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "examples/common/cli.h"
#include "handle/handle.h"
#include "socket/socket.h"

namespace {

constexpr const char* kUsage =
    "usage: finger_server [--listen HOST:PORT] [--users FILE] [--timeout SECONDS] [--quiet]\n"
    "\n"
    "Answers finger queries (RFC 1288): an empty line lists the users, a login shows one.\n"
    "  --listen HOST:PORT   address to listen on (default 127.0.0.1:0, a free port)\n"
    "  --users FILE         users as lines \"login:Full Name:plan\" (default: built-in demo "
    "users)\n"
    "  --timeout SECONDS    disconnect a client that sends no query this long (default 10)\n"
    "  --quiet              do not log queries on stderr\n"
    "The first line on stdout says where the server listens. SIGINT/SIGTERM stop it.\n";

constexpr std::size_t kMaxQuery = 1024;

struct User {
  std::string login;
  std::string name;
  std::string plan;
};

std::vector<User> demo_users() {
  return {
      {"lile", "Larry Lile", "Mail forwarded to lile@example.org. No Plan."},
      {"kuriyama", "Kuriyama", "Reading the AnyEvent tutorial, in C++ this time."},
      {"icculus", "Ryan C. Gordon", "Port everything."},
      {"mikachu", "Mikachu", "zomg"},
  };
}

// "login:Full Name:plan" per line; blank lines and '#' comments are skipped.
bool load_users(const std::string& path, std::vector<User>* users, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read " + path;
    return false;
  }
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::size_t a = line.find(':');
    std::size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos || a == 0) {
      *error = path + ":" + std::to_string(number) + ": not \"login:Full Name:plan\"";
      return false;
    }
    users->push_back({line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  return true;
}

class FingerServer {
 public:
  FingerServer(std::vector<User> users, double timeout, bool quiet)
      : users_(std::move(users)), timeout_(timeout), quiet_(quiet) {}

  void accept(int fd, const std::string& host, std::uint16_t port) {
    std::uint64_t id = next_id_++;
    std::string peer = ae::format_hostport(host, std::to_string(port));
    ae::Handle h(
        fd,
        {
            .on_error =
                [this, id](ae::Handle&, bool fatal, std::error_code ec, std::string_view message) {
                  log(id, ec == std::errc::no_space_on_device
                              ? "query longer than " + std::to_string(kMaxQuery) + " bytes"
                              : std::string(message));
                  if (fatal || ec == std::errc::timed_out) close(id);
                },
            .on_eof = [this, id](ae::Handle&) { close(id); },
            .timeout = timeout_,
            .rbuf_max = kMaxQuery,
            .linger = 10,
        });
    h.push_read(ae::line, [this, id](ae::Handle& h, std::string query, std::string) {
      h.push_write(answer(query));
      log(id, "asked for \"" + ae::examples::printable(query) + "\"");
      close(id);  // the Handle lingers until the answer is written, then closes
    });
    peers_.emplace(id, Client{std::move(h), peer});
  }

 private:
  struct Client {
    ae::Handle handle;
    std::string peer;
  };

  std::string answer(std::string query) const {
    // RFC 1288: "/W" asks for verbose output; this server has only one kind.
    if (query.starts_with("/W")) query.erase(0, 2);
    std::size_t first = query.find_first_not_of(" \t");
    query = first == std::string::npos ? "" : query.substr(first);
    while (!query.empty() && (query.back() == ' ' || query.back() == '\t')) query.pop_back();

    if (query.find('@') != std::string::npos) return "finger: forwarding service denied\r\n";
    if (query.empty()) {
      std::string out = "Login      Name\r\n";
      for (const User& u : users_) {
        std::string login = u.login;
        login.resize(std::max<std::size_t>(login.size(), 10), ' ');
        out += login + " " + u.name + "\r\n";
      }
      return out;
    }
    for (const User& u : users_) {
      if (u.login == query) {
        return "Login: " + u.login + "\t\t\tName: " + u.name + "\r\nPlan:\r\n" + u.plan + "\r\n";
      }
    }
    return "finger: " + ae::examples::printable(query) + ": no such user\r\n";
  }

  void close(std::uint64_t id) { peers_.erase(id); }

  void log(std::uint64_t id, const std::string& what) const {
    if (quiet_) return;
    auto it = peers_.find(id);
    std::string peer = it == peers_.end() ? "?" : it->second.peer;
    std::fprintf(stderr, "finger_server: %s: %s\n", peer.c_str(), what.c_str());
  }

  std::vector<User> users_;
  double timeout_;
  bool quiet_;
  std::map<std::uint64_t, Client> peers_;
  std::uint64_t next_id_ = 1;
};

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", service = "0", users_file;
  double timeout = 10;
  bool quiet = false;
  ae::examples::CommandLine cli("finger_server", kUsage);
  cli.address("--listen", &host, &service);
  cli.text({"--users"}, &users_file);
  cli.number({"--timeout"}, &timeout, 0.001, 1e6);
  cli.flag({"-q", "--quiet"}, &quiet);
  if (auto status = cli.parse(argc, argv)) return *status;

  std::vector<User> users = demo_users();
  if (!users_file.empty()) {
    users.clear();
    std::string error;
    if (!load_users(users_file, &users, &error)) {
      std::fprintf(stderr, "finger_server: %s\n", error.c_str());
      return ae::examples::kExitFailure;
    }
  }

  FingerServer server(std::move(users), timeout, quiet);
  return ae::examples::serve(
      "finger_server", host, service,
      [&](int fd, const std::string& h, std::uint16_t p) { server.accept(fd, h, p); });
}
