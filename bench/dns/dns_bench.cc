// DNS lookups per second against a local nsd: ae::dns (on the asio and uv backends) beside
// c-ares driven directly by its own epoll + ares_process_fd loop, in one run.
//
//   bazel run --config=opt //bench/dns:dns_bench -- [--names 10000] [--window 100] [--rounds 5]
//
// The program starts nsd itself (a zone with --names A records on 127.0.0.1) and stops it at the
// end. Every implementation looks up each name once, keeping --window queries on the wire (a
// new one starts as each answer arrives), and checks every answer. Rounds take turns (every
// implementation once, then again...), so load changes touch all of them alike; the table
// shows the median of the rounds. ae's cache is off, so every lookup is a real query.
// "ae queued" hands all names to the resolver at once and lets max_outstanding = --window keep
// the window (AnyEvent's way).
#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/common/driver.h"
#include "bench/common/result.h"
#include "core/backend.h"
#include "core/condvar.h"
#include "core/loop.h"
#include "dns/resolver.h"
#include "tests/dns/support/nsd_server.h"
#include "tests/dns/support/test_zones.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Workload {
  std::vector<std::string> names;
  std::vector<std::uint32_t> addresses;  // host order, the answer each name must get
  ae::SocketAddress server;
  int window = 100;
};

struct Outcome {
  double seconds = 0;
  int wrong = 0;
};

std::uint32_t bulk_address(int i) { return 10u << 24 | static_cast<std::uint32_t>(i); }

// ---- c-ares with its own loop ------------------------------------------------------------------

class RawCares {
 public:
  explicit RawCares(const Workload& w) : w_(w), pending_(w.names.size()) {
    ep_ = ::epoll_create1(EPOLL_CLOEXEC);
    ares_options o{};
    o.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
    o.timeout = 2000;
    o.tries = 1;
    o.ndots = 1;
    o.ndomains = 0;
    char lookups[] = "b";
    o.lookups = lookups;
    char no_file[] = "/dev/null";
    o.resolvconf_path = no_file;
    o.sock_state_cb = &RawCares::sock_state;
    o.sock_state_cb_data = this;
    int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_NDOTS |
               ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS | ARES_OPT_SOCK_STATE_CB | ARES_OPT_NOROTATE |
               ARES_OPT_RESOLVCONF;
    if (::ares_init_options(&channel_, &o, mask) != ARES_SUCCESS) throw std::runtime_error("ares");
    ares_addr_port_node server{};
    server.family = AF_INET;
    std::memcpy(&server.addr.addr4, &reinterpret_cast<const sockaddr_in*>(w.server.get())->sin_addr,
                4);
    server.udp_port = server.tcp_port = w.server.port();
    ::ares_set_servers_ports(channel_, &server);
  }
  ~RawCares() {
    ::ares_destroy(channel_);
    ::close(ep_);
  }

  Outcome run() {
    auto start = Clock::now();
    for (int i = 0; i < w_.window && next_ < static_cast<int>(w_.names.size()); ++i) send_next();
    epoll_event events[64];
    while (done_ < static_cast<int>(w_.names.size())) {
      timeval max{1, 0};
      timeval tv{};
      timeval* t = ::ares_timeout(channel_, &max, &tv);
      int ms = static_cast<int>(t->tv_sec * 1000 + t->tv_usec / 1000) + 1;
      int n = ::epoll_wait(ep_, events, 64, ms);
      if (n <= 0) ::ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      for (int i = 0; i < n; ++i) {
        int fd = events[i].data.fd;
        ::ares_process_fd(
            channel_, (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) ? fd : ARES_SOCKET_BAD,
            (events[i].events & EPOLLOUT) ? fd : ARES_SOCKET_BAD);
      }
    }
    return {std::chrono::duration<double>(Clock::now() - start).count(), wrong_};
  }

 private:
  struct Pending {
    RawCares* self;
    int index;
  };

  void send_next() {
    auto i = static_cast<std::size_t>(next_++);
    pending_[i] = Pending{this, static_cast<int>(i)};
    ::ares_query(channel_, w_.names[i].c_str(), ns_c_in, ns_t_a, &RawCares::on_answer,
                 &pending_[i]);
  }

  static void on_answer(void* arg, int status, int, unsigned char* abuf, int alen) {
    auto* p = static_cast<Pending*>(arg);
    RawCares* self = p->self;
    int i = p->index;
    ares_addrttl addrs[4];
    int count = 4;
    bool ok = status == ARES_SUCCESS &&
              ::ares_parse_a_reply(abuf, alen, nullptr, addrs, &count) == ARES_SUCCESS &&
              count == 1 &&
              ntohl(addrs[0].ipaddr.s_addr) == self->w_.addresses[static_cast<std::size_t>(i)];
    if (!ok) ++self->wrong_;
    ++self->done_;
    if (self->next_ < static_cast<int>(self->w_.names.size())) self->send_next();
  }

  static void sock_state(void* data, ares_socket_t fd, int readable, int writable) {
    auto* self = static_cast<RawCares*>(data);
    epoll_event ev{};
    ev.data.fd = fd;
    ev.events = (readable ? EPOLLIN : 0u) | (writable ? EPOLLOUT : 0u);
    bool known = std::find(self->fds_.begin(), self->fds_.end(), fd) != self->fds_.end();
    if (!readable && !writable) {
      if (known) {
        ::epoll_ctl(self->ep_, EPOLL_CTL_DEL, fd, nullptr);
        std::erase(self->fds_, fd);
      }
    } else if (known) {
      ::epoll_ctl(self->ep_, EPOLL_CTL_MOD, fd, &ev);
    } else {
      ::epoll_ctl(self->ep_, EPOLL_CTL_ADD, fd, &ev);
      self->fds_.push_back(fd);
    }
  }

  const Workload& w_;
  int ep_ = -1;
  ares_channel channel_ = nullptr;
  std::vector<int> fds_;
  std::vector<Pending> pending_;  // one per name, so each query's arg stays put
  int next_ = 0;
  int done_ = 0;
  int wrong_ = 0;
};

Outcome run_cares(const Workload& w) {
  RawCares raw(w);
  return raw.run();
}

// ---- ae::dns -----------------------------------------------------------------------------------

bool right(const Workload& w, std::size_t i, std::error_code ec,
           const std::vector<ae::dns::Record>& rr) {
  if (ec || rr.size() != 1) return false;
  const ae::dns::Address* a = rr[0].as<ae::dns::Address>();
  return a != nullptr && a->family() == AF_INET &&
         ntohl(reinterpret_cast<const sockaddr_in*>(a->get())->sin_addr.s_addr) == w.addresses[i];
}

Outcome run_ae(const Workload& w, const char* backend, bool queued) {
  ae::Loop loop(ae::make_backend(backend));
  ae::Loop::Scope scope(loop);
  ae::dns::Options o;
  o.servers = {w.server};
  o.timeouts = {2};
  o.cache_size = 0;
  o.max_outstanding = static_cast<std::size_t>(w.window);
  ae::dns::Resolver resolver(o);
  std::size_t n = w.names.size();
  std::vector<ae::Guard> guards(n);
  std::size_t next = 0;
  std::size_t done = 0;
  int wrong = 0;
  ae::CondVar<> finished;
  ae::Function<void()> send_next;
  send_next = [&] {
    std::size_t i = next++;
    guards[i] = resolver.a(w.names[i], [&, i](std::error_code ec, std::vector<ae::dns::Record> rr) {
      if (!right(w, i, ec, rr)) ++wrong;
      if (++done == n) finished.send();
      if (!queued && next < n) send_next();
    });
  };
  auto start = Clock::now();
  std::size_t first = queued ? n : std::min<std::size_t>(static_cast<std::size_t>(w.window), n);
  for (std::size_t i = 0; i < first; ++i) send_next();
  finished.recv();
  return {std::chrono::duration<double>(Clock::now() - start).count(), wrong};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    auto opt = ae::bench::parse_options(
        argc, argv, {{"names", 10000}, {"window", 100}, {"rounds", 5}, {"only", 0}},
        "usage: dns_bench [--names N] [--window W] [--rounds R] [--only I]\n"
        "  --only I: run only the I-th implementation (1: c-ares, 2: ae asio, 3: ae uv,\n"
        "            4: ae asio queued), e.g. under perf or strace\n");
    int names = static_cast<int>(opt["names"]);
    if (names > 1 << 24) throw std::invalid_argument("--names: at most 16777216");

    std::string error;
    auto nsd = ae::dns_test::NsdServer::start({ae::dns_test::bulk_zone(names)}, &error);
    if (!nsd) throw std::runtime_error("cannot start nsd: " + error);

    Workload w;
    w.server = nsd->v4();
    w.window = static_cast<int>(opt["window"]);
    for (int i = 0; i < names; ++i) {
      w.names.push_back("n" + std::to_string(i) + ".bulk.test");
      w.addresses.push_back(bulk_address(i));
    }

    struct Impl {
      std::string name;
      std::function<Outcome()> run;
      std::vector<double> seconds;
      int wrong = 0;
    };
    std::vector<Impl> impls;
    impls.push_back({"c-ares (own epoll loop)", [&] { return run_cares(w); }, {}, 0});
    impls.push_back({"ae asio", [&] { return run_ae(w, "asio", false); }, {}, 0});
    impls.push_back({"ae uv", [&] { return run_ae(w, "uv", false); }, {}, 0});
    impls.push_back({"ae asio queued", [&] { return run_ae(w, "asio", true); }, {}, 0});

    if (std::int64_t only = opt["only"]; only > 0) {
      if (only > static_cast<std::int64_t>(impls.size())) throw std::invalid_argument("--only");
      impls = {impls[static_cast<std::size_t>(only - 1)]};
    }
    for (auto& impl : impls) impl.run();  // warm-up: sockets, nsd's caches, allocator
    for (int round = 0; round < opt["rounds"]; ++round) {
      for (auto& impl : impls) {
        Outcome o = impl.run();
        impl.seconds.push_back(o.seconds);
        impl.wrong += o.wrong;
      }
    }

    ae::bench::print_machine(stdout);
    std::printf("\n%d names, window %d, %lld rounds (median), nsd on 127.0.0.1\n\n", names,
                w.window, static_cast<long long>(opt["rounds"]));
    std::printf("%-26s %12s %10s %8s %6s\n", "implementation", "queries/s", "ms", "ratio", "wrong");
    double base = names / median(impls[0].seconds);  // c-ares, unless --only
    for (auto& impl : impls) {
      double qps = names / median(impl.seconds);
      std::printf("%-26s %12.0f %10.1f %8.2f %6d\n", impl.name.c_str(), qps,
                  median(impl.seconds) * 1000, qps / base, impl.wrong);
      ae::bench::Result r;
      r.set("name", impl.name).set("qps", qps, 0).set("ratio", qps / base, 2);
      r.set("wrong", static_cast<std::int64_t>(impl.wrong));
      r.print();
    }
  });
}
