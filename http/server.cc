// ae::http::Server: listeners, the loops of a multi-threaded server, graceful shutdown.
#include "http/server.h"

#include <unistd.h>

#include <cmath>
#include <ctime>
#include <future>
#include <stdexcept>
#include <utility>

#include "core/loop.h"
#include "http/internal/server_impl.h"

namespace ae::http_internal {

void Worker::accept(int fd, const std::string& host, std::uint16_t port, Guard slot) {
  if (shutting_down) {
    ::close(fd);
    return;
  }
  auto c = std::make_shared<HttpConnection>(*this, fd, host, port, std::move(slot));
  connections.emplace(c.get(), c);
  c->start();
}

void Worker::remove(HttpConnection& c) {
  connections.erase(&c);
  check_shutdown_done();
}

void Worker::check_shutdown_done() {
  if (!shutting_down || !connections.empty() || !shutdown_done) return;
  shutdown_timer = Timer();
  postpone([done = std::move(shutdown_done)]() mutable { done(); });
  shutdown_done = nullptr;
}

void Worker::shutdown(double deadline_seconds, Function<void()> done) {
  if (shutting_down) {
    if (done) postpone(std::move(done));
    return;
  }
  shutting_down = true;
  shutdown_done = std::move(done);
  listener.close();
  std::vector<std::shared_ptr<HttpConnection>> all;
  for (auto& [ptr, c] : connections) all.push_back(c);
  for (auto& c : all) {
    if (c->phase == HttpConnection::Phase::kIdle) {
      c->close();
    } else {
      c->close_after = true;
    }
  }
  if (!connections.empty()) {
    shutdown_timer = timer(deadline_seconds, [this] {
      auto pin = shared_from_this();
      std::vector<std::shared_ptr<HttpConnection>> rest;
      for (auto& [ptr, c] : connections) rest.push_back(c);
      for (auto& c : rest) c->close(/*drop_unsent=*/true);
    });
  }
  check_shutdown_done();
}

void Worker::close_all() noexcept {
  listener.close();
  shutdown_timer = Timer();
  std::vector<std::shared_ptr<HttpConnection>> all;
  for (auto& [ptr, c] : connections) all.push_back(c);
  for (auto& c : all) c->close();
}

const std::string& Worker::date() {
  double t = ae::now();
  auto second = static_cast<std::int64_t>(std::floor(t));
  if (second != date_second) {
    date_second = second;
    std::time_t tt = static_cast<std::time_t>(second);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                  tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    date_value = buf;
  }
  return date_value;
}

namespace {

Result<TcpServer> listen_worker(const std::shared_ptr<Worker>& w, std::string_view host,
                                std::string_view service, bool reuse_port) {
  std::weak_ptr<Worker> weak = w;
  int backlog = w->shared->options.backlog;
  return tcp_server(
      host, service,
      CountedAcceptCallback([weak](int fd, const std::string& h, std::uint16_t p, Guard slot) {
        if (std::shared_ptr<Worker> worker = weak.lock()) {
          worker->accept(fd, h, p, std::move(slot));
        } else {
          ::close(fd);
        }
      }),
      [backlog](int, const std::string&, std::uint16_t) { return backlog; },
      ServerSocketOptions{.reuse_port = reuse_port,
                          .max_connections = w->shared->options.max_connections});
}

}  // namespace
}  // namespace ae::http_internal

namespace ae::http {

using http_internal::HttpServerImpl;
using http_internal::Worker;
using http_internal::WorkerThread;

Result<Server> Server::listen(std::string_view host, std::string_view service, Router router,
                              ServerOptions options) {
  if (router.empty()) throw std::invalid_argument("ae::http::Server: the router has no route");
  auto shared = std::make_shared<http_internal::ServerShared>();
  shared->router = std::move(router);
  shared->options = std::move(options);
  unsigned threads = std::max(1u, shared->options.threads);
  bool reuse_port = threads > 1 && host != "unix/";
  if (host == "unix/") threads = 1;

  Server server;
  server.impl_ = std::make_shared<HttpServerImpl>();
  server.impl_->shared = shared;
  server.impl_->main = std::make_shared<Worker>(shared);
  Result<TcpServer> listener =
      http_internal::listen_worker(server.impl_->main, host, service, reuse_port);
  if (!listener) return listener.error();
  server.impl_->main->listener = std::move(*listener);
  std::string port = std::to_string(server.impl_->main->listener.port());

  for (unsigned i = 1; i < threads; ++i) {
    auto t = std::make_unique<WorkerThread>();
    std::promise<std::optional<Error>> started;
    std::future<std::optional<Error>> ready = started.get_future();
    WorkerThread* raw = t.get();
    std::string host_copy(host);
    t->thread = std::thread([raw, shared, host_copy, port, &started] {
      Loop loop;
      Loop::Scope scope(loop);
      raw->loop = &loop;
      raw->worker = std::make_shared<Worker>(shared);
      Result<TcpServer> l = http_internal::listen_worker(raw->worker, host_copy, port, true);
      if (!l) {
        started.set_value(l.error());
        raw->worker.reset();
        return;
      }
      raw->worker->listener = std::move(*l);
      started.set_value(std::nullopt);
      // Keeps the loop running (even once shut down, with nothing to watch) until close()
      // stops it: other threads post to it until then.
      Timer keep_alive = timer(3600, 3600, [] {});
      loop.run();
      raw->worker.reset();
    });
    std::optional<Error> error = ready.get();
    if (error) {
      t->thread.join();
      server.close();
      return *error;
    }
    server.impl_->extra.push_back(std::move(t));
  }
  return server;
}

Server::Server(Server&&) noexcept = default;
Server& Server::operator=(Server&& other) noexcept {
  if (this != &other) {
    close();
    impl_ = std::move(other.impl_);
  }
  return *this;
}
Server::~Server() { close(); }

std::uint16_t Server::port() const noexcept { return impl_ ? impl_->main->listener.port() : 0; }

std::size_t Server::connections() const noexcept {
  if (!impl_) return 0;
  std::size_t n = impl_->main->connections.size();
  for (const auto& t : impl_->extra) {
    std::promise<std::size_t> count;
    std::future<std::size_t> f = count.get_future();
    t->loop->post([&] { count.set_value(t->worker ? t->worker->connections.size() : 0); });
    n += f.get();
  }
  return n;
}

void Server::shutdown(double deadline, Function<void()> done) {
  if (!impl_) {
    if (done) postpone(std::move(done));
    return;
  }
  // Each loop shuts down on its own; `done` runs on this loop once all of them finished.
  auto remaining = std::make_shared<std::size_t>(1 + impl_->extra.size());
  auto shared_done = std::make_shared<Function<void()>>(std::move(done));
  Loop& home = Loop::current();
  auto one_finished = [remaining, shared_done] {
    if (--*remaining == 0 && *shared_done) (*shared_done)();
  };
  for (const auto& t : impl_->extra) {
    t->loop->post([w = t->worker, deadline, &home, one_finished]() mutable {
      if (!w) {
        home.post(one_finished);
        return;
      }
      w->shutdown(deadline, [&home, one_finished]() mutable { home.post(one_finished); });
    });
  }
  impl_->main->shutdown(deadline, one_finished);
}

void Server::close() noexcept {
  if (!impl_) return;
  impl_->main->close_all();
  for (const auto& t : impl_->extra) {
    t->loop->post([raw = t.get()] {
      if (raw->worker) raw->worker->close_all();
      raw->loop->stop();
    });
    t->thread.join();
  }
  impl_.reset();
}

}  // namespace ae::http
