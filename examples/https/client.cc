// https_client: fetches one https:// URL with ae::Handle and ae::tls, verifying the server the
// way a browser does (its chain against the CA store, its name against the URL's host).
//
//   https_client [--cacert FILE] [--insecure] [--servername NAME] [--timeout SECONDS]
//                [--verbose] URL
//
// The Handle is made with `.tls = ae::tls::connect(ctx)` (AnyEvent::Handle's tls => "connect"):
// the request is pushed at once and encrypted once the handshake is done. The response's status
// line and headers are read with push_read(line), the body with on_read until the server's
// close_notify ends the stream (on_eof). The status line, the headers and the body go to stdout.
// A failed verification says why ("certificate has expired", "not signed by a trusted CA", "the
// certificate is for x, not y") and exits 1.
//
// URL: https://HOST[:PORT][/PATH]; HOST a name, an IPv4 address or [IPv6].
// Exit status: 0 when a complete response arrived, 1 for a failure (said on stderr), 2 for a bad
// command line.
#include <cstdio>
#include <string>
#include <string_view>

#include "core/condvar.h"
#include "examples/common/cli.h"
#include "examples/common/http_text.h"
#include "handle/handle.h"
#include "socket/socket.h"
#include "tls/tls.h"

namespace {

constexpr const char* kUsage =
    "usage: https_client [--cacert FILE] [--insecure] [--servername NAME] [--timeout SECONDS]\n"
    "                    [--verbose] URL\n"
    "\n"
    "Fetches an https:// URL and prints the response.\n"
    "  URL                https://HOST[:PORT][/PATH]; [::1] for IPv6 addresses\n"
    "  --cacert FILE      trust the CAs in FILE (default: the system's CA store)\n"
    "  -k, --insecure     do not verify the server at all\n"
    "  --servername NAME  the name to send (SNI) and to check the certificate for (default: HOST)\n"
    "  -t, --timeout SECONDS  give up when the server sends nothing this long (default 30)\n"
    "  -v, --verbose      say how the connection was secured, on stderr\n";

constexpr std::size_t kMaxHead = 65536;

struct Url {
  std::string host;
  std::string service;
  std::string authority;
  std::string path;
};

bool parse_url(std::string_view text, Url* url, std::string* why) {
  constexpr std::string_view kScheme = "https://";
  if (!text.starts_with(kScheme)) {
    *why = "the URL must start with https://";
    return false;
  }
  text.remove_prefix(kScheme.size());
  std::size_t slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  url->path = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
  if (url->path.find_first_of(" \r\n\t") != std::string::npos) {
    *why = "the path may not contain spaces or control characters";
    return false;
  }
  auto hp = ae::parse_hostport(authority, "443");
  if (authority.empty() || !hp || hp->host.empty() || hp->host == "unix/") {
    *why = "cannot find a host[:port] in \"" + std::string(authority) + "\"";
    return false;
  }
  url->host = hp->host;
  url->service = hp->service;
  url->authority = std::string(authority);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cacert, servername, url_text;
  bool insecure = false, verbose = false;
  double timeout = 30;
  ae::examples::CommandLine cli("https_client", kUsage);
  cli.text({"--cacert"}, &cacert);
  cli.flag({"-k", "--insecure"}, &insecure);
  cli.text({"--servername"}, &servername);
  cli.number({"-t", "--timeout"}, &timeout, 0.001, 86400);
  cli.flag({"-v", "--verbose"}, &verbose);
  Url url;
  std::string why;
  auto positional = [&](std::string_view arg, std::string* error) {
    if (!url_text.empty()) return *error = "one URL only", false;
    url_text = arg;
    return parse_url(arg, &url, error);
  };
  if (auto status = cli.parse(argc, argv, positional)) return *status;
  if (url_text.empty()) return cli.usage_error("a URL is required");

  ae::tls::ContextOptions tls{.ca_file = cacert, .alpn = {"http/1.1"}};
  if (insecure) tls.verify = false;
  ae::Result<ae::tls::Context> ctx = ae::tls::Context::create(std::move(tls));
  if (!ctx) {
    std::fprintf(stderr, "https_client: %s\n", ctx.message().c_str());
    return ae::examples::kExitFailure;
  }

  ae::CondVar<int> done;
  auto fail = [&](std::string_view message) {
    std::fprintf(stderr, "https_client: %s\n", std::string(message).c_str());
    done.send(ae::examples::kExitFailure);
  };
  std::string headers;
  long long body_bytes = 0;
  bool have_headers = false;
  // A server may end without close_notify after a body whose length it announced: that body is
  // complete, so only an unannounced or short body counts as truncated.
  auto body_complete = [&] {
    long long expected = ae::examples::content_length(headers);
    return have_headers && expected >= 0 && body_bytes >= expected;
  };

  ae::Handle h(
      url.host, url.service,
      {
          .on_connect_error = [&](ae::Handle&, std::error_code, std::string_view m) { fail(m); },
          .on_error =
              [&](ae::Handle&, bool fatal, std::error_code ec, std::string_view m) {
                if (ec == ae::tls::Error::kUnexpectedEof && body_complete()) {
                  return done.send(0);
                }
                if (fatal || ec == std::errc::timed_out) fail(m);
              },
          .on_eof =
              [&](ae::Handle&) {
                long long expected = ae::examples::content_length(headers);
                if (expected >= 0 && body_bytes < expected) {
                  return fail("the body ended after " + std::to_string(body_bytes) + " of " +
                              std::to_string(expected) + " bytes");
                }
                done.send(0);
              },
          .timeout = timeout,
          .rbuf_max = kMaxHead,
          .peername = servername.empty() ? url.host : servername,
          .tls = ae::tls::connect(*ctx),
          .on_starttls =
              [&](ae::Handle& h, bool ok, std::error_code, std::string_view m) {
                if (!ok) return fail(m);
                if (!verbose) return;
                const ae::tls::Filter* f = ae::tls::Filter::of(h.filter());
                ae::tls::Certificate peer = f->peer_certificate();
                std::fprintf(stderr, "* %s, %s, ALPN %s\n* server certificate: %s\n",
                             f->version().c_str(), f->cipher().c_str(),
                             f->alpn().empty() ? "-" : f->alpn().c_str(),
                             peer ? peer.certname().c_str() : "none");
              },
      });
  h.push_write("GET " + url.path + " HTTP/1.1\r\nHost: " + url.authority +
               "\r\nUser-Agent: ae-https_client\r\nConnection: close\r\n\r\n");
  h.push_read(ae::line, [&](ae::Handle&, std::string line, std::string) {
    if (!ae::examples::parse_status_line(line)) {
      return fail("not an HTTP response: \"" + ae::examples::printable(line.substr(0, 80)) + "\"");
    }
    std::printf("%s\n", ae::examples::printable(line).c_str());
  });
  h.push_read(ae::examples::read_head([&](ae::Handle& h, std::string head) {
    headers = std::move(head);
    have_headers = true;
    if (!headers.empty()) std::printf("%s\n", ae::examples::printable(headers, true).c_str());
    std::printf("\n");
    h.rbuf_max(std::nullopt);
    h.on_read([&](ae::Handle& h) {
      body_bytes += static_cast<long long>(h.rbuf().size());
      std::fwrite(h.rbuf().data(), 1, h.rbuf().size(), stdout);
      h.rbuf().clear();
    });
  }));
  int status = done.recv();
  std::fflush(stdout);
  return status;
}
