// http_get: an HTTP/1.0 GET on ae::Handle, as AnyEvent's tutorial (AnyEvent::Intro) writes it.
//
//   http_get [--body] [--fail] [--timeout SECONDS] [--connect-timeout SECONDS]
//            [--max-header BYTES] URL
//
// The tutorial's three read steps, in order: push_read(line) for the status line,
// push_read(line => "\r\n\r\n") for the header paragraph, and on_read for the body, which is
// everything until the server closes the connection (on_eof). Prints the status line and the
// headers, then the body's size (or, with --body, the body itself, written out as it arrives, so
// a body of any size passes through in constant memory).
//
// Where the tutorial trusts the server, this program checks: the first line must be an HTTP
// status line, the headers may not exceed --max-header bytes (rbuf_max: the read buffer cannot
// grow without bound), the connection may not stall for --timeout seconds, and a body shorter
// than its Content-Length is reported as truncated. The request carries a Host header (HTTP/1.0
// allows it, and virtual hosts need it), and the URL's path is sent percent-encoded where it
// holds bytes a request line cannot carry.
//
// URL: [http://]HOST[:PORT][/PATH], HOST a name, an IPv4 address or [IPv6]. No https (TLS is the
// //tls package's job).
// Exit status: 0 for a complete response, 1 for a failure (said on stderr), 2 for a bad command
// line, 3 with --fail when the status is 400 or more.
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "core/condvar.h"
#include "core/loop.h"
#include "examples/common/cli.h"
#include "examples/common/http_text.h"
#include "handle/handle.h"
#include "socket/socket.h"

namespace {

constexpr const char* kUsage =
    "usage: http_get [--body] [--fail] [--timeout SECONDS] [--connect-timeout SECONDS]\n"
    "                [--max-header BYTES] URL\n"
    "\n"
    "Fetches URL with an HTTP/1.0 GET and prints the status line, the headers and the\n"
    "body's size.\n"
    "  URL                       [http://]HOST[:PORT][/PATH]; [::1] for IPv6 addresses\n"
    "  -b, --body                print the body instead of its size\n"
    "  -f, --fail                exit with status 3 when the server answers 400 or more\n"
    "  -t, --timeout SECONDS     give up when the server sends nothing this long (default 30)\n"
    "  --connect-timeout SECONDS give up on an address after this long (default 10)\n"
    "  --max-header BYTES        longest status line plus headers accepted (default 65536)\n";

struct Options {
  bool print_body = false;
  bool fail_on_error_status = false;
  double timeout = 30;
  double connect_timeout = 10;
  std::size_t max_header = 65536;
};

struct Url {
  std::string host;       // for connecting
  std::string service;    // port or service name
  std::string authority;  // for the Host header
  std::string path;
};

// Percent-encodes what a request line cannot carry (spaces, controls, bytes beyond ASCII).
std::string request_target(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : path) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

bool parse_url(std::string_view text, Url* url, std::string* why) {
  if (std::size_t colon = text.find("://"); colon != std::string_view::npos) {
    std::string_view scheme = text.substr(0, colon);
    if (scheme != "http") {
      *why = scheme == "https" ? "https needs TLS, which this example does not do"
                               : "only http:// URLs are supported";
      return false;
    }
    text.remove_prefix(colon + 3);
  }
  std::size_t slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  url->path = slash == std::string_view::npos ? "/" : request_target(text.substr(slash));
  if (authority.empty()) {
    *why = "no host in the URL";
    return false;
  }
  // The default port is plain 80, not AnyEvent's "http=80": the port appears in messages.
  std::string problem =
      ae::examples::parse_endpoint(authority, "80", /*any_port=*/false, &url->host, &url->service);
  if (problem.empty() && url->host == "unix/") problem = "not a TCP host";
  if (!problem.empty()) {
    *why = "\"" + ae::examples::printable(authority) + "\" in the URL: " + problem;
    return false;
  }
  url->authority = std::string(authority);
  return true;
}

// The tutorial's http_get: one request; `done` receives the program's exit status once, from
// the loop (the tutorial's $cb, as a CondVar the caller waits on).
class HttpGet {
 public:
  HttpGet(const Url& url, const Options& options, ae::CondVar<int> done)
      : options_(options), done_(done) {
    handle_ = ae::Handle(
        url.host, url.service,
        {
            .on_prepare = [this](ae::Handle&) { return ae::Seconds(options_.connect_timeout); },
            .on_connect_error =
                [this](ae::Handle&, std::error_code, std::string_view message) {
                  fail("connect: " + std::string(message));
                },
            .on_error = [this](ae::Handle&, bool fatal, std::error_code ec,
                               std::string_view message) { on_error(fatal, ec, message); },
            .on_eof = [this](ae::Handle&) { on_eof(); },
            .timeout = options.timeout,
            .on_timeout =
                [this](ae::Handle&) {
                  fail("the server sent nothing for " +
                       ae::examples::format_number(options_.timeout) + " seconds");
                },
            .rbuf_max = options.max_header,
        });

    // The request: HTTP/1.0 closes the connection after the response, so its end is the body's.
    handle_.push_write("GET " + url.path + " HTTP/1.0\r\nHost: " + url.authority +
                       "\r\nUser-Agent: ae-http_get\r\n\r\n");

    // Now fetch the response status line ...
    handle_.push_read(ae::line, [this](ae::Handle&, std::string line, std::string) {
      std::optional<ae::examples::StatusLine> status = ae::examples::parse_status_line(line);
      if (!status) {
        return fail("not an HTTP response: it starts with \"" +
                    ae::examples::printable(line.substr(0, 80)) + "\"");
      }
      status_ = status->code;
      std::printf("%s\n", ae::examples::printable(line).c_str());
      stage_ = Stage::kHeaders;
    });

    // ... then the headers: the tutorial reads them as one "line" ending in an empty line.
    // read_head also finds the end when there are no headers at all (the empty line comes
    // first) and tolerates servers that end lines with a bare "\n".
    handle_.push_read(ae::examples::read_head([this](ae::Handle& h, std::string headers) {
      headers_ = std::move(headers);
      if (!headers_.empty()) std::printf("%s\n", ae::examples::printable(headers_, true).c_str());
      std::printf("\n");
      std::fflush(stdout);
      stage_ = Stage::kBody;
      h.rbuf_max(std::nullopt);  // on_read empties rbuf as data comes
    }));

    // ... and finally handle any remaining data as the body.
    handle_.on_read([this](ae::Handle& h) {
      body_bytes_ += h.rbuf().size();
      if (options_.print_body) std::fwrite(h.rbuf().data(), 1, h.rbuf().size(), stdout);
      h.rbuf().clear();
    });
  }

 private:
  enum class Stage { kStatus, kHeaders, kBody };

  void on_error(bool fatal, std::error_code ec, std::string_view message) {
    if (ec == std::errc::no_space_on_device) {
      return fail("the status line and headers exceed " + std::to_string(options_.max_header) +
                  " bytes");
    }
    if (ec == std::errc::broken_pipe && stage_ != Stage::kBody) {
      return fail(stage_ == Stage::kStatus
                      ? "the server closed the connection without a status line"
                      : "the server closed the connection in the middle of the headers");
    }
    if (fatal) fail(message);
  }

  void on_eof() {
    std::fflush(stdout);
    long long expected = ae::examples::content_length(headers_);
    if (expected >= 0 && static_cast<unsigned long long>(expected) != body_bytes_) {
      return fail("the body has " + std::to_string(body_bytes_) + " bytes, but Content-Length " +
                  "said " + std::to_string(expected) +
                  (body_bytes_ < static_cast<unsigned long long>(expected) ? " (truncated)" : ""));
    }
    if (!options_.print_body) std::printf("body: %llu bytes\n", body_bytes_);
    std::fflush(stdout);
    finish(options_.fail_on_error_status && status_ >= 400 ? 3 : 0);
  }

  void fail(std::string_view why) {
    std::fflush(stdout);
    std::fprintf(stderr, "http_get: %.*s\n", static_cast<int>(why.size()), why.data());
    finish(1);
  }

  // The first outcome wins: later errors from the dying connection change nothing.
  void finish(int status) {
    if (done_.ready()) return;
    handle_.destroy();
    done_.send(status);
  }

  Options options_;
  ae::CondVar<int> done_;
  ae::Handle handle_;
  Stage stage_ = Stage::kStatus;
  int status_ = 0;
  std::string headers_;
  unsigned long long body_bytes_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::string url_text;
  ae::examples::CommandLine cli("http_get", kUsage);
  cli.flag({"-b", "--body"}, &options.print_body);
  cli.flag({"-f", "--fail"}, &options.fail_on_error_status);
  cli.number({"-t", "--timeout"}, &options.timeout, 0.001, 1e6);
  cli.number({"--connect-timeout"}, &options.connect_timeout, 0.001, 1e6);
  cli.count({"--max-header"}, &options.max_header, 64);
  auto status = cli.parse(argc, argv, [&](std::string_view arg, std::string* why) {
    if (!url_text.empty()) *why = "more than one URL";
    if (url_text.empty()) url_text = arg;
    return why->empty();
  });
  if (status) return *status;
  if (url_text.empty()) return cli.usage_error("no URL given");
  Url url;
  std::string why;
  if (!parse_url(url_text, &url, &why)) return cli.usage_error(why);

  ae::CondVar<int> done;
  HttpGet request(url, options, done);
  return done.recv();
}
