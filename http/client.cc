#include "http/client.h"

#include <stdexcept>
#include <utility>

#include "core/condvar.h"
#include "core/loop.h"
#include "http/internal/exchange.h"
#include "http/internal/pool.h"

namespace ae::http {

using client_internal::Exchange;
using client_internal::pool_for;

// ---- BodyWriter ---------------------------------------------------------------------------------

void BodyWriter::write(std::string_view bytes) {
  if (std::shared_ptr<Exchange> e = exchange_.lock()) e->body_write(bytes);
}

void BodyWriter::end(const Headers& trailers) {
  if (std::shared_ptr<Exchange> e = exchange_.lock()) e->body_end(trailers);
}

void BodyWriter::fail(std::string why) {
  if (std::shared_ptr<Exchange> e = exchange_.lock()) e->body_fail(std::move(why));
}

std::size_t BodyWriter::pending() const noexcept {
  std::shared_ptr<Exchange> e = exchange_.lock();
  return e ? e->body_pending() : 0;
}

// ---- Request ------------------------------------------------------------------------------------

Request& Request::operator=(Request&& other) noexcept {
  if (this != &other) {
    reset();
    exchange_ = std::move(other.exchange_);
  }
  return *this;
}

Request::~Request() { reset(); }

void Request::cancel() {
  if (exchange_) exchange_->cancel_with_callback();
}

void Request::reset() {
  if (std::shared_ptr<Exchange> e = std::move(exchange_)) e->cancel_silently();
}

void Request::detach() noexcept { exchange_.reset(); }

bool Request::active() const noexcept { return exchange_ && !exchange_->finished(); }

Request request(std::string_view method, std::string_view url, Options options,
                ResponseCallback cb) {
  if (!cb) throw std::invalid_argument("ae::http::request: the callback is empty");
  auto exchange =
      std::make_shared<Exchange>(method, std::string(url), std::move(options), std::move(cb));
  Loop::current().postpone([exchange] { exchange->start(); });
  return Request(std::move(exchange));
}

namespace {

// The coroutine part of fetch(): it owns the request until the reply is there. (fetch() itself is
// a plain function, so that its by-value parameters are plain parameters.)
Task<Reply> await_reply(CondVar<Reply> done, std::shared_ptr<Request> request) {
  Reply reply = co_await done;
  request.reset();
  co_return reply;
}

}  // namespace

Task<Reply> fetch(std::string_view method, std::string_view url, Options options) {
  CondVar<Reply> done;
  auto r = std::make_shared<Request>(
      request(method, url, std::move(options), [done](std::string body, Response hdr) mutable {
        done.send(Reply{std::move(body), std::move(hdr)});
      }));
  return await_reply(std::move(done), std::move(r));
}

Task<Reply> fetch(std::string_view method, std::string_view url) {
  return fetch(method, url, Options{});
}

Task<Reply> get(std::string_view url, Options options) {
  return fetch("GET", url, std::move(options));
}

Task<Reply> get(std::string_view url) { return fetch("GET", url, Options{}); }

// ---- The pool -----------------------------------------------------------------------------------

void set_pool_options(const PoolOptions& options) {
  pool_for(Loop::current()).set_options(options);
}

PoolOptions pool_options() { return pool_for(Loop::current()).options(); }

PoolStats pool_stats() { return pool_for(Loop::current()).stats(); }

void close_idle_connections() { pool_for(Loop::current()).close_idle(); }

}  // namespace ae::http
