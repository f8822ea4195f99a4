#include "dns/internal/engine.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "core/log_hook.h"
#include "core/resolver.h"
#include "dns/error.h"
#include "dns/internal/names.h"

namespace ae::dns_internal {
namespace {

double mono_seconds() noexcept {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::error_code rcode_error(std::uint16_t rcode) {
  switch (rcode) {
    case dns::kRcodeNoError:
      return {};
    case dns::kRcodeFormErr:
      return dns::Error::kFormatError;
    case dns::kRcodeNxDomain:
      return dns::Error::kNxDomain;
    case dns::kRcodeNotImp:
      return dns::Error::kNotImplemented;
    case dns::kRcodeRefused:
      return dns::Error::kRefused;
    default:
      return dns::Error::kServerFailure;
  }
}

std::string lower_name(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  // "name." and "name" ask the same question of c-ares; the root stays ".".
  if (out.size() > 1 && out.back() == '.' && out[out.size() - 2] != '\\') out.pop_back();
  return out;
}

// c-ares reads "\X" as a literal X but knows no "\DDD": rewrite those as the octet itself.
// Returns false for a NUL octet, which a C string cannot carry.
bool to_cares_name(std::string& name) {
  std::string out;
  out.reserve(name.size());
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '\\' || i + 1 >= name.size()) {
      out += name[i];
      continue;
    }
    if (i + 3 < name.size() && std::isdigit(static_cast<unsigned char>(name[i + 1]))) {
      int v = (name[i + 1] - '0') * 100 + (name[i + 2] - '0') * 10 + (name[i + 3] - '0');
      if (v == 0) return false;
      out += '\\';
      out += static_cast<char>(v);
      i += 3;
    } else {
      out += name[i];
      out += name[i + 1];
      i += 1;
    }
  }
  name = std::move(out);
  return true;
}

}  // namespace

struct Engine::Query {
  Engine* engine = nullptr;
  std::string name;
  std::string cache_key;
  std::uint16_t type = 0;
  std::uint16_t qclass = 0;
  std::size_t step = 0;  // index into options().timeouts
  AresChannel* channel = nullptr;
  bool queued = false;
  bool from_cache = false;
  int status = ARES_SUCCESS;
  QueryResult result;
  Function<void(QueryResult)> cb;  // empty once delivered or cancelled
  std::shared_ptr<Query> self;     // keeps the query alive while c-ares holds it

  // Its Guard went: the callback never runs. Touches the engine only while the query waits in
  // its queue (so the engine is alive).
  void cancel() noexcept {
    cb = nullptr;
    if (queued) {
      queued = false;
      --engine->queued_;  // popped and skipped later
    }
  }
};

// Marks an entry point (a channel event, the deferred timer): completions recorded meanwhile are
// delivered by its drain, and the channels of a closed engine are destroyed when it ends.
class Engine::Entry {
 public:
  explicit Entry(Engine& e) : keep_(e.shared_from_this()) { ++keep_->depth_; }
  ~Entry() {
    Engine& e = *keep_;
    if (--e.depth_ == 0) {
      if (e.closed_) {
        e.destroy_channels();
      } else {
        e.reap_retired();
        // A callback threw before the drain finished: deliver the rest and start what the
        // queue holds on the next iteration.
        bool slots = !e.queue_.empty() && e.in_flight_ < e.options_.max_outstanding;
        if (!e.completed_.empty() || slots) e.arm_deferred();
      }
    }
  }
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;

 private:
  std::shared_ptr<Engine> keep_;
};

Engine::Engine(Loop& loop, dns::Options options)
    : loop_(loop), options_(std::move(options)), cache_(options_.cache_size) {
  if (options_.timeouts.empty()) throw std::invalid_argument("ae::dns: empty timeout list");
  for (double t : options_.timeouts) {
    if (!(t > 0) || !std::isfinite(t)) {
      throw std::invalid_argument("ae::dns: timeouts must be positive and finite");
    }
  }
  if (options_.max_outstanding == 0) options_.max_outstanding = 1;
  if (!options_.resolv_conf.empty()) {
    conf_id_ = file_id(options_.resolv_conf);
    (void)dns::load_resolv_conf(options_.resolv_conf, options_);  // warns; defaults apply
    last_check_ = mono_seconds();
  }
}

Engine::~Engine() {
  closed_ = true;
  destroy_channels();
}

// ---- Queries ------------------------------------------------------------------------------------

Guard Engine::query(std::string_view name, std::uint16_t type, std::uint16_t qclass,
                    Function<void(QueryResult)> cb) {
  auto q = std::make_shared<Query>();
  q->engine = this;
  q->name = lower_name(name);
  q->type = type;
  q->qclass = qclass;
  q->cb = std::move(cb);
  Guard guard([w = std::weak_ptr<Query>(q)] {
    if (auto q = w.lock()) q->cancel();
  });

  if (closed_) {
    loop_.postpone([q] {
      if (!q->cb) return;
      Function<void(QueryResult)> cb = std::move(q->cb);
      q->cb = nullptr;
      cb(QueryResult{std::make_error_code(std::errc::operation_canceled), nullptr, 0});
    });
    return guard;
  }
  maybe_reload();
  if (options_.cache_size > 0) q->cache_key = AnswerCache::key(q->name, type, qclass);
  // valid_name() checked the escapes, so to_cares_name() sees three digits after "\<digit>".
  if (!valid_name(q->name) ||
      (q->name.find('\\') != std::string::npos && !to_cares_name(q->name))) {
    q->result.error = dns::Error::kBadName;
    complete_later(std::move(q));
    return guard;
  }
  if (auto hit = q->cache_key.empty() ? std::nullopt : cache_.find(q->cache_key, mono_seconds())) {
    ++cache_hits_;
    q->from_cache = true;
    q->result.error = rcode_error(hit->message->rcode);
    q->result.message = std::move(hit->message);
    q->result.age = hit->age;
    complete_later(std::move(q));
    return guard;
  }
  if (in_flight_ < options_.max_outstanding) {
    send(std::move(q));
  } else if (queued_ >= options_.max_queued) {
    // A bounded wait: a flood of lookups fails at once instead of growing without limit.
    q->result.error = dns::Error::kQueueFull;
    complete_later(std::move(q));
  } else {
    q->queued = true;
    ++queued_;
    queue_.push_back(std::move(q));
  }
  return guard;
}

void Engine::send(std::shared_ptr<Query> q) {
  std::error_code error;
  AresChannel* channel = channel_for_step(q->step, error);
  if (channel == nullptr) {
    q->result.error = error;
    complete_later(std::move(q));
    return;
  }
  q->channel = channel;
  q->status = ARES_SUCCESS;
  q->result = QueryResult{};
  Query* raw = q.get();
  raw->self = std::move(q);
  ++in_flight_;
  ++sent_;
  peak_in_flight_ = std::max(peak_in_flight_, in_flight_);
  // May complete (on_answer) inside this call, e.g. when no server can be reached at all.
  channel->query(raw->name.c_str(), raw->qclass, raw->type, &Engine::on_answer, raw);
  if (depth_ == 0 && !completed_.empty()) arm_deferred();
}

void Engine::on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  auto* raw = static_cast<Query*>(arg);
  std::shared_ptr<Query> q = std::move(raw->self);
  Engine& e = *q->engine;
  q->channel->finished();
  --e.in_flight_;
  if (e.closed_ || status == ARES_EDESTRUCTION) {
    if (q->cb) {
      e.loop_.postpone([cb = std::move(q->cb)]() mutable {
        cb(QueryResult{std::make_error_code(std::errc::operation_canceled), nullptr, 0});
      });
    }
    return;
  }
  q->status = status;
  q->result = outcome(status, abuf, alen);
  e.completed_.push_back(std::move(q));
}

QueryResult Engine::outcome(int status, const unsigned char* abuf, int alen) {
  QueryResult r;
  switch (status) {
    case ARES_SUCCESS:
    case ARES_ENODATA:
    case ARES_ENOTFOUND:
    case ARES_ESERVFAIL:
    case ARES_EREFUSED:
    case ARES_EFORMERR:
    case ARES_ENOTIMP: {
      if (abuf == nullptr || alen <= 0) {
        r.error = dns::Error::kBadResponse;
        break;
      }
      auto m = dns::parse_message(std::span(abuf, static_cast<std::size_t>(alen)));
      if (!m) {
        r.error = m.code();
        break;
      }
      r.error = rcode_error(m->rcode);
      r.message = std::make_shared<const dns::Message>(std::move(*m));
      break;
    }
    case ARES_ETIMEOUT:
      r.error = dns::Error::kTimedOut;
      break;
    case ARES_ECONNREFUSED:
      r.error = dns::Error::kConnectionRefused;
      break;
    case ARES_EBADNAME:
      r.error = dns::Error::kBadName;
      break;
    case ARES_ENOMEM:
      r.error = dns::Error::kNoMemory;
      break;
    case ARES_EBADRESP:  // the answer was no DNS message (see AresChannel)
    default:
      r.error = dns::Error::kBadResponse;
      break;
  }
  return r;
}

void Engine::complete_later(std::shared_ptr<Query> q) {
  completed_.push_back(std::move(q));
  if (depth_ == 0) arm_deferred();
}

void Engine::drain() {
  // Only what is there now: a callback that asks again (say, answered from the cache) is served
  // on the next iteration, so it cannot starve the loop.
  for (std::size_t budget = completed_.size(); budget > 0 && !completed_.empty(); --budget) {
    std::shared_ptr<Query> q = std::move(completed_.front());
    completed_.pop_front();
    if (!q->cb) continue;  // cancelled
    // No answer in this round (a timeout, or every server refused, as when a truncated UDP
    // answer is followed by a refused TCP connection): the next round of AnyEvent's schedule.
    bool unanswered = q->status == ARES_ETIMEOUT || q->status == ARES_ECONNREFUSED;
    if (unanswered && q->step + 1 < options_.timeouts.size()) {
      ++q->step;
      if (queued_ > 0) {
        // Queries that already waited a whole round go behind those waiting for a slot, so
        // that a few stuck names do not hold every other lookup for the whole schedule.
        q->queued = true;
        ++queued_;
        queue_.push_back(std::move(q));
      } else {
        send(std::move(q));
      }
      continue;
    }
    if (q->result.message && !q->from_cache && !q->cache_key.empty()) {
      cache_.store(q->cache_key, q->result.message, mono_seconds());
    }
    Function<void(QueryResult)> cb = std::move(q->cb);
    q->cb = nullptr;
    cb(std::move(q->result));
    if (closed_) return;
    pump();
  }
  pump();
  if (!completed_.empty()) arm_deferred();
}

void Engine::pump() {
  while (in_flight_ < options_.max_outstanding && !queue_.empty() && !closed_) {
    std::shared_ptr<Query> q = std::move(queue_.front());
    queue_.pop_front();
    if (!q->queued) continue;  // cancelled while waiting
    q->queued = false;
    --queued_;
    send(std::move(q));
  }
}

void Engine::on_channel_event(AresChannel& channel, int read_fd, int write_fd) {
  Entry entry(*this);
  channel.process(read_fd, write_fd);
  drain();
}

// ---- Deferred work ------------------------------------------------------------------------------

void Engine::defer(Function<void()> f) {
  if (closed_) {
    loop_.postpone(std::move(f));
    return;
  }
  deferred_.push_back(std::move(f));
  arm_deferred();
}

void Engine::arm_deferred() {
  if (deferred_timer_) {
    deferred_timer_.set(Seconds(0));
  } else {
    deferred_timer_ = loop_.timer(Seconds(0), [this] { run_deferred(); });
  }
}

void Engine::run_deferred() {
  Entry entry(*this);
  std::vector<Function<void()>> batch = std::exchange(deferred_, {});
  // Puts what has not run yet back in front, so that each still runs exactly once.
  auto keep_rest = [&] {
    std::erase_if(batch, [](const Function<void()>& f) { return !f; });
    if (closed_) {
      for (Function<void()>& f : batch) loop_.postpone(std::move(f));
    } else {
      batch.insert(batch.end(), std::make_move_iterator(deferred_.begin()),
                   std::make_move_iterator(deferred_.end()));
      deferred_ = std::move(batch);
    }
  };
  for (Function<void()>& slot : batch) {
    Function<void()> f = std::move(slot);
    slot = nullptr;
    try {
      f();
    } catch (...) {
      keep_rest();
      if (!closed_) arm_deferred();
      throw;
    }
    if (closed_) {
      keep_rest();
      return;
    }
  }
  drain();
  if (deferred_.empty() && completed_.empty()) deferred_timer_.stop();
}

// ---- Channels -----------------------------------------------------------------------------------

std::vector<SocketAddress> Engine::effective_servers() const {
  if (!options_.servers.empty()) return options_.servers;
  bool v6_first = ae::protocol_preference().front() == AF_INET6;
  return {*SocketAddress::from_numeric(v6_first ? "::1" : "127.0.0.1", 53)};
}

AresChannel* Engine::channel_for_step(std::size_t step, std::error_code& error) {
  int ms = static_cast<int>(std::lround(std::min(options_.timeouts[step], 86400.0) * 1000));
  ms = std::max(ms, 1);
  auto it = channels_.find(ms);
  if (it != channels_.end()) return it->second.get();
  ChannelConfig config{effective_servers(), ms, options_.edns0};
  auto channel = AresChannel::create(loop_, *this, config);
  if (!channel) {
    error = channel.code();
    core_log(LogLevel::kError, "ae::dns", channel.message());
    return nullptr;
  }
  return channels_.emplace(ms, std::move(*channel)).first->second.get();
}

void Engine::retire_channels() {
  for (auto& [ms, channel] : channels_) retired_.push_back(std::move(channel));
  channels_.clear();
  if (depth_ == 0) reap_retired();
}

void Engine::reap_retired() {
  std::erase_if(retired_, [](const std::unique_ptr<AresChannel>& c) { return c->pending() == 0; });
}

void Engine::destroy_channels() noexcept {
  // ares_destroy() completes pending queries with ARES_EDESTRUCTION; on_answer() hands their
  // callbacks to the loop.
  auto channels = std::move(channels_);
  auto retired = std::move(retired_);
  channels.clear();
  retired.clear();
  deferred_timer_.reset();
}

void Engine::set_max_outstanding(std::size_t n) {
  options_.max_outstanding = std::max<std::size_t>(n, 1);
  // Start the newly allowed queries from the loop (the drain pumps the queue), not inside this
  // call.
  if (!queue_.empty()) arm_deferred();
}

void Engine::set_timeouts(std::vector<double> timeouts) {
  if (timeouts.empty()) throw std::invalid_argument("ae::dns: empty timeout list");
  for (double t : timeouts) {
    if (!(t > 0) || !std::isfinite(t)) {
      throw std::invalid_argument("ae::dns: timeouts must be positive and finite");
    }
  }
  options_.timeouts = std::move(timeouts);
  retire_channels();
}

const dns::Options& Engine::current_options() {
  maybe_reload();
  return options_;
}

Engine::FileId Engine::file_id(const std::string& path) noexcept {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return FileId{st.st_dev, st.st_ino, st.st_size, st.st_mtim};
}

void Engine::maybe_reload() {
  if (options_.resolv_conf.empty()) return;
  double now = mono_seconds();
  if (now - last_check_ < options_.resolv_conf_check_interval.count()) return;
  last_check_ = now;
  FileId id = file_id(options_.resolv_conf);
  if (id == conf_id_) return;
  conf_id_ = id;
  dns::Options fresh = options_;
  (void)dns::load_resolv_conf(options_.resolv_conf, fresh);  // warns; defaults apply
  bool servers_changed = fresh.servers != options_.servers || fresh.timeouts != options_.timeouts;
  options_.servers = std::move(fresh.servers);
  options_.search = std::move(fresh.search);
  options_.ndots = fresh.ndots;
  options_.timeouts = std::move(fresh.timeouts);
  if (servers_changed) retire_channels();
  cache_.clear();
  core_log(LogLevel::kInfo, "ae::dns", "re-read " + options_.resolv_conf + " after it changed");
}

// ---- Lifetime -----------------------------------------------------------------------------------

dns::Resolver::Stats Engine::stats() const noexcept {
  dns::Resolver::Stats s;
  s.in_flight = in_flight_;
  s.queued = queued_;
  s.peak_in_flight = peak_in_flight_;
  s.queries_sent = sent_;
  s.cache_hits = cache_hits_;
  s.cache_entries = cache_.size();
  return s;
}

void Engine::shutdown() {
  if (closed_) return;
  closed_ = true;
  auto queue = std::move(queue_);
  auto completed = std::move(completed_);
  auto deferred = std::move(deferred_);
  queued_ = 0;
  for (auto* list : {&queue, &completed}) {
    for (std::shared_ptr<Query>& q : *list) {
      if (!q->cb) continue;
      loop_.postpone([cb = std::move(q->cb)]() mutable {
        cb(QueryResult{std::make_error_code(std::errc::operation_canceled), nullptr, 0});
      });
    }
  }
  for (Function<void()>& f : deferred) loop_.postpone(std::move(f));
  if (depth_ == 0) destroy_channels();  // else when the entry point ends
}

}  // namespace ae::dns_internal
