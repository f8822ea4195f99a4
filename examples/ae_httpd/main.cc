// ae-httpd: a static file server on ae::http::Server.
//
//   ae-httpd [--listen ADDR:PORT|unix/:PATH]... [--root DIR] [--list] [--tls CERT KEY]
//            [--threads N] [--fcgi ADDR:PORT|unix/:PATH] [--access-log FILE] [--quiet]
//
// Files under --root (default: the current directory) are served for GET and HEAD with their
// MIME type, Last-Modified/ETag (304 for If-None-Match / If-Modified-Since) and single byte
// ranges; a directory gets its index.html, or with --list a listing. Paths with "..", encoded
// dots or symbolic links leading out of the root are 404. Each response is logged in the common
// log format through //log (context "ae-httpd::access", on stdout or --access-log FILE).
// --fcgi also serves the same files to a web server over FastCGI (nginx's fastcgi_pass), by
// DOCUMENT_URI. SIGINT / SIGTERM shut down gracefully (5 s for requests in progress).
//
// It prints "listening on HOST:PORT" for each address once it serves. Exit status: 0 after a
// signal, 1 when it cannot listen or load the certificate, 2 for a bad command line.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "core/core.h"
#include "examples/common/cli.h"
#include "handle/handle.h"
#include "http/fcgi.h"
#include "http/server.h"
#include "http/static_files.h"
#include "log/log.h"
#include "socket/hostport.h"
#include "tls/tls.h"

namespace {

constexpr std::string_view kUsage =
    "usage: ae-httpd [--listen ADDR:PORT|unix/:PATH]... [--root DIR] [--list] [--tls CERT KEY]\n"
    "                [--threads N] [--fcgi ADDR:PORT|unix/:PATH] [--access-log FILE] [--quiet]\n"
    "\n"
    "Serves the files under DIR over HTTP/1.1.\n"
    "\n"
    "  --listen ADDR:PORT  where to listen (repeatable; default 127.0.0.1:8080, port 0 picks one)\n"
    "  --root DIR          the document root (default: the current directory)\n"
    "  --list              list directories that have no index.html\n"
    "  --tls CERT KEY      serve HTTPS with this certificate (PEM, chain after it) and key\n"
    "  --threads N         serve on N threads, each with its own SO_REUSEPORT listener\n"
    "  --fcgi ADDR:PORT    also serve the files over FastCGI on ADDR (for nginx's fastcgi_pass)\n"
    "  --access-log FILE   append the access log to FILE instead of stdout\n"
    "  -q, --quiet         no access log\n";

// "127.0.0.1 - - [04/Dec/2026:17:00:00 +0000] "GET / HTTP/1.1" 200 612": the common log format.
std::string access_line(const ae::http::ServerRequest& req, int status, std::uint64_t bytes) {
  char when[64];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  std::strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  std::string request = req.method() == "-" ? "-"
                                            : req.method() + " " + req.target() + " HTTP/" +
                                                  (req.version() == 10 ? "1.0" : "1.1");
  return req.peer_host() + " - - [" + when + "] \"" + ae::examples::printable(request) + "\" " +
         std::to_string(status) + " " + std::to_string(bytes);
}

// The FastCGI face of the same document root: GET and HEAD of files by DOCUMENT_URI.
void serve_fcgi_file(const std::string& root, ae::http::fcgi::Request& r) {
  std::string uri(r.param("DOCUMENT_URI"));
  if (uri.empty()) uri = std::string(r.param("SCRIPT_NAME")) + std::string(r.param("PATH_INFO"));
  char real[PATH_MAX];
  std::string full = root + uri;
  bool inside = uri.find("/../") == std::string::npos && !uri.ends_with("/..") &&
                ::realpath(full.c_str(), real) != nullptr &&
                (std::string(real) + "/").starts_with(root + "/");
  struct stat st {};
  if (inside && ::stat(real, &st) == 0 && S_ISDIR(st.st_mode)) {
    full = std::string(real) + "/index.html";
    inside = ::realpath(full.c_str(), real) != nullptr && std::string(real).starts_with(root + "/");
  }
  int fd = inside ? ::open(real, O_RDONLY | O_CLOEXEC) : -1;
  if (fd < 0 || ::fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) ::close(fd);
    r.send(
        "Status: 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n404 Not Found\n");
    r.done();
    return;
  }
  r.send("Status: 200 OK\r\nContent-Type: " + std::string(ae::http::mime_type(real)) +
         "\r\nContent-Length: " + std::to_string(st.st_size) + "\r\n\r\n");
  if (r.param("REQUEST_METHOD") != "HEAD") {
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) r.send(std::string_view(buf, n));
  }
  ::close(fd);
  r.done();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> listens;
  std::string root = ".";
  bool list = false;
  double threads = 1;
  std::string fcgi;
  std::string access_log;
  bool quiet = false;
  std::optional<std::pair<std::string, std::string>> tls;

  // --tls takes two values, which the shared parser does not do: take it out first.
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--tls") {
      if (i + 2 >= argc) {
        std::cerr << "ae-httpd: --tls needs CERT and KEY\n" << kUsage;
        return ae::examples::kExitUsage;
      }
      tls.emplace(argv[i + 1], argv[i + 2]);
      i += 2;
      continue;
    }
    args.push_back(argv[i]);
  }
  ae::examples::CommandLine cli("ae-httpd", kUsage);
  cli.texts({"--listen"}, &listens);
  cli.text({"--root"}, &root);
  cli.flag({"--list"}, &list);
  cli.number({"--threads"}, &threads, 1, 256);
  cli.text({"--fcgi"}, &fcgi);
  cli.text({"--access-log"}, &access_log);
  cli.flag({"-q", "--quiet"}, &quiet);
  if (auto status = cli.parse(static_cast<int>(args.size()), args.data())) return *status;
  if (listens.empty()) listens.push_back("127.0.0.1:8080");

  try {
    (void)ae::http::static_files(root);
  } catch (const std::invalid_argument& e) {
    return cli.usage_error(e.what());
  }

  ae::log::Context access = ae::log::ctx("ae-httpd::access");
  access.level(ae::log::Level(7));
  access.fmt_cb([](const ae::log::Message& m) { return std::string(m.text) + "\n"; });
  if (!access_log.empty()) {
    if (auto f = access.log_to_file(access_log); !f) {
      std::cerr << "ae-httpd: " << f.message() << "\n";
      return ae::examples::kExitFailure;
    }
  } else {
    access.log_cb([](std::string_view line, const ae::log::Message&) {
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fflush(stdout);
      return true;
    });
  }

  ae::FilterFactory tls_factory;
  if (tls) {
    ae::Result<ae::tls::Context> ctx = ae::tls::Context::create(
        {.cert_file = tls->first, .key_file = tls->second, .alpn = {"http/1.1"}});
    if (!ctx) {
      std::cerr << "ae-httpd: " << ctx.message() << "\n";
      return ae::examples::kExitFailure;
    }
    tls_factory = ae::tls::accept(*ctx);
  }

  std::vector<ae::http::Server> servers;
  for (const std::string& l : listens) {
    std::optional<ae::HostPort> hp = ae::parse_hostport(l);
    if (!hp) return cli.usage_error("cannot parse --listen " + l);
    ae::http::ServerOptions o;
    o.threads = static_cast<unsigned>(threads);
    if (tls_factory) {
      o.tls = [&tls_factory](ae::Handle& h) { return tls_factory(h); };
    }
    if (!quiet) {
      o.on_access = [access](const ae::http::ServerRequest& req, int status, std::uint64_t bytes) {
        access.log(ae::log::Level(7), access_line(req, status, bytes));
      };
    }
    ae::http::Router r;
    r.get("/*path", ae::http::static_files(root, {.list = list}));
    ae::Result<ae::http::Server> s =
        ae::http::Server::listen(hp->host, hp->service, std::move(r), std::move(o));
    if (!s) {
      std::cerr << "ae-httpd: " << s.message() << "\n";
      return ae::examples::kExitFailure;
    }
    std::cout << "listening on "
              << (hp->host == "unix/" ? "unix/:" + hp->service
                                      : ae::format_hostport(hp->host, std::to_string(s->port())))
              << std::endl;
    servers.push_back(std::move(*s));
  }

  std::optional<ae::http::fcgi::Server> fcgi_server;
  if (!fcgi.empty()) {
    std::optional<ae::HostPort> hp = ae::parse_hostport(fcgi);
    if (!hp) return cli.usage_error("cannot parse --fcgi " + fcgi);
    char real_root[PATH_MAX];
    std::string abs_root = ::realpath(root.c_str(), real_root) ? real_root : root;
    ae::Result<ae::http::fcgi::Server> f = ae::http::fcgi::Server::listen(
        hp->host, hp->service,
        {.on_request = [abs_root](ae::http::fcgi::Request& r) { serve_fcgi_file(abs_root, r); }});
    if (!f) {
      std::cerr << "ae-httpd: " << f.message() << "\n";
      return ae::examples::kExitFailure;
    }
    std::cout << "fastcgi on "
              << (hp->host == "unix/" ? "unix/:" + hp->service
                                      : ae::format_hostport(hp->host, std::to_string(f->port())))
              << std::endl;
    fcgi_server.emplace(std::move(*f));
  }

  ae::CondVar<> stopped;
  auto stop = [&] {
    if (fcgi_server) fcgi_server->close();
    auto left = std::make_shared<std::size_t>(servers.size());
    for (ae::http::Server& s : servers) {
      s.shutdown(5, [&stopped, left] {
        if (--*left == 0) stopped.send();
      });
    }
  };
  ae::Signal int_watch = ae::signal("INT", stop);
  ae::Signal term_watch = ae::signal("TERM", stop);
  stopped.recv();
  return 0;
}
