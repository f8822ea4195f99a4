// Engine: one resolver's query machinery on one loop. Private to //dns.
//
// It owns the c-ares channels (one per distinct per-try timeout, made on first use), the answer
// cache, the max_outstanding queue and the resolv.conf watch. A query runs AnyEvent's retry
// schedule: on a timeout it moves to the next timeout value; any answer (NXDOMAIN, SERVFAIL and
// REFUSED included) ends it.
//
// Completions are never handled inside c-ares: its callbacks only record the outcome, and the
// engine delivers them after ares_process_fd() returns, or from a zero-delay timer when the
// outcome is known at once (a cache hit, a bad name). So no callback runs inside the call that
// started the query, and a callback may destroy the resolver.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/guard.h"
#include "core/loop.h"
#include "dns/internal/ares_channel.h"
#include "dns/internal/cache.h"
#include "dns/options.h"
#include "dns/packet.h"
#include "dns/resolver.h"

namespace ae::dns_internal {

struct QueryResult {
  // A transport failure (timeout, unreachable, malformed answer), or the answer's rcode as an
  // error (kNxDomain, kServerFailure, ...); unset for NOERROR.
  std::error_code error;
  // The answer; null when none arrived.
  std::shared_ptr<const dns::Message> message;
  // Seconds the answer spent in the cache (subtract from its TTLs).
  std::uint32_t age = 0;
};

class Engine final : public ChannelOwner, public std::enable_shared_from_this<Engine> {
 public:
  Engine(Loop& loop, dns::Options options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Asks one question. `cb` runs exactly once, never inside this call, unless the Guard is
  // destroyed first. After shutdown() it gets std::errc::operation_canceled.
  Guard query(std::string_view name, std::uint16_t type, std::uint16_t qclass,
              Function<void(QueryResult)> cb);

  // Runs `f` from the loop soon (after shutdown(): still runs, via postpone).
  void defer(Function<void()> f);

  // The options in force, after checking the resolv.conf file for changes.
  const dns::Options& current_options();
  const dns::Options& options() const noexcept { return options_; }
  void set_max_outstanding(std::size_t n);
  void set_timeouts(std::vector<double> timeouts);
  void clear_cache() noexcept { cache_.clear(); }
  dns::Resolver::Stats stats() const noexcept;
  Loop& loop() const noexcept { return loop_; }

  // The owner is going: every pending callback gets operation_canceled from the loop.
  void shutdown();

  void on_channel_event(AresChannel& channel, int read_fd, int write_fd) override;

 private:
  struct Query;
  class Entry;

  static void on_answer(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
  static QueryResult outcome(int status, const unsigned char* abuf, int alen);

  void send(std::shared_ptr<Query> q);
  void complete_later(std::shared_ptr<Query> q);
  void drain();
  void pump();
  void run_deferred();
  void arm_deferred();
  AresChannel* channel_for_step(std::size_t step, std::error_code& error);
  std::vector<SocketAddress> effective_servers() const;
  void retire_channels();
  void reap_retired();
  void destroy_channels() noexcept;
  void maybe_reload();

  struct FileId {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = -1;
    timespec mtime{};
    bool operator==(const FileId& o) const noexcept {
      return dev == o.dev && ino == o.ino && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
             mtime.tv_nsec == o.mtime.tv_nsec;
    }
  };
  static FileId file_id(const std::string& path) noexcept;

  Loop& loop_;
  dns::Options options_;
  AnswerCache cache_;

  std::map<int, std::unique_ptr<AresChannel>> channels_;  // by per-try timeout in ms
  std::vector<std::unique_ptr<AresChannel>> retired_;     // old config, finishing their queries

  std::deque<std::shared_ptr<Query>> queue_;      // waiting for a max_outstanding slot
  std::deque<std::shared_ptr<Query>> completed_;  // outcomes waiting for delivery
  std::vector<Function<void()>> deferred_;
  Timer deferred_timer_;

  std::size_t queued_ = 0;  // live (not cancelled) entries of queue_
  std::size_t in_flight_ = 0;
  std::size_t peak_in_flight_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t cache_hits_ = 0;

  int depth_ = 0;  // entry points (channel events, the deferred timer) in progress
  bool closed_ = false;

  double last_check_ = 0;
  FileId conf_id_;
};

}  // namespace ae::dns_internal
