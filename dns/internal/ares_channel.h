// AresChannel: one c-ares channel driven by ae watchers. Private to //dns.
//
// c-ares tells us which sockets it wants watched through its socket-state callback; each gets an
// ae::Io per direction that calls ares_process_fd() when ready. One ae::Timer, armed from
// ares_timeout(), lets c-ares notice timeouts. No threads, no ares_getsock() polling.
//
// A channel tries each server once per query (tries = 1) with one per-try timeout; the engine
// builds AnyEvent's retry schedule from one channel per distinct timeout value.
#pragma once

#include <ares.h>

#include <cstddef>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/loop.h"
#include "core/result.h"
#include "core/socket_address.h"

namespace ae::dns_internal {

class AresChannel;

// Receives the channel's readiness and timer events; it calls AresChannel::process() and then
// handles the answers that process() produced.
class ChannelOwner {
 public:
  virtual void on_channel_event(AresChannel& channel, int read_fd, int write_fd) = 0;

 protected:
  ~ChannelOwner() = default;
};

struct ChannelConfig {
  std::vector<SocketAddress> servers;  // not empty; port 0 means 53
  int timeout_ms = 2000;
  bool edns0 = false;
};

class AresChannel {
 public:
  // Errors: Error::kNoMemory (or another dns error) when c-ares cannot set up the channel.
  static Result<std::unique_ptr<AresChannel>> create(Loop& loop, ChannelOwner& owner,
                                                     const ChannelConfig& config);
  // Destroys the c-ares channel: queries still pending complete with ARES_EDESTRUCTION. Must not
  // be called from inside a c-ares callback.
  ~AresChannel();
  AresChannel(const AresChannel&) = delete;
  AresChannel& operator=(const AresChannel&) = delete;

  // Sends a query (ares_query); `cb(arg, ...)` runs exactly once, possibly inside this call.
  void query(const char* name, int qclass, int type, ares_callback cb, void* arg);
  // The query callback calls this so that pending() stays exact.
  void finished() noexcept { --pending_; }
  std::size_t pending() const noexcept { return pending_; }

  // Lets c-ares handle readiness of the fds (ARES_SOCKET_BAD for none) and due timeouts, then
  // re-arms the timer.
  void process(int read_fd, int write_fd);

  const ChannelConfig& config() const noexcept { return config_; }

 private:
  AresChannel(Loop& loop, ChannelOwner& owner, ChannelConfig config);
  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable);
  void watch(int fd, bool readable, bool writable);
  void arm_timer();

  struct Watch {
    Io read;
    Io write;
  };

  Loop& loop_;
  ChannelOwner& owner_;
  ChannelConfig config_;
  ares_channel channel_ = nullptr;
  std::unordered_map<int, Watch> watches_;
  Timer timer_;
  std::size_t pending_ = 0;
};

}  // namespace ae::dns_internal
