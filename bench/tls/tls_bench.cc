// TLS handshakes per second and bulk throughput over loopback: ae's TLS client and server
// (bench/tls/tls_ae.cc, on the asio and uv backends) beside OpenSSL's own tools, `openssl s_time`
// and `openssl s_server` / `s_client`, with the same certificate, protocol, cipher suite and
// group, in one run.
//
//   bazel run --config=opt //bench/tls:tls_bench -- [--seconds 3] [--mbytes 256] [--runs 3]
//
// Handshakes: a client makes new full handshakes one after another for --seconds (s_time -new;
// the ae client likewise with no session cache) against a server; rate = handshakes / the
// client's wall time. Bulk: the server sends --mbytes MiB to one client over one connection and
// ends with close_notify (s_server reads them from a file on stdin, the ae server writes them
// from memory); rate = bytes / the client's wall time, process start included for every client.
// Every pairing runs --runs times, taking turns, and the table shows the median; CPU seconds of
// the client and the server processes come from wait4(). Each server runs in its own process, so
// client and server each may have one of the two cores.
#include <fcntl.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/common/driver.h"
#include "bench/common/measure.h"
#include "bench/common/result.h"
#include "tests/tls/support/pki.h"
#include "tests/tls/support/tls_test_util.h"

extern char** environ;

namespace {

using ae::bench::Fields;

constexpr const char* kSuite = "TLS_AES_128_GCM_SHA256";
constexpr const char* kGroup = "X25519";

struct Pki {
  std::string cert, key, ca;
};

// A measurement that took far too long: OpenSSL's s_client and s_server now and then deadlock
// with each other (seen about once in 30 transfers with the tools alone), so every measurement
// runs under a SIGALRM watchdog and is retried when it fires.
struct TimedOut : std::runtime_error {
  TimedOut() : std::runtime_error("timed out") {}
};

void on_alarm(int) {}  // only interrupts the blocking call

class Watchdog {
 public:
  explicit Watchdog(unsigned seconds) {
    struct sigaction sa {};
    sa.sa_handler = on_alarm;  // no SA_RESTART: wait4 and read return EINTR
    ::sigaction(SIGALRM, &sa, nullptr);
    ::alarm(seconds);
  }
  ~Watchdog() { ::alarm(0); }
};

// A child process: stdin from `stdin_path` ("" = a pipe kept open by us), stdout into a pipe
// (or /dev/null), stderr to /dev/null.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& stdin_path, bool capture) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (stdin_path.empty()) {
      int p[2];
      if (::pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
      posix_spawn_file_actions_adddup2(&fa, p[0], 0);
      stdin_keep_ = p[1];
      stdin_read_ = p[0];
    } else {
      posix_spawn_file_actions_addopen(&fa, 0, stdin_path.c_str(), O_RDONLY, 0);
    }
    if (capture) {
      int p[2];
      if (::pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
      posix_spawn_file_actions_adddup2(&fa, p[1], 1);
      out_ = p[0];
      out_write_ = p[1];
    } else {
      posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    }
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    start_ = ae::bench::seconds_now();
    if (posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0) {
      throw std::runtime_error("cannot start " + argv[0]);
    }
    posix_spawn_file_actions_destroy(&fa);
    if (stdin_read_ >= 0) ::close(stdin_read_);
    if (out_write_ >= 0) ::close(out_write_);
  }
  ~Child() {
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      while (::wait4(pid_, &status_, 0, &usage_) < 0 && errno == EINTR) {
      }
    }
    if (stdin_keep_ >= 0) ::close(stdin_keep_);
    if (out_ >= 0) ::close(out_);
  }

  // Reads stdout up to its end (or, with `line_only`, the first line).
  std::string read_output(bool line_only = false) {
    std::string text;
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(out_, buf, line_only ? 1 : sizeof buf);
      if (n < 0 && errno == EINTR) throw TimedOut();
      if (n <= 0) break;
      text.append(buf, static_cast<std::size_t>(n));
      if (line_only && text.back() == '\n') break;
    }
    return text;
  }
  // Waits for the exit; returns the wall seconds since the start.
  double wait() {
    if (::wait4(pid_, &status_, 0, &usage_) < 0) throw TimedOut();
    reaped_ = true;
    return ae::bench::seconds_now() - start_;
  }
  void stop() {
    ::kill(pid_, SIGTERM);
    wait();
  }
  bool exited() {
    if (!reaped_ && ::wait4(pid_, &status_, WNOHANG, &usage_) == pid_) reaped_ = true;
    return reaped_;
  }
  bool ok() const { return reaped_ && WIFEXITED(status_) && WEXITSTATUS(status_) == 0; }
  double cpu() const {
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return s(usage_.ru_utime) + s(usage_.ru_stime);
  }

 private:
  pid_t pid_ = -1;
  int stdin_keep_ = -1, stdin_read_ = -1, out_ = -1, out_write_ = -1;
  double start_ = 0;
  bool reaped_ = false;
  int status_ = 0;
  rusage usage_{};
};

// True once 127.0.0.1:port is in LISTEN state (read from /proc/net/tcp, so no connection is
// made: s_server -naccept 1 would spend its one connection on a probe).
bool listening(int port) {
  std::ifstream f("/proc/net/tcp");
  char want[32];
  std::snprintf(want, sizeof want, "0100007F:%04X", port);
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string slot, local, remote, state;
    in >> slot >> local >> remote >> state;
    if (local == want && state == "0A") return true;
  }
  return false;
}

// A server of one kind, started for one measurement.
struct Server {
  std::unique_ptr<Child> child;
  int port = 0;
};

Server start_openssl_server(const Pki& pki, const std::string& stdin_file, bool once) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    Server s;
    s.port = ae::testing::free_port();
    std::vector<std::string> argv = {
        "openssl",       "s_server", "-accept", "127.0.0.1:" + std::to_string(s.port),
        "-cert",         pki.cert,   "-key",    pki.key,
        "-ciphersuites", kSuite,     "-groups", kGroup,
        "-quiet"};
    if (once) argv.insert(argv.end(), {"-naccept", "1"});
    s.child = std::make_unique<Child>(argv, stdin_file, false);
    const double deadline = ae::bench::seconds_now() + 10;
    while (!listening(s.port) && !s.child->exited() && ae::bench::seconds_now() < deadline) {
      ::usleep(2000);  // polling the kernel's table with a deadline
    }
    if (listening(s.port)) return s;
  }
  throw std::runtime_error("openssl s_server did not start");
}

Server start_ae_server(const std::string& tls_ae, const std::string& model, const Pki& pki,
                       std::int64_t stream) {
  Server s;
  s.child = std::make_unique<Child>(
      std::vector<std::string>{tls_ae, "server", "--model", model, "--cert", pki.cert, "--key",
                               pki.key, "--stream", std::to_string(stream)},
      "/dev/null", true);
  std::string line = s.child->read_output(true);
  if (line.rfind("port ", 0) != 0) throw std::runtime_error("tls_ae server: " + line);
  s.port = std::stoi(line.substr(5));
  return s;
}

struct Pairing {
  std::string name;
  std::string client;  // "openssl" or an ae model
  std::string server;  // "openssl" or an ae model
};

// One handshake measurement.
Fields handshakes(const Pairing& p, const Pki& pki, const std::string& tls_ae, double seconds) {
  Server server = p.server == "openssl" ? start_openssl_server(pki, "", false)
                                        : start_ae_server(tls_ae, p.server, pki, 0);
  Fields row{{"name", p.name}};
  double count = 0;
  double wall = 0, client_cpu = 0;
  if (p.client == "openssl") {
    Child c({"openssl", "s_time", "-connect", "127.0.0.1:" + std::to_string(server.port), "-new",
             "-time", std::to_string(static_cast<int>(seconds)), "-ciphersuites", kSuite, "-CAfile",
             pki.ca},
            "/dev/null", true);
    std::string out = c.read_output();
    wall = c.wait();
    client_cpu = c.cpu();
    std::smatch m;
    if (!std::regex_search(out, m, std::regex("([0-9]+) connections in [0-9.]+s"))) {
      throw std::runtime_error("s_time: " + out);
    }
    count = std::stod(m[1].str());
  } else {
    Child c({tls_ae, "handshakes", "--model", p.client, "--port", std::to_string(server.port),
             "--ca", pki.ca, "--seconds", std::to_string(seconds)},
            "/dev/null", true);
    std::string out = c.read_output();
    wall = c.wait();
    client_cpu = c.cpu();
    auto fields = ae::bench::parse_result(out.substr(0, out.find('\n')));
    if (!fields) throw std::runtime_error("tls_ae handshakes: " + out);
    count = std::stod(fields->at("count"));
  }
  server.child->stop();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", count / wall);
  row["rate"] = buf;
  std::snprintf(buf, sizeof buf, "%.1f", client_cpu * 1e6 / count);
  row["client_us"] = buf;
  std::snprintf(buf, sizeof buf, "%.1f", server.child->cpu() * 1e6 / count);
  row["server_us"] = buf;
  return row;
}

// One bulk measurement.
Fields bulk(const Pairing& p, const Pki& pki, const std::string& tls_ae, std::int64_t bytes,
            const std::string& data_file) {
  Server server = p.server == "openssl" ? start_openssl_server(pki, data_file, true)
                                        : start_ae_server(tls_ae, p.server, pki, bytes);
  Fields row{{"name", p.name}};
  double wall = 0, client_cpu = 0;
  if (p.client == "openssl") {
    Child c({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(server.port),
             "-quiet", "-ciphersuites", kSuite, "-CAfile", pki.ca, "-verify_return_error",
             "-verify_hostname", "localhost"},
            "/dev/null", false);
    wall = c.wait();
    client_cpu = c.cpu();
    if (!c.ok()) throw std::runtime_error("s_client failed");
  } else {
    Child c({tls_ae, "bulk", "--model", p.client, "--port", std::to_string(server.port), "--ca",
             pki.ca, "--bytes", std::to_string(bytes)},
            "/dev/null", true);
    std::string out = c.read_output();
    wall = c.wait();
    client_cpu = c.cpu();
    if (!ae::bench::parse_result(out.substr(0, out.find('\n')))) {
      throw std::runtime_error("tls_ae bulk: " + out);
    }
  }
  if (p.server == "openssl") {
    server.child->wait();  // -naccept 1: it exits after the transfer
  } else {
    server.child->stop();
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", static_cast<double>(bytes) / (1 << 20) / wall);
  row["rate"] = buf;
  std::snprintf(buf, sizeof buf, "%.2f", client_cpu);
  row["client_cpu"] = buf;
  std::snprintf(buf, sizeof buf, "%.2f", server.child->cpu());
  row["server_cpu"] = buf;
  return row;
}

// The median of `key` over the runs of one pairing (all numeric keys), and the rate ratio.
std::vector<Fields> medians(const std::vector<std::vector<Fields>>& runs,
                            const std::vector<std::string>& keys) {
  std::vector<Fields> rows;
  for (const std::vector<Fields>& r : runs) rows.push_back(ae::bench::median_of_runs(r, keys));
  const double base = std::stod(rows.front().at("rate"));
  for (Fields& row : rows) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", std::stod(row.at("rate")) / base);
    row["ratio"] = buf;
  }
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    auto o = ae::bench::parse_options(argc, argv, {{"seconds", 3}, {"mbytes", 256}, {"runs", 3}},
                                      "usage: tls_bench [--seconds 3] [--mbytes 256] [--runs 3]");
    const double seconds = static_cast<double>(o["seconds"]);
    const std::int64_t bytes = o["mbytes"] << 20;
    const int runs = static_cast<int>(o["runs"]);
    const std::string tls_ae = ae::bench::sibling_program("tls_ae");

    char dir_template[] = "/tmp/ae-tls-bench-XXXXXX";
    const std::string dir = ::mkdtemp(dir_template);
    const ae::testing::Pki made(dir + "/pki");
    const Pki pki{made.server.cert_file, made.server.key_file, made.ca.cert_file};
    // The bulk data for s_server's stdin, in memory-backed /dev/shm when there is one.
    const std::string data_file =
        (::access("/dev/shm", W_OK) == 0 ? std::string("/dev/shm") : dir) + "/ae-tls-bench-data";
    {
      std::ofstream f(data_file, std::ios::binary | std::ios::trunc);
      std::string chunk(1 << 20, 'x');
      for (std::int64_t left = bytes; left > 0; left -= static_cast<std::int64_t>(chunk.size())) {
        f.write(chunk.data(),
                static_cast<std::streamsize>(std::min<std::int64_t>(left, chunk.size())));
      }
    }

    const std::vector<Pairing> hs = {
        {"s_time -> s_server", "openssl", "openssl"},
        {"s_time -> ae server asio", "openssl", "asio"},
        {"s_time -> ae server uv", "openssl", "uv"},
        {"ae client asio -> s_server", "asio", "openssl"},
        {"ae client uv -> s_server", "uv", "openssl"},
        {"ae client asio -> ae server asio", "asio", "asio"},
    };
    const std::vector<Pairing> bk = {
        {"s_client <- s_server", "openssl", "openssl"},
        {"s_client <- ae server asio", "openssl", "asio"},
        {"s_client <- ae server uv", "openssl", "uv"},
        {"ae client asio <- s_server", "asio", "openssl"},
        {"ae client uv <- s_server", "uv", "openssl"},
        {"ae client asio <- ae server asio", "asio", "asio"},
    };
    std::vector<std::vector<Fields>> hs_runs(hs.size()), bk_runs(bk.size());
    // Runs one measurement under the watchdog, again when it hangs (at most 3 times).
    int retries = 0;
    auto measure = [&](const std::function<Fields()>& f) {
      for (int attempt = 1;; ++attempt) {
        try {
          Watchdog watchdog(static_cast<unsigned>(seconds) + 60);
          return f();
        } catch (const TimedOut&) {
          ++retries;
          if (attempt == 3) throw std::runtime_error("a measurement hung three times");
        }
      }
    };
    for (int run = 0; run < runs; ++run) {  // taking turns
      for (std::size_t i = 0; i < hs.size(); ++i) {
        hs_runs[i].push_back(measure([&] { return handshakes(hs[i], pki, tls_ae, seconds); }));
      }
      for (std::size_t i = 0; i < bk.size(); ++i) {
        bk_runs[i].push_back(measure([&] { return bulk(bk[i], pki, tls_ae, bytes, data_file); }));
      }
    }
    ::unlink(data_file.c_str());
    std::filesystem::remove_all(dir);

    ae::bench::print_machine(stdout);
    std::printf("%s\n", OpenSSL_version(OPENSSL_VERSION));
    std::printf("\nTLS 1.3, %s, %s, EC P-256 certificate; every client verifies the chain\n",
                kSuite, kGroup);
    std::printf("\nnew handshakes, one after another for %.0f s, median of %d runs\n", seconds,
                runs);
    ae::bench::print_table(stdout,
                           {{"name", "pairing"},
                            {"rate", "handshakes/s"},
                            {"ratio", "x openssl"},
                            {"client_us", "client cpu us"},
                            {"server_us", "server cpu us"}},
                           medians(hs_runs, {"rate", "client_us", "server_us"}));
    std::printf("\none connection, %lld MiB from server to client, median of %d runs\n",
                static_cast<long long>(o["mbytes"]), runs);
    ae::bench::print_table(stdout,
                           {{"name", "pairing"},
                            {"rate", "MiB/s"},
                            {"ratio", "x openssl"},
                            {"client_cpu", "client cpu s"},
                            {"server_cpu", "server cpu s"}},
                           medians(bk_runs, {"rate", "client_cpu", "server_cpu"}));
    if (retries > 0) std::printf("\n%d measurement(s) hung and were run again\n", retries);
  });
}
