// echo_server: an echo server for many clients at once, on ae::tcp_server and ae::Handle.
//
//   echo_server [--listen HOST:PORT] [--mode line|bytes] [--max-line BYTES]
//               [--max-clients N] [--idle-timeout SECONDS] [--backlog N] [--quiet]
//
// Line mode (the default) reads lines ending in "\n" or "\r\n" with the `line` read type and
// writes each one back with the end-of-line marker it came with. Bytes mode writes back whatever
// arrives, as it arrives (so binary data and lines of any length work). In line mode, bytes after
// the last end-of-line when the client closes are not echoed (the log says how many). Either way a
// client that sends without reading its echoes does not make the server buffer without bound: once
// more than 256 KiB wait to be written to a client, the server stops reading from it until they
// drained to 64 KiB (the Handle's high_water_mark; TCP flow control then slows the client down).
// In line mode a line longer than --max-line closes the connection (rbuf_max), so a client cannot
// make the server hold a huge line either. --backlog sets how many connections the kernel queues
// before the server accepts them (tcp_server's SOMAXCONN by default, capped by the kernel at
// net.core.somaxconn).
//
// The first line on stdout is "listening on HOST:PORT" (port 0 picks a free port, and this line
// says which). Connections and their ends are logged on stderr unless --quiet. SIGINT or SIGTERM
// stops the server (exit status 0); a bad command line exits with 2, a failure to listen with 1.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "examples/common/cli.h"
#include "handle/handle.h"
#include "socket/socket.h"

namespace {

constexpr const char* kUsage =
    "usage: echo_server [--listen HOST:PORT] [--mode line|bytes] [--max-line BYTES]\n"
    "                   [--max-clients N] [--idle-timeout SECONDS] [--backlog N] [--quiet]\n"
    "\n"
    "Echoes what clients send, to any number of clients at once.\n"
    "  --listen HOST:PORT     address to listen on (default 127.0.0.1:0, a free port;\n"
    "                         [::1]:PORT for IPv6, unix/:PATH for a unix-domain socket)\n"
    "  --mode line|bytes      echo whole lines (default; an unterminated last line is\n"
    "                         not echoed) or bytes as they arrive\n"
    "  --max-line BYTES       longest line accepted in line mode (default 65536)\n"
    "  --max-clients N        connections served at once; more are closed (default 1000)\n"
    "  --idle-timeout SECONDS close a client idle this long (default 300, 0: never)\n"
    "  --backlog N            connections the kernel queues until they are accepted\n"
    "                         (default SOMAXCONN; the kernel caps it at net.core.somaxconn)\n"
    "  --quiet                do not log connections on stderr\n"
    "The first line on stdout says where the server listens. SIGINT/SIGTERM stop it.\n";

// How many bytes may wait for a slow reader before the server stops reading from it, and how
// far they must drain before it reads again.
constexpr std::size_t kHighWater = 256 * 1024;
constexpr std::size_t kLowWater = 64 * 1024;

struct Config {
  std::string host = "127.0.0.1";
  std::string service = "0";
  bool line_mode = true;
  std::size_t max_line = 65536;
  std::size_t max_clients = 1000;
  double idle_timeout = 300;
  std::size_t backlog = 0;  // 0: tcp_server's default
  bool quiet = false;
};

class EchoServer {
 public:
  explicit EchoServer(const Config& config) : config_(config) {}

  void accept(int fd, const std::string& host, std::uint16_t port) {
    std::string peer = ae::format_hostport(host, std::to_string(port));
    if (clients_.size() >= config_.max_clients) {
      log(peer, "refused: already serving " + std::to_string(clients_.size()) + " clients");
      ::close(fd);
      return;
    }
    std::uint64_t id = next_id_++;
    ae::Handle handle(fd, handle_options(id));
    Client& c = clients_.emplace(id, Client{std::move(handle), peer}).first->second;
    start_echoing(id, c.handle);
    log(peer, "connected (" + std::to_string(clients_.size()) + " clients)");
  }

  std::size_t clients() const { return clients_.size(); }
  std::uint64_t served() const { return next_id_ - 1; }

 private:
  struct Client {
    ae::Handle handle;
    std::string peer;
  };

  ae::Handle::Options handle_options(std::uint64_t id) {
    return {
        .on_error =
            [this, id](ae::Handle& h, bool fatal, std::error_code ec, std::string_view message) {
              if (!fatal) return;
              if (ec == std::errc::no_space_on_device) {
                drop(id, too_long());
              } else if (ec == std::errc::broken_pipe && !h.rbuf().empty()) {
                // The client went away with bytes still unechoed: the end of a line that never
                // came (end-of-file with a line reader queued), or lines it no longer waited for
                // (a write to a closed socket). Say so rather than drop them without a word.
                drop(id, "closed by the client with " + std::to_string(h.rbuf().size()) +
                             " received bytes not echoed (" + std::string(message) + ")");
              } else {
                drop(id, std::string(message));
              }
            },
        .on_eof = [this, id](ae::Handle&) { drop(id, "closed by the client"); },
        .timeout = config_.idle_timeout,
        .on_timeout = [this, id](ae::Handle&) { drop(id, "idle timeout"); },
        .rbuf_max =
            config_.line_mode ? std::optional<std::size_t>(config_.max_line + 2) : std::nullopt,
        .no_delay = true,
        .low_water_mark = kLowWater,
        .high_water_mark = kHighWater,
        // After the client closed, its last echoes still go out, but not forever.
        .linger = 10,
    };
  }

  void start_echoing(std::uint64_t id, ae::Handle& handle) {
    if (config_.line_mode) {
      // AnyEvent's idiom for line protocols: whenever data arrives and no reader is queued,
      // queue one line reader; it runs as soon as a whole line is there.
      handle.on_read([this, id](ae::Handle& h) {
        h.push_read(ae::line, [this, id](ae::Handle& h, std::string line, std::string eol) {
          // rbuf_max bounds memory; a line that arrived in the same read as its end-of-line can
          // pass it by up to one read, so the limit is checked here exactly.
          if (line.size() > config_.max_line) return drop(id, too_long());
          line += eol;
          h.push_write(line);
        });
      });
    } else {
      handle.on_read([](ae::Handle& h) {
        h.push_write(h.rbuf().view());
        h.rbuf().clear();
      });
    }
  }

  std::string too_long() const {
    return "line longer than " + std::to_string(config_.max_line) + " bytes";
  }

  void drop(std::uint64_t id, const std::string& why) {
    auto it = clients_.find(id);
    if (it == clients_.end()) return;
    std::string peer = it->second.peer;
    clients_.erase(it);  // destroys the Handle; unwritten echoes linger
    log(peer, why + " (" + std::to_string(clients_.size()) + " clients)");
  }

  void log(const std::string& peer, const std::string& what) const {
    if (!config_.quiet) std::fprintf(stderr, "echo_server: %s: %s\n", peer.c_str(), what.c_str());
  }

  Config config_;
  std::map<std::uint64_t, Client> clients_;
  std::uint64_t next_id_ = 1;
};

}  // namespace

int main(int argc, char** argv) {
  Config config;
  std::string mode = "line";
  ae::examples::CommandLine cli("echo_server", kUsage);
  cli.address("--listen", &config.host, &config.service);
  cli.text({"--mode"}, &mode);
  cli.count({"--max-line"}, &config.max_line);
  cli.count({"--max-clients"}, &config.max_clients);
  cli.number({"--idle-timeout"}, &config.idle_timeout, 0, 1e9);
  cli.count({"--backlog"}, &config.backlog);
  cli.flag({"-q", "--quiet"}, &config.quiet);
  if (auto status = cli.parse(argc, argv)) return *status;
  if (mode != "line" && mode != "bytes") return cli.usage_error("--mode is line or bytes");
  config.line_mode = mode == "line";

  EchoServer server(config);
  return ae::examples::serve(
      "echo_server", config.host, config.service,
      [&](int fd, const std::string& host, std::uint16_t port) { server.accept(fd, host, port); },
      [&] {
        if (config.quiet) return;
        std::fprintf(stderr, "echo_server: stopping; served %llu connections, %zu still open\n",
                     static_cast<unsigned long long>(server.served()), server.clients());
      },
      static_cast<int>(std::min<std::size_t>(config.backlog, INT_MAX)));
}
