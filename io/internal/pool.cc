#include "io/internal/pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include <charconv>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "core/log_hook.h"
#include "io/internal/channel.h"

namespace ae::io_internal {
namespace {

std::size_t threads_from_env() {
  const char* env = ::secure_getenv("AE_IO_THREADS");
  if (env == nullptr || *env == '\0') return Pool::kDefaultThreads;
  std::string_view text(env);
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n == 0 || n > Pool::kMaxThreads) {
    core_log(LogLevel::kWarn, "ae::fs",
             "AE_IO_THREADS=" + std::string(text) + " is not a number from 1 to " +
                 std::to_string(Pool::kMaxThreads) + "; using " +
                 std::to_string(Pool::kDefaultThreads));
    return Pool::kDefaultThreads;
  }
  return n;
}

Pool* g_pool = nullptr;

}  // namespace

Pool& Pool::instance() {
  // Never destroyed: a Loop destroyed during static destruction may still cancel through it.
  static Pool* pool = [] {
    g_pool = new Pool();
    std::atexit([] { g_pool->stop(); });
    ::pthread_atfork(&Pool::fork_prepare, &Pool::fork_parent, &Pool::fork_child);
    return g_pool;
  }();
  return *pool;
}

Pool::Pool() : max_threads_(threads_from_env()) {}

bool Pool::submit(std::shared_ptr<Request> r, std::error_code& error) noexcept {
  std::unique_lock lock(mutex_);
  if (stopping_) {
    error = std::make_error_code(std::errc::operation_canceled);
    return false;
  }
  if (idle_ == 0 && threads_.size() < max_threads_) {
    try {
      threads_.emplace_back([this] { work(); });
    } catch (...) {
      // Out of threads (or memory): the workers that exist take it later; with none, the
      // request fails.
      if (threads_.empty()) {
        error = std::make_error_code(std::errc::resource_unavailable_try_again);
        return false;
      }
    }
  }
  Request* raw = r.get();
  raw->queued_self = std::move(r);
  raw->pool_state = Request::PoolState::kQueued;
  raw->queue_prev = tail_;
  raw->queue_next = nullptr;
  (tail_ != nullptr ? tail_->queue_next : head_) = raw;
  tail_ = raw;
  bool wake = idle_ > 0;
  lock.unlock();
  if (wake) wake_.notify_one();
  return true;
}

bool Pool::cancel(Request& r) noexcept {
  std::shared_ptr<Request> dropped;  // released after the lock
  std::lock_guard lock(mutex_);
  if (r.pool_state != Request::PoolState::kQueued) return false;
  (r.queue_prev != nullptr ? r.queue_prev->queue_next : head_) = r.queue_next;
  (r.queue_next != nullptr ? r.queue_next->queue_prev : tail_) = r.queue_prev;
  r.queue_prev = r.queue_next = nullptr;
  r.pool_state = Request::PoolState::kNone;
  dropped = std::move(r.queued_self);
  return true;
}

std::size_t Pool::threads() noexcept {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

void Pool::work() noexcept {
  // Signals go to the program's own threads (where ae's signal watchers expect them), never to
  // a worker in the middle of a system call.
  sigset_t all;
  sigfillset(&all);
  ::pthread_sigmask(SIG_BLOCK, &all, nullptr);
  std::unique_lock lock(mutex_);
  for (;;) {
    while (head_ == nullptr && !stopping_) {
      ++idle_;
      wake_.wait(lock);
      --idle_;
    }
    if (stopping_) return;
    Request* raw = head_;
    head_ = raw->queue_next;
    (head_ != nullptr ? head_->queue_prev : tail_) = nullptr;
    raw->queue_next = nullptr;
    raw->pool_state = Request::PoolState::kRunning;
    std::shared_ptr<Request> r = std::move(raw->queued_self);
    lock.unlock();
    r->execute();
    Channel::finished(std::move(r));
    lock.lock();
  }
}

void Pool::stop() noexcept {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (std::thread& t : threads) {
    if (t.joinable()) t.join();
  }
}

void Pool::fork_prepare() noexcept { g_pool->mutex_.lock(); }

void Pool::fork_parent() noexcept { g_pool->mutex_.unlock(); }

void Pool::fork_child() noexcept {
  // Only the forking thread exists in the child. The parent's workers and queued requests are
  // not the child's: their std::thread objects must not be destroyed (they are joinable) and the
  // requests belong to the parent's loops, so both are set aside, reachable, never touched again.
  static std::vector<std::thread>* parents_threads = new std::vector<std::thread>();
  static std::vector<std::shared_ptr<Request>>* parents_requests =
      new std::vector<std::shared_ptr<Request>>();
  Pool& p = *g_pool;
  for (std::thread& t : p.threads_) parents_threads->push_back(std::move(t));
  p.threads_.clear();
  for (Request* r = p.head_; r != nullptr; r = r->queue_next) {
    parents_requests->push_back(std::move(r->queued_self));
  }
  p.head_ = p.tail_ = nullptr;
  p.idle_ = 0;
  p.mutex_.unlock();
  new (&p.wake_) std::condition_variable();
}

}  // namespace ae::io_internal
