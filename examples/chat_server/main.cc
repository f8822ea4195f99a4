// chat_server: a line-based chat server on ae::tcp_server and ae::Handle.
//
//   chat_server [--listen HOST:PORT] [--max-line BYTES] [--max-queue BYTES]
//               [--max-clients N] [--idle-timeout SECONDS] [--quiet]
//
// Connect with any line client (socat, telnet, nc). Every line a client sends goes to all other
// clients as "<nick> text". Commands:
//   /nick NAME   change your nick (1-24 letters, digits, '_' or '-'; unique, case-insensitive)
//   /me TEXT     "* nick TEXT" to everyone
//   /who         who is here
//   /quit        leave
//   /help        this list
// A new client is "guestN" until it picks a nick; joins, leaves and nick changes are announced.
//
// Bounded memory per client, whatever the clients do:
//   - a line longer than --max-line ends that client's session (rbuf_max caps the read buffer);
//   - a client that does not read what others say is disconnected once more than --max-queue
//     bytes wait for it (checked before each line is queued, with wbuf_max behind it), so one
//     slow or stalled client cannot make the server buffer everyone's chatter without end;
//   - control characters in lines become '?' before they reach other clients' terminals.
//
// The first line on stdout is "listening on HOST:PORT" (port 0 picks a free port). Joins, leaves
// and nick changes are logged on stderr unless --quiet. SIGINT or SIGTERM stops the server.
// Exit status: 0 after a signal, 1 when it cannot listen, 2 for a bad command line.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "examples/common/cli.h"
#include "handle/handle.h"
#include "socket/socket.h"

namespace {

constexpr const char* kUsage =
    "usage: chat_server [--listen HOST:PORT] [--max-line BYTES] [--max-queue BYTES]\n"
    "                   [--max-clients N] [--idle-timeout SECONDS] [--quiet]\n"
    "\n"
    "A line-based chat: each line a client sends goes to every other client.\n"
    "Commands: /nick NAME, /me TEXT, /who, /quit, /help.\n"
    "  --listen HOST:PORT     address to listen on (default 127.0.0.1:0, a free port)\n"
    "  --max-line BYTES       longest line a client may send (default 4096)\n"
    "  --max-queue BYTES      output that may wait for a slow client before it is\n"
    "                         disconnected (default 262144)\n"
    "  --max-clients N        clients at once (default 1000)\n"
    "  --idle-timeout SECONDS disconnect clients silent this long (default 0: never)\n"
    "  --quiet                do not log joins and leaves on stderr\n"
    "The first line on stdout says where the server listens. SIGINT/SIGTERM stop it.\n";

struct Config {
  std::string host = "127.0.0.1";
  std::string service = "0";
  std::size_t max_line = 4096;
  std::size_t max_queue = 256 * 1024;
  std::size_t max_clients = 1000;
  double idle_timeout = 0;
  bool quiet = false;
};

// What a client typed, safe to show on other terminals: tabs become spaces, controls '?'.
std::string clean(std::string line) {
  std::replace(line.begin(), line.end(), '\t', ' ');
  return ae::examples::printable(line);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool valid_nick(std::string_view nick) {
  if (nick.empty() || nick.size() > 24) return false;
  return std::all_of(nick.begin(), nick.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

class ChatServer {
 public:
  explicit ChatServer(const Config& config) : config_(config) {}

  void accept(int fd, const std::string& host, std::uint16_t port) {
    std::string peer = ae::format_hostport(host, std::to_string(port));
    if (members_.size() >= config_.max_clients) {
      ae::Handle busy(fd, {.linger = 2});
      busy.push_write("* the server is full; try again later\r\n");
      log(peer + " refused: server full");
      return;  // destroying `busy` lingers until the message is out, then closes
    }
    std::uint64_t id = next_id_++;
    std::string nick = "guest" + std::to_string(id);
    ae::Handle h(fd, handle_options(id));
    h.on_read([this, id](ae::Handle& h) {
      h.push_read(ae::line,
                  [this, id](ae::Handle&, std::string line, std::string) { on_line(id, line); });
    });
    members_.emplace(id, Member{std::move(h), nick, peer});
    send(id, "* welcome, " + nick + ". Commands: /nick NAME, /me TEXT, /who, /quit, /help. " +
                 std::to_string(members_.size() - 1) + " others here.");
    broadcast(id, "* " + nick + " joined");
    log(peer + " joined as " + nick);
  }

  std::size_t size() const { return members_.size(); }

 private:
  struct Member {
    ae::Handle handle;
    std::string nick;
    std::string peer;
  };

  ae::Handle::Options handle_options(std::uint64_t id) {
    return {
        .on_error =
            [this, id](ae::Handle& h, bool fatal, std::error_code ec, std::string_view message) {
              if (!fatal && ec != std::errc::timed_out) return;
              if (ec == std::errc::no_space_on_device) {
                leave(id, h.rbuf().size() > config_.max_line ? "line too long"
                                                             : "too slow: output queue full");
              } else if (ec == std::errc::timed_out) {
                leave(id, "idle");
              } else if (ec == std::errc::broken_pipe) {
                leave(id, "connection closed in the middle of a line");
              } else {
                leave(id, std::string(message));
              }
            },
        .on_eof = [this, id](ae::Handle&) { leave(id, "quit"); },
        .timeout = config_.idle_timeout,
        .rbuf_max = config_.max_line + 2,
        // The explicit check in send() normally drops a slow client first; this is the backstop.
        .wbuf_max = config_.max_queue + config_.max_line + 256,
        .no_delay = true,  // chat lines are small and interactive
        .linger = 2,
    };
  }

  void on_line(std::uint64_t id, const std::string& raw) {
    auto it = members_.find(id);
    if (it == members_.end()) return;
    if (raw.size() > config_.max_line) return leave(id, "line too long");
    Member& m = it->second;
    std::string line = clean(raw);
    if (line.empty()) return;
    if (line[0] != '/') return broadcast(id, "<" + m.nick + "> " + line);

    std::string_view rest(line);
    std::string_view command = rest.substr(0, rest.find(' '));
    std::string_view arg = command.size() < rest.size() ? rest.substr(command.size() + 1) : "";
    if (command == "/nick") {
      rename(id, std::string(arg));
    } else if (command == "/me") {
      broadcast(id, "* " + m.nick + " " + std::string(arg));
    } else if (command == "/who") {
      std::string who;
      for (const auto& [other_id, other] : members_) who += (who.empty() ? "" : ", ") + other.nick;
      send(id, "* here: " + who);
    } else if (command == "/quit") {
      send(id, "* bye");
      leave(id, "quit");
    } else if (command == "/help") {
      send(id, "* commands: /nick NAME, /me TEXT, /who, /quit, /help");
    } else {
      send(id, "* unknown command " + std::string(command) + "; try /help");
    }
  }

  void rename(std::uint64_t id, const std::string& nick) {
    Member& m = members_.at(id);
    if (!valid_nick(nick)) {
      return send(id, "* a nick is 1-24 letters, digits, '_' or '-'");
    }
    for (const auto& [other_id, other] : members_) {
      if (other_id != id && lower(other.nick) == lower(nick)) {
        return send(id, "* the nick " + nick + " is taken");
      }
    }
    std::string old = std::exchange(m.nick, nick);
    log(m.peer + " " + old + " is now " + nick);
    send(id, "* you are now " + nick);
    broadcast(id, "* " + old + " is now known as " + nick);
  }

  // Queues one line for a client, or disconnects it when it has fallen too far behind.
  void send(std::uint64_t id, const std::string& text) {
    auto it = members_.find(id);
    if (it == members_.end()) return;
    ae::Handle& h = it->second.handle;
    if (h.wbuf().size() + text.size() + 2 > config_.max_queue) {
      h.linger(0);  // it is not reading: do not keep its backlog around after it is gone
      return leave(
          id, "too slow: more than " + std::to_string(config_.max_queue) + " bytes waiting for it");
    }
    h.push_write(text + "\r\n");
  }

  // Sends to everyone but `from`. A recipient dropped as too slow is announced, which is a
  // broadcast of its own; the ids are collected first so no iterator is held across that.
  void broadcast(std::uint64_t from, const std::string& text) {
    std::vector<std::uint64_t> ids;
    ids.reserve(members_.size());
    for (const auto& [id, m] : members_) {
      if (id != from) ids.push_back(id);
    }
    for (std::uint64_t id : ids) send(id, text);
  }

  void leave(std::uint64_t id, const std::string& why) {
    auto it = members_.find(id);
    if (it == members_.end()) return;
    std::string nick = it->second.nick;
    log(it->second.peer + " " + nick + " left (" + why + ")");
    members_.erase(it);  // destroys the Handle: what was queued for it lingers briefly
    broadcast(0, "* " + nick + " left (" + why + ")");
  }

  void log(const std::string& what) const {
    if (!config_.quiet) std::fprintf(stderr, "chat_server: %s\n", what.c_str());
  }

  Config config_;
  std::map<std::uint64_t, Member> members_;
  std::uint64_t next_id_ = 1;
};

}  // namespace

int main(int argc, char** argv) {
  Config config;
  ae::examples::CommandLine cli("chat_server", kUsage);
  cli.address("--listen", &config.host, &config.service);
  cli.count({"--max-line"}, &config.max_line, 16);
  cli.count({"--max-queue"}, &config.max_queue, 1024);
  cli.count({"--max-clients"}, &config.max_clients);
  cli.number({"--idle-timeout"}, &config.idle_timeout, 0, 1e9);
  cli.flag({"-q", "--quiet"}, &config.quiet);
  if (auto status = cli.parse(argc, argv)) return *status;

  ChatServer chat(config);
  return ae::examples::serve(
      "chat_server", config.host, config.service,
      [&](int fd, const std::string& host, std::uint16_t port) { chat.accept(fd, host, port); },
      [&] {
        if (!config.quiet) {
          std::fprintf(stderr, "chat_server: stopping with %zu clients\n", chat.size());
        }
      });
}
