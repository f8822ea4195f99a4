// The ae side of the TLS benchmark (bench/tls/tls_bench.cc runs it): an ae::Handle TLS server,
// a client that makes new handshakes one after another, and a client that receives one bulk
// transfer; each on the backend named by --model.
//
//   tls_ae server     --model M --cert FILE --key FILE [--stream BYTES]
//   tls_ae handshakes --model M --port P --ca FILE --seconds S
//   tls_ae bulk       --model M --port P --ca FILE --bytes N
//
// The server prints "port N" once it listens and runs until SIGTERM; every connection completes
// its handshake and is read until the client goes, or with --stream gets BYTES of data and then
// close_notify. The clients print one result line (bench/common/result.h). All of them use TLS
// 1.3 with TLS_AES_128_GCM_SHA256 and X25519, as the OpenSSL tools in the same run do; the
// clients verify the chain and the name "localhost", and keep no session cache (s_time -new).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <list>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/common/measure.h"
#include "bench/common/result.h"
#include "core/condvar.h"
#include "core/loop.h"
#include "handle/handle.h"
#include "socket/socket.h"
#include "tls/tls.h"

namespace {

constexpr const char* kSuite = "TLS_AES_128_GCM_SHA256";
constexpr const char* kGroup = "X25519";
constexpr std::size_t kChunk = 1 << 20;

std::string option(const std::vector<std::string>& args, const std::string& name,
                   const std::string& fallback = {}) {
  for (std::size_t i = 1; i + 1 < args.size(); ++i) {
    if (args[i] == name) return args[i + 1];
  }
  if (fallback.empty()) throw std::invalid_argument("tls_ae: " + name + " is required");
  return fallback;
}

ae::tls::Context context(ae::tls::ContextOptions o) {
  o.min_version = ae::tls::Version::kTls1_3;
  o.ciphersuites = kSuite;
  o.groups = kGroup;
  ae::Result<ae::tls::Context> c = ae::tls::Context::create(std::move(o));
  if (!c) throw std::runtime_error("tls_ae: " + c.message());
  return *c;
}

void serve(const std::vector<std::string>& args) {
  ae::tls::Context ctx =
      context({.cert_file = option(args, "--cert"), .key_file = option(args, "--key")});
  const std::uint64_t stream = std::stoull(option(args, "--stream", "0"));
  const std::string chunk(kChunk, 'x');
  std::list<ae::Handle> conns;
  ae::Result<ae::TcpServer> server =
      ae::tcp_server("127.0.0.1", "0", [&](int fd, const std::string&, std::uint16_t) {
        auto it = conns.emplace(
            conns.end(), fd,
            ae::Handle::Options{.low_water_mark = kChunk / 2, .tls = ae::tls::accept(ctx)});
        auto drop = [&conns, it] { conns.erase(it); };
        it->on_error([drop](ae::Handle&, bool fatal, std::error_code, std::string_view) {
          if (fatal) drop();
        });
        it->on_eof([drop](ae::Handle&) { drop(); });
        it->on_read([](ae::Handle& h) { h.rbuf().clear(); });
        if (stream > 0) {
          auto left = std::make_shared<std::uint64_t>(stream);
          it->on_drain([left, &chunk](ae::Handle& h) {
            std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(*left, kChunk));
            h.push_write(std::string_view(chunk).substr(0, n));
            *left -= n;
            if (*left == 0) h.push_shutdown();  // close_notify after the last byte
          });
        }
      });
  if (!server) throw std::runtime_error("tls_ae: " + server.message());
  ae::CondVar<> quit;
  ae::Signal term = ae::signal(SIGTERM, [&] { quit.send(); });
  std::printf("port %u\n", server->port());
  std::fflush(stdout);
  quit.recv();
}

void handshakes(const std::vector<std::string>& args) {
  ae::tls::Context ctx = context({.ca_file = option(args, "--ca"), .session_cache = false});
  const std::string port = option(args, "--port");
  const double seconds = std::stod(option(args, "--seconds"));
  std::int64_t count = 0, failures = 0;
  std::string last_error;
  ae::CondVar<> done;
  std::unique_ptr<ae::Handle> h;
  const double t0 = ae::bench::seconds_now(), c0 = ae::bench::cpu_seconds_now();
  std::function<void()> next = [&] {
    if (ae::bench::seconds_now() - t0 >= seconds) return done.send();
    h = std::make_unique<ae::Handle>(
        "127.0.0.1", port,
        ae::Handle::Options{
            .on_connect_error =
                [&](ae::Handle&, std::error_code, std::string_view m) {
                  last_error = m;
                  ++failures;
                  ae::postpone([&] { next(); });
                },
            .on_error =
                [&](ae::Handle&, bool, std::error_code, std::string_view m) {
                  last_error = m;
                  ++failures;
                  ae::postpone([&] { next(); });
                },
            .peername = "localhost",
            .tls = ae::tls::connect(ctx),
            .on_starttls =
                [&](ae::Handle&, bool ok, std::error_code, std::string_view m) {
                  if (ok) {
                    ++count;
                  } else {
                    last_error = m;
                    ++failures;
                  }
                  ae::postpone([&] { next(); });  // this Handle goes when the next one replaces it
                },
        });
  };
  next();
  done.recv();
  h.reset();
  const double wall = ae::bench::seconds_now() - t0, cpu = ae::bench::cpu_seconds_now() - c0;
  if (failures > count) throw std::runtime_error("tls_ae: handshakes failed: " + last_error);
  ae::bench::Result r;
  r.set("count", count).set("failures", failures).set("seconds", wall, 3).set("cpu", cpu, 3);
  r.print();
}

void bulk(const std::vector<std::string>& args) {
  ae::tls::Context ctx = context({.ca_file = option(args, "--ca"), .session_cache = false});
  const std::uint64_t expected = std::stoull(option(args, "--bytes"));
  std::uint64_t got = 0;
  ae::CondVar<std::string> done;
  const double t0 = ae::bench::seconds_now(), c0 = ae::bench::cpu_seconds_now();
  ae::Handle h("127.0.0.1", option(args, "--port"),
               {.on_connect_error = [&](ae::Handle&, std::error_code,
                                        std::string_view m) { done.send(std::string(m)); },
                .on_error = [&](ae::Handle&, bool, std::error_code,
                                std::string_view m) { done.send(std::string(m)); },
                .on_read =
                    [&](ae::Handle& h) {
                      got += h.rbuf().size();
                      h.rbuf().clear();
                    },
                .on_eof = [&](ae::Handle&) { done.send(""); },
                .peername = "localhost",
                .tls = ae::tls::connect(ctx)});
  std::string error = done.recv();
  const double wall = ae::bench::seconds_now() - t0, cpu = ae::bench::cpu_seconds_now() - c0;
  if (!error.empty()) throw std::runtime_error("tls_ae: " + error);
  if (got != expected) {
    throw std::runtime_error("tls_ae: received " + std::to_string(got) + " of " +
                             std::to_string(expected) + " bytes");
  }
  ae::bench::Result r;
  r.set("bytes", static_cast<std::int64_t>(got)).set("seconds", wall, 3).set("cpu", cpu, 3);
  r.print();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return ae::bench::guarded_main([&] {
    if (args.size() < 2) throw std::invalid_argument("usage: tls_ae server|handshakes|bulk ...");
    ae::Loop loop(ae::make_backend(option(args, "--model")));
    ae::Loop::Scope scope(loop);
    if (args[1] == "server") {
      serve(args);
    } else if (args[1] == "handshakes") {
      handshakes(args);
    } else if (args[1] == "bulk") {
      bulk(args);
    } else {
      throw std::invalid_argument("tls_ae: unknown mode " + args[1]);
    }
  });
}
