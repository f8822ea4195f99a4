#include "http/internal/pool.h"

#include <algorithm>
#include <utility>

namespace ae::http::client_internal {

struct PoolState {
  struct Waiter {
    std::uint64_t id;
    std::string host;
    Function<void(Slot)> granted;
  };

  explicit PoolState(Loop& l) : loop(l) {}

  bool has_room(const std::string& host) const {
    auto it = busy_per_host.find(host);
    std::size_t per_host = it == busy_per_host.end() ? 0 : it->second;
    return per_host < std::max<std::size_t>(options.max_per_host, 1) &&
           busy < std::max<std::size_t>(options.max_total, 1);
  }

  void reserve(const std::string& host) {
    ++busy_per_host[host];
    ++busy;
  }

  void release(const std::string& host) {
    auto it = busy_per_host.find(host);
    if (it != busy_per_host.end() && --it->second == 0) busy_per_host.erase(it);
    if (busy > 0) --busy;
    grant_waiters();
  }

  // Lets in the waiters, in order, whose host has room now. Each gets its slot from the loop.
  void grant_waiters() {
    for (auto it = waiters.begin(); it != waiters.end();) {
      if (!has_room(it->host)) {
        ++it;
        continue;
      }
      reserve(it->host);
      Slot slot(weak, it->host);
      std::uint64_t id = it->id;
      granted_pending[id] = std::move(it->granted);
      it = waiters.erase(it);
      loop.postpone([weak_state = weak, id, slot = std::move(slot)]() mutable {
        std::shared_ptr<PoolState> s = weak_state.lock();
        if (!s) return;
        auto g = s->granted_pending.find(id);
        if (g == s->granted_pending.end()) return;  // withdrawn: `slot` goes back
        Function<void(Slot)> cb = std::move(g->second);
        s->granted_pending.erase(g);
        cb(std::move(slot));
      });
    }
  }

  Loop& loop;
  std::weak_ptr<PoolState> weak;
  PoolOptions options;
  std::map<std::string, std::size_t> busy_per_host;
  std::size_t busy = 0;
  std::deque<Waiter> waiters;
  std::map<std::uint64_t, Function<void(Slot)>> granted_pending;
  std::uint64_t next_id = 1;
  std::map<ConnectionKey, std::vector<std::unique_ptr<Connection>>> idle;  // oldest first
  std::size_t idle_count = 0;
  std::uint64_t made = 0;
  std::uint64_t reused = 0;
};

void quiet(Handle& h) {
  h.on_read(nullptr);
  h.on_eof(nullptr);
  h.on_error(nullptr);
  h.on_drain(nullptr);
  h.on_starttls(nullptr);
  h.on_timeout(nullptr);
  h.on_rtimeout(nullptr);
  h.on_wtimeout(nullptr);
  h.timeout(0);
  h.rtimeout(0);
  h.wtimeout(0);
  h.autocork(false);
}

Slot& Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    reset();
    state_ = std::move(other.state_);
    host_ = std::move(other.host_);
    other.state_.reset();
  }
  return *this;
}

void Slot::reset() noexcept {
  std::shared_ptr<PoolState> s = state_.lock();
  state_.reset();
  if (s) s->release(host_);
}

Pool::Pool(Loop& loop) : loop_(loop), state_(std::make_shared<PoolState>(loop)) {
  state_->weak = state_;
}

Pool::~Pool() { shutdown(); }

void Pool::shutdown() {
  close_idle();
  state_->waiters.clear();
  state_->granted_pending.clear();
}

Guard Pool::acquire(const std::string& host, Function<void(Slot)> granted) {
  PoolState& s = *state_;
  std::uint64_t id = s.next_id++;
  s.waiters.push_back({id, host, std::move(granted)});
  s.grant_waiters();
  return Guard([weak = std::weak_ptr<PoolState>(state_), id] {
    std::shared_ptr<PoolState> st = weak.lock();
    if (!st) return;
    std::erase_if(st->waiters, [id](const PoolState::Waiter& w) { return w.id == id; });
    st->granted_pending.erase(id);
  });
}

std::unique_ptr<Connection> Pool::take_idle(const ConnectionKey& key) {
  PoolState& s = *state_;
  auto it = s.idle.find(key);
  while (it != s.idle.end() && !it->second.empty()) {
    std::unique_ptr<Connection> c = std::move(it->second.back());
    it->second.pop_back();
    --s.idle_count;
    if (it->second.empty()) s.idle.erase(it);
    if (c->handle.destroyed()) {
      it = s.idle.find(key);
      continue;
    }
    c->idle_timer.reset();
    quiet(c->handle);
    ++s.reused;
    return c;
  }
  return nullptr;
}

void Pool::put_idle(std::unique_ptr<Connection> c) {
  PoolState& s = *state_;
  if (!c || c->handle.destroyed()) return;
  Connection* raw = c.get();
  std::weak_ptr<PoolState> weak = state_;
  // Any event on an idle connection ends it: the server closed it, or sent what no request asked
  // for.
  auto drop = [weak, raw] {
    std::shared_ptr<PoolState> st = weak.lock();
    if (!st) return;
    auto it = st->idle.find(raw->key);
    if (it == st->idle.end()) return;
    auto& list = it->second;
    auto pos = std::find_if(list.begin(), list.end(),
                            [raw](const std::unique_ptr<Connection>& p) { return p.get() == raw; });
    if (pos == list.end()) return;
    std::unique_ptr<Connection> doomed = std::move(*pos);
    list.erase(pos);
    --st->idle_count;
    if (list.empty()) st->idle.erase(it);
    doomed->handle.linger(0);
    // Destroying the Handle (and the timer) inside their own callbacks is safe.
  };
  quiet(c->handle);
  c->handle.on_read([drop](Handle&) { drop(); });
  c->handle.on_eof([drop](Handle&) { drop(); });
  c->handle.on_error([drop](Handle&, bool, std::error_code, std::string_view) { drop(); });
  if (s.options.idle_timeout > 0) {
    c->idle_timer = loop_.timer(s.options.idle_timeout, [drop] { drop(); });
  }
  auto& list = s.idle[c->key];
  list.push_back(std::move(c));
  ++s.idle_count;
  while (list.size() > std::max<std::size_t>(s.options.max_per_host, 1)) {
    list.front()->handle.linger(0);
    list.erase(list.begin());
    --s.idle_count;
  }
}

void Pool::close_idle() {
  PoolState& s = *state_;
  auto idle = std::move(s.idle);
  s.idle.clear();
  s.idle_count = 0;
  for (auto& [key, list] : idle) {
    for (auto& c : list) c->handle.linger(0);
  }
}

void Pool::note_connection_made() noexcept { ++state_->made; }

void Pool::set_options(const PoolOptions& options) {
  state_->options = options;
  state_->grant_waiters();
}

const PoolOptions& Pool::options() const noexcept { return state_->options; }

PoolStats Pool::stats() const noexcept {
  const PoolState& s = *state_;
  std::size_t waiting = s.waiters.size();
  return {s.busy, s.idle_count, waiting, s.made, s.reused};
}

Pool& pool_for(Loop& loop) { return loop.service<Pool>(); }

}  // namespace ae::http::client_internal
