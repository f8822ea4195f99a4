// ae-fetch: curl's core on ae::http — fetch URLs, write their bodies byte for byte.
//
//   ae-fetch [options] URL...
//
// The options a curl user reaches for, with curl's meanings and exit codes (see kUsage). Bodies
// stream to stdout (or -o files) as they arrive, so a download of any size runs in constant
// memory. Bodies a server sent gzip- or deflate-coded are decoded, as curl --compressed does;
// --compressed also asks for them. Several URLs are fetched one after another, or all at once
// over the connection pool with -Z.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/loop.h"
#include "core/resolver.h"
#include "dns/error.h"
#include "examples/common/cli.h"
#include "http/client.h"
#include "tls/context.h"
#include "tls/error.h"

namespace {

constexpr const char* kUsage =
    "usage: ae-fetch [options] URL...\n"
    "Fetches each URL and writes its body to stdout, as curl does.\n"
    "\n"
    "  -X, --request METHOD     the request method (default GET, or POST with data)\n"
    "  -H, --header 'N: v'      a request header; 'N:' removes one the client would send\n"
    "  -d, --data DATA          POST data; @FILE reads it (newlines dropped), @- stdin;\n"
    "                           several are joined with &\n"
    "      --data-binary DATA   POST data as it is; @FILE reads it byte for byte\n"
    "  -o, --output FILE        write the body of the next URL to FILE\n"
    "  -O, --remote-name        write each body to a file named like the URL's last segment\n"
    "  -L, --location           follow redirects\n"
    "      --max-redirs N       at most N redirects with -L (default 50)\n"
    "  -I, --head               HEAD request; print the response headers\n"
    "  -i, --include            print the response headers before the body\n"
    "  -k, --insecure           do not verify the server's certificate or name\n"
    "      --cacert FILE        trust the CA certificates in FILE\n"
    "  -v, --verbose            show the request and response headers on stderr\n"
    "      --compressed         ask for a gzip or deflate body (bodies are decoded always)\n"
    "  -x, --proxy [http://]HOST[:PORT]  use this HTTP proxy (default port 1080);\n"
    "                           else http_proxy / https_proxy / no_proxy from the environment\n"
    "  -m, --max-time SECONDS   give up on a transfer after SECONDS\n"
    "      --connect-timeout SECONDS  give up on a connection after SECONDS\n"
    "  -Z, --parallel           fetch the URLs at the same time\n"
    "      --parallel-max N     at most N transfers at once with -Z (default 50)\n"
    "  -s, --silent             no progress bar, no error messages\n"
    "  -S, --show-error         error messages even with -s\n"
    "  -f, --fail               fail with exit status 22 on an HTTP status of 400 or more\n"
    "  -A, --user-agent NAME    the User-Agent header\n"
    "  -h, --help               this text\n"
    "\n"
    "Short options combine (-sSL). Exit status as curl's: 0 success, 1 unsupported scheme,\n"
    "2 usage, 3 bad URL, 5 proxy name not resolved, 6 host name not resolved, 7 cannot\n"
    "connect, 8 bad server reply, 18 body cut short, 22 HTTP error with -f, 23 cannot write,\n"
    "26 cannot read data, 28 timeout, 35 TLS handshake failed, 42 aborted, 47 too many\n"
    "redirects, 52 empty reply, 56 receive failed, 60 certificate rejected, 61 bad encoding.\n";

// Flags that take no value, by their short letter, for expanding "-sSL".
constexpr std::string_view kShortFlags = "LIikvZsSfO";

// ---- Output ---------------------------------------------------------------------------------

// Where one transfer's bytes go: stdout or a file, written with blocking writes (as curl does).
class Sink {
 public:
  explicit Sink(std::string path) : path_(std::move(path)) {}
  ~Sink() {
    if (fd_ > 1) ::close(fd_);
  }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  bool write(std::string_view bytes) {
    if (!open()) return false;
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error_ = std::strerror(errno);
        return false;
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  // Makes sure the file exists (a body may be empty).
  bool open() {
    if (fd_ >= 0) return true;
    if (path_.empty() || path_ == "-") {
      fd_ = 1;
      return true;
    }
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd_ < 0) error_ = path_ + ": " + std::strerror(errno);
    return fd_ >= 0;
  }
  bool to_terminal() const { return (path_.empty() || path_ == "-") && ::isatty(1); }
  const std::string& error() const { return error_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::string error_;
};

// "HTTP/1.1 200 OK\r\n" and the fields of `hdr`, as the server sent them (curl's -i and -I).
std::string header_block(const ae::http::Response& hdr) {
  std::string out = "HTTP/" + hdr.http_version + " " + std::to_string(hdr.status);
  if (!hdr.reason.empty()) out += " " + hdr.reason;
  out += "\r\n";
  hdr.headers.append_to(out);
  out += "\r\n";
  return out;
}

// The hops of a redirect chain, oldest first.
std::vector<const ae::http::Response*> hops_of(const ae::http::Response& hdr) {
  std::vector<const ae::http::Response*> hops;
  for (const ae::http::Redirect* r = hdr.redirect.get(); r != nullptr;
       r = r->response.redirect.get()) {
    hops.insert(hops.begin(), &r->response);
  }
  return hops;
}

// Text from the network made safe for stderr: control characters (but line ends) become '?'.
std::string for_terminal(std::string_view text) {
  return ae::examples::printable(text, /*keep_newlines=*/true);
}

void verbose_lines(char mark, std::string_view block) {
  std::string safe = for_terminal(block);
  std::size_t pos = 0;
  while (pos < safe.size()) {
    std::size_t end = safe.find('\n', pos);
    if (end == std::string::npos) end = safe.size();
    std::fprintf(stderr, "%c %s\n", mark, safe.substr(pos, end - pos).c_str());
    pos = end + 1;
  }
}

// ---- Progress -------------------------------------------------------------------------------

// A one-line bar on stderr, redrawn at most ten times a second, erased at the end.
class Progress {
 public:
  void start(std::string label) {
    label_ = std::move(label);
    tick_ = ae::timer(0.1, 0.1, [this] { draw(); });
  }
  void update(std::uint64_t received, std::optional<std::uint64_t> total) {
    received_ = received;
    total_ = total;
  }
  void finish() {
    if (!tick_) return;
    tick_.reset();
    if (drawn_) std::fputs("\r\033[K", stderr);
  }

 private:
  void draw() {
    constexpr int kWidth = 30;
    char line[160];
    if (total_ && *total_ > 0) {
      int filled = static_cast<int>(kWidth * static_cast<double>(received_) / *total_);
      filled = std::min(filled, kWidth);
      std::snprintf(line, sizeof line, "\r%-20.20s [%.*s%*s] %5.1f%% %llu/%llu", label_.c_str(),
                    filled, "##############################", kWidth - filled, "",
                    100.0 * static_cast<double>(received_) / *total_,
                    static_cast<unsigned long long>(received_),
                    static_cast<unsigned long long>(*total_));
    } else {
      std::snprintf(line, sizeof line, "\r%-20.20s %llu bytes", label_.c_str(),
                    static_cast<unsigned long long>(received_));
    }
    std::fputs(line, stderr);
    drawn_ = true;
  }

  std::string label_;
  ae::Timer tick_;
  std::uint64_t received_ = 0;
  std::optional<std::uint64_t> total_;
  bool drawn_ = false;
};

// ---- The command line -----------------------------------------------------------------------

struct Settings {
  std::string method;
  std::vector<std::string> headers;
  std::vector<std::string> data;         // -d
  std::vector<std::string> data_binary;  // --data-binary
  std::vector<std::string> outputs;
  bool remote_name = false;
  bool follow = false;
  double max_redirs = 50;
  bool head = false;
  bool include = false;
  bool insecure = false;
  std::string cacert;
  bool verbose = false;
  bool compressed = false;
  std::string proxy;
  bool proxy_given = false;
  double max_time = 0;
  double connect_timeout = 0;
  bool parallel = false;
  double parallel_max = 50;
  bool silent = false;
  bool show_error = false;
  bool fail = false;
  std::string user_agent;
  std::vector<std::string> urls;
};

// Reads the data of -d / --data-binary: the text itself, or @FILE / @- (stdin).
std::optional<std::string> read_data(const std::string& arg, bool binary, std::string* why) {
  if (arg.empty() || arg[0] != '@') return arg;
  std::string name = arg.substr(1);
  std::string content;
  if (name == "-") {
    content.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(name, std::ios::binary);
    if (!in) {
      *why = "cannot read " + name + ": " + std::strerror(errno);
      return std::nullopt;
    }
    content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (!binary) std::erase_if(content, [](char c) { return c == '\r' || c == '\n'; });
  return content;
}

// "-sSL" -> "-s" "-S" "-L" (when every letter is a flag without a value).
std::vector<std::string> expand_short_flags(int argc, char** argv) {
  std::vector<std::string> out{argv[0]};
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") options_done = true;
    bool combined = !options_done && a.size() > 2 && a[0] == '-' && a[1] != '-' &&
                    a.find_first_not_of(kShortFlags, 1) == std::string_view::npos;
    if (!combined) {
      out.emplace_back(a);
      continue;
    }
    for (char c : a.substr(1)) out.push_back(std::string("-") + c);
  }
  return out;
}

// ---- Exit statuses (curl's) -----------------------------------------------------------------

bool is_certificate_error(std::error_code ec) {
  using ae::tls::Error;
  return ec == Error::kCertificateExpired || ec == Error::kCertificateNotYetValid ||
         ec == Error::kUnknownCa || ec == Error::kNameMismatch ||
         ec == Error::kCertificateRevoked || ec == Error::kCertificateRejected ||
         ec == Error::kCertificateInvalid || ec == Error::kNoPeerCertificate;
}

int exit_status(const ae::http::Response& hdr, bool via_proxy) {
  using ae::http::Error;
  std::error_code ec = hdr.error;
  if (ec == Error::kProxyRefused) return 56;
  if (!hdr.failed()) return 0;
  if (ec.category() == ae::resolve_category() || ec.category() == ae::dns::dns_category()) {
    return via_proxy ? 5 : 6;
  }
  if (ec.category() == ae::tls::tls_category()) return is_certificate_error(ec) ? 60 : 35;
  if (ec == std::errc::timed_out) return 28;
  if (ec == Error::kTooManyRedirects) return 47;
  if (ec == Error::kBadUrl || ec == Error::kBadLocation) return 3;
  if (ec == Error::kUnsupportedScheme) return 1;
  if (ec == Error::kNoResponse) return 52;
  if (ec == Error::kPartialMessage) return 18;
  if (ec == Error::kBadContentEncoding) return 61;
  if (hdr.status == ae::http::kStatusCancelled) return 42;
  if (hdr.status == ae::http::kStatusProtocolError) return 8;
  if (hdr.status == ae::http::kStatusBodyError) return 56;
  if (hdr.status == ae::http::kStatusConnectError) return 7;
  return 56;
}

// ---- One transfer ---------------------------------------------------------------------------

struct Transfer {
  std::string url;
  std::unique_ptr<Sink> sink;
  Progress progress;
  ae::http::Request request;
  std::uint64_t received = 0;
  bool http_error = false;  // -f and a status >= 400
  bool write_failed = false;
  bool done = false;
  int status = 0;
};

// The file name -O writes: the URL path's last segment (query and fragment dropped).
std::string remote_name(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  std::size_t scheme = path.find("://");
  std::size_t slash = path.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) return "";
  return path.substr(path.rfind('/') + 1);
}

class Fetcher {
 public:
  explicit Fetcher(const Settings& s) : s_(s) {}

  // Checks what needs no network; returns a usage error message or "".
  std::string prepare() {
    if (!s_.data.empty() || !s_.data_binary.empty()) {
      std::string why;
      for (const std::string& d : s_.data) {
        std::optional<std::string> text = read_data(d, false, &why);
        if (!text) return why;
        if (!body_.empty()) body_ += '&';
        body_ += *text;
      }
      for (const std::string& d : s_.data_binary) {
        std::optional<std::string> bytes = read_data(d, true, &why);
        if (!bytes) return why;
        if (!body_.empty()) body_ += '&';
        body_ += *bytes;
      }
      has_body_ = true;
    }
    for (const std::string& h : s_.headers) {
      std::size_t colon = h.find_first_of(":;");
      if (colon == std::string::npos || colon == 0) return "bad header \"" + h + "\"";
      std::string name = h.substr(0, colon);
      std::string value = h.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      // curl: "Name:" removes the header, "Name;" sends it empty. An empty value here removes.
      if (h[colon] == ';' && !value.empty()) return "bad header \"" + h + "\"";
      if (!ae::http::is_token(name) || !ae::http::is_field_value(value)) {
        return "bad header \"" + h + "\"";
      }
      headers_.emplace_back(name, value);
    }
    if (s_.insecure || !s_.cacert.empty()) {
      ae::tls::ContextOptions o;
      if (s_.insecure) {
        o.verify = false;
        o.verify_peername = "none";
      }
      if (!s_.cacert.empty()) o.ca_file = s_.cacert;
      ae::Result<ae::tls::Context> ctx = ae::tls::Context::create(std::move(o));
      if (!ctx) return ctx.message();
      tls_ = std::move(*ctx);
    }
    return "";
  }

  int run() {
    if (s_.parallel) {
      ae::http::PoolOptions pool = ae::http::pool_options();
      pool.max_per_host = static_cast<std::size_t>(s_.parallel_max);
      pool.max_total = static_cast<std::size_t>(s_.parallel_max);
      ae::http::set_pool_options(pool);
    }
    std::size_t next_output = 0;
    for (const std::string& url : s_.urls) {
      auto t = std::make_unique<Transfer>();
      t->url = url;
      std::string path;
      if (next_output < s_.outputs.size()) {
        path = s_.outputs[next_output++];
      } else if (s_.remote_name) {
        path = remote_name(url);
        if (path.empty()) {
          report(23, "Remote file name has no length (" + url + ")");
          last_error_ = 23;
          continue;
        }
      }
      t->sink = std::make_unique<Sink>(path);
      transfers_.push_back(std::move(t));
    }
    ae::CondVar<> all;
    all.begin();
    if (s_.parallel) {
      for (auto& t : transfers_) start(*t, all);
    } else {
      start_next(all);
    }
    all.end();
    all.recv();
    for (auto& t : transfers_) {
      if (t->status != 0) last_error_ = t->status;
    }
    return last_error_;
  }

 private:
  void start_next(ae::CondVar<> all) {
    if (next_ >= transfers_.size()) return;
    Transfer& t = *transfers_[next_++];
    start(t, all, [this, all] { start_next(all); });
  }

  void start(Transfer& t, ae::CondVar<> all, std::function<void()> then = nullptr) {
    all.begin();
    std::string method = s_.method.empty() ? (s_.head     ? "HEAD"
                                              : has_body_ ? "POST"
                                                          : "GET")
                                           : s_.method;
    ae::http::Options o;
    for (const auto& [name, value] : headers_) o.headers.add(name, value);
    if (!s_.user_agent.empty()) o.headers.set("User-Agent", s_.user_agent);
    if (has_body_) {
      o.body = body_;
      if (!o.headers.contains("Content-Type")) {
        o.headers.add("Content-Type", "application/x-www-form-urlencoded");
      }
    }
    if (!s_.compressed && !o.headers.contains("Accept-Encoding")) {
      o.headers.add("Accept-Encoding", "");  // not asked for, decoded when sent anyway
    }
    o.recurse = s_.follow ? static_cast<int>(s_.max_redirs) : 0;
    if (s_.max_time > 0) o.total_timeout = s_.max_time;
    if (s_.connect_timeout > 0) o.connect_timeout = s_.connect_timeout;
    if (s_.proxy_given) o.proxy = s_.proxy;
    if (tls_) o.tls = tls_;
    o.persistent = true;
    if (s_.verbose) {
      o.on_request = [](std::string_view head) { verbose_lines('>', head); };
    }
    const bool show_headers = s_.include || s_.head;
    const bool bar =
        !s_.silent && !s_.verbose && ::isatty(2) && ::isatty(1) && !t.sink->to_terminal();
    o.on_header = [this, &t, show_headers, bar](const ae::http::Response& hdr) {
      for (const ae::http::Response* hop : hops_of(hdr)) {
        if (s_.verbose) verbose_lines('<', header_block(*hop));
        if (show_headers && !t.sink->write(header_block(*hop))) return write_failed(t);
      }
      if (s_.verbose) verbose_lines('<', header_block(hdr));
      if (s_.fail && hdr.status >= 400) {
        t.http_error = true;
        return false;
      }
      if (show_headers && !t.sink->write(header_block(hdr))) return write_failed(t);
      if (!t.sink->open()) return write_failed(t);
      if (bar) t.progress.start(remote_name(t.url));
      return true;
    };
    o.on_body = [this, &t, bar](std::string_view piece, const ae::http::Response& hdr) {
      t.received += piece.size();
      if (bar) {
        std::optional<std::uint64_t> total;
        if (auto cl = hdr.headers.get("Content-Length"))
          total = std::strtoull(std::string(*cl).c_str(), nullptr, 10);
        t.progress.update(t.received, total);
      }
      if (!t.sink->write(piece)) return write_failed(t);
      return true;
    };
    const bool via_proxy = s_.proxy_given ? !s_.proxy.empty() : false;
    t.request = ae::http::request(
        method, t.url, std::move(o),
        [this, &t, all, then, via_proxy](std::string, ae::http::Response hdr) mutable {
          t.progress.finish();
          t.done = true;
          finish(t, hdr, via_proxy);
          if (then) then();  // before end(): the next transfer keeps the count above zero
          all.end();
        });
  }

  bool write_failed(Transfer& t) {
    t.write_failed = true;
    return false;
  }

  void finish(Transfer& t, const ae::http::Response& hdr, bool via_proxy) {
    if (t.write_failed) {
      report(23, "Failure writing output: " + t.sink->error());
      t.status = 23;
      return;
    }
    if (t.http_error) {
      report(22, "The requested URL returned error: " +
                     std::to_string(hdr.orig_status.value_or(hdr.status)));
      t.status = 22;
      return;
    }
    if (!hdr.failed() && hdr.error != ae::http::Error::kProxyRefused) {
      if (s_.head && !s_.include && !hdr.headers.empty()) {
        // -I printed the headers already through on_header.
      }
      return;
    }
    t.status = exit_status(hdr, via_proxy);
    std::string why = hdr.failed() ? hdr.reason
                                   : "Received HTTP code " + std::to_string(hdr.status) +
                                         " from proxy after CONNECT";
    report(t.status, why);
  }

  void report(int code, const std::string& why) {
    if (s_.silent && !s_.show_error) return;
    std::fprintf(stderr, "ae-fetch: (%d) %s\n", code, for_terminal(why).c_str());
  }

  const Settings& s_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string body_;
  bool has_body_ = false;
  ae::tls::Context tls_;
  std::vector<std::unique_ptr<Transfer>> transfers_;
  std::size_t next_ = 0;
  int last_error_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args = expand_short_flags(argc, argv);
  std::vector<char*> argp;
  for (std::string& a : args) argp.push_back(a.data());

  Settings s;
  ae::examples::CommandLine cli("ae-fetch", kUsage);
  cli.text({"-X", "--request"}, &s.method);
  cli.texts({"-H", "--header"}, &s.headers);
  cli.texts({"-d", "--data"}, &s.data);
  cli.texts({"--data-binary"}, &s.data_binary);
  cli.texts({"-o", "--output"}, &s.outputs);
  cli.flag({"-O", "--remote-name"}, &s.remote_name);
  cli.flag({"-L", "--location"}, &s.follow);
  cli.number({"--max-redirs"}, &s.max_redirs, 0, 1000);
  cli.flag({"-I", "--head"}, &s.head);
  cli.flag({"-i", "--include"}, &s.include);
  cli.flag({"-k", "--insecure"}, &s.insecure);
  cli.text({"--cacert"}, &s.cacert);
  cli.flag({"-v", "--verbose"}, &s.verbose);
  cli.flag({"--compressed"}, &s.compressed);
  std::vector<std::string> proxies;
  cli.texts({"-x", "--proxy"}, &proxies);
  cli.number({"-m", "--max-time"}, &s.max_time, 0, 1e9);
  cli.number({"--connect-timeout"}, &s.connect_timeout, 0, 1e9);
  cli.flag({"-Z", "--parallel"}, &s.parallel);
  cli.number({"--parallel-max"}, &s.parallel_max, 1, 10000);
  cli.flag({"-s", "--silent"}, &s.silent);
  cli.flag({"-S", "--show-error"}, &s.show_error);
  cli.flag({"-f", "--fail"}, &s.fail);
  cli.text({"-A", "--user-agent"}, &s.user_agent);
  auto positional = [&](std::string_view arg, std::string*) {
    s.urls.emplace_back(arg);
    return true;
  };
  if (auto status = cli.parse(static_cast<int>(argp.size()), argp.data(), positional)) {
    return *status;
  }
  if (s.urls.empty()) return cli.usage_error("no URL given");
  if (!proxies.empty()) {
    s.proxy = proxies.back();
    s.proxy_given = true;
  }
  if (!s.method.empty() && !ae::http::is_token(s.method)) {
    return cli.usage_error("bad method \"" + s.method + "\"");
  }

  Fetcher fetcher(s);
  if (std::string why = fetcher.prepare(); !why.empty()) {
    if (!s.silent || s.show_error) std::fprintf(stderr, "ae-fetch: (26) %s\n", why.c_str());
    return why.starts_with("bad header") ? ae::examples::kExitUsage : 26;
  }
  return fetcher.run();
}
