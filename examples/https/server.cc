// https_server: a small HTTPS server on ae::Handle with ae::tls: every GET gets a plain-text page
// that tells the client how it connected (TLS version, cipher, SNI name, ALPN, its certificate).
//
//   https_server --cert FILE --key FILE [--listen HOST:PORT] [--ca FILE --verify-client]
//                [--timeout SECONDS] [--quiet]
//
// Each connection is a Handle made with `.tls = ae::tls::accept(ctx)` (AnyEvent::Handle's
// tls => "accept"): it reads the request head (request line and headers, up to 64 KiB), answers
// with "Connection: close", then push_shutdown() sends TLS close_notify and the FIN, and the
// Handle goes when the client's end arrives. Failed handshakes, bad requests and stalled clients
// are reported on stderr; nothing a client sends stops the server.
//
// Prints "listening on HOST:PORT" once it listens (port 0 lets the kernel pick one). Stops on
// SIGINT or SIGTERM. Exit status: 0 after a signal, 1 when it cannot listen or load its
// certificate, 2 for a bad command line.
#include <cstdio>
#include <list>
#include <optional>
#include <string>
#include <string_view>

#include "examples/common/cli.h"
#include "examples/common/http_text.h"
#include "handle/handle.h"
#include "socket/socket.h"
#include "tls/tls.h"

namespace {

constexpr const char* kUsage =
    "usage: https_server --cert FILE --key FILE [--listen HOST:PORT] [--ca FILE --verify-client]\n"
    "                    [--timeout SECONDS] [--quiet]\n"
    "\n"
    "Serves a plain-text page over HTTPS that says how each client connected.\n"
    "  --cert FILE         the server certificate (PEM, chain after it)\n"
    "  --key FILE          its private key (PEM)\n"
    "  --listen HOST:PORT  where to listen (default 127.0.0.1:8443; port 0: any free port)\n"
    "  --ca FILE           CAs for client certificates (with --verify-client)\n"
    "  --verify-client     require a client certificate signed by --ca\n"
    "  --timeout SECONDS   drop clients silent this long (default 30)\n"
    "  -q, --quiet         do not log connections\n";

constexpr std::size_t kMaxRequestHead = 65536;

struct Options {
  std::string host = "127.0.0.1";
  std::string service = "8443";
  std::string cert;
  std::string key;
  std::string ca;
  bool verify_client = false;
  double timeout = 30;
  bool quiet = false;
};

class HttpsServer {
 public:
  HttpsServer(ae::tls::Context ctx, const Options& options)
      : ctx_(std::move(ctx)), options_(options) {}

  void accept(int fd, const std::string& host, std::uint16_t port) {
    std::string who = ae::format_hostport(host, std::to_string(port));
    auto it = connections_.emplace(connections_.end(), fd,
                                   ae::Handle::Options{.timeout = options_.timeout,
                                                       .rbuf_max = kMaxRequestHead,
                                                       .tls = ae::tls::accept(ctx_)});
    ae::Handle& h = *it;
    auto drop = [this, it] { connections_.erase(it); };  // safe inside the Handle's callbacks
    h.on_error([this, who, drop](ae::Handle&, bool fatal, std::error_code, std::string_view m) {
      log(who + ": " + std::string(m));
      if (fatal) drop();
    });
    h.on_timeout([this, who, drop](ae::Handle&) {
      log(who + ": silent for " + ae::examples::format_number(options_.timeout) + " s, dropped");
      drop();
    });
    h.on_eof([drop](ae::Handle&) { drop(); });
    h.on_starttls([this, who, drop](ae::Handle& h, bool ok, std::error_code, std::string_view m) {
      if (!ok) {
        log(who + ": handshake failed: " + std::string(m));
        return drop();
      }
      const ae::tls::Filter* tls = ae::tls::Filter::of(h.filter());
      log(who + ": " + tls->version() + " " + tls->cipher() +
          (tls->server_name().empty() ? "" : ", server name " + tls->server_name()));
    });
    h.push_read(ae::examples::read_head(
        [this, who](ae::Handle& h, std::string head) { respond(h, who, head); }));
  }

  std::size_t connections() const { return connections_.size(); }

 private:
  void respond(ae::Handle& h, const std::string& who, const std::string& head) {
    std::string first = head.substr(0, head.find_first_of("\r\n"));
    std::optional<ae::examples::RequestLine> request = ae::examples::parse_request_line(first);
    if (!request) {
      log(who + ": bad request line \"" + ae::examples::printable(first.substr(0, 80)) + "\"");
      return reply(h, "400 Bad Request", "not an HTTP/1.x request\n", true);
    }
    const std::string method(request->method);
    log(who + ": " + ae::examples::printable(first));
    if (method != "GET" && method != "HEAD") {
      return reply(h, "405 Method Not Allowed", "only GET and HEAD\n", method != "HEAD");
    }
    const ae::tls::Filter* tls = ae::tls::Filter::of(h.filter());
    ae::tls::Certificate client = tls->peer_certificate();
    std::string body = "hello from ae over TLS\n";
    body += "path: " + ae::examples::printable(request->target) + "\n";
    body += "protocol: " + tls->version() + "\n";
    body += "cipher: " + tls->cipher() + "\n";
    body += "server name (SNI): " + (tls->server_name().empty() ? "-" : tls->server_name()) + "\n";
    body += "application protocol (ALPN): " + (tls->alpn().empty() ? "-" : tls->alpn()) + "\n";
    body += "session resumed: " + std::string(tls->session_reused() ? "yes" : "no") + "\n";
    body += "client certificate: " + (client ? client.subject() : std::string("-")) + "\n";
    reply(h, "200 OK", body, method == "GET");
  }

  static void reply(ae::Handle& h, std::string_view status, const std::string& body,
                    bool with_body) {
    h.push_write("HTTP/1.1 " + std::string(status) +
                 "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
                 (with_body ? body : std::string()));
    h.push_shutdown();  // close_notify, then the FIN, once it is all written
  }

  void log(const std::string& line) const {
    if (!options_.quiet) std::fprintf(stderr, "https_server: %s\n", line.c_str());
  }

  ae::tls::Context ctx_;
  Options options_;
  std::list<ae::Handle> connections_;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  ae::examples::CommandLine cli("https_server", kUsage);
  cli.address("--listen", &o.host, &o.service);
  cli.text({"--cert"}, &o.cert);
  cli.text({"--key"}, &o.key);
  cli.text({"--ca"}, &o.ca);
  cli.flag({"--verify-client"}, &o.verify_client);
  cli.number({"--timeout"}, &o.timeout, 0.001, 86400);
  cli.flag({"-q", "--quiet"}, &o.quiet);
  if (auto status = cli.parse(argc, argv)) return *status;
  if (o.cert.empty() || o.key.empty()) return cli.usage_error("--cert and --key are required");
  if (o.verify_client && o.ca.empty()) return cli.usage_error("--verify-client needs --ca");

  ae::tls::ContextOptions tls{.ca_file = o.ca, .cert_file = o.cert, .key_file = o.key};
  tls.alpn = {"http/1.1"};
  if (o.verify_client) {
    tls.verify = true;
    tls.verify_require_client_cert = true;
  }
  ae::Result<ae::tls::Context> ctx = ae::tls::Context::create(std::move(tls));
  if (!ctx) {
    std::fprintf(stderr, "https_server: %s\n", ctx.message().c_str());
    return ae::examples::kExitFailure;
  }
  HttpsServer server(*ctx, o);
  return ae::examples::serve(
      "https_server", o.host, o.service,
      [&](int fd, const std::string& host, std::uint16_t port) { server.accept(fd, host, port); });
}
