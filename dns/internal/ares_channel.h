// AresChannel: one c-ares channel driven by ae watchers. Private to //dns.
//
// c-ares tells us which sockets it wants watched through its socket-state callback; each gets an
// ae::Io per direction that calls ares_process_fd() when ready. One ae::Timer, armed from
// ares_timeout(), lets c-ares notice timeouts. No threads, no ares_getsock() polling.
//
// A channel tries each server once per query (tries = 1) with one per-try timeout; the engine
// builds AnyEvent's retry schedule from one channel per distinct timeout value.
//
// Malformed answers: c-ares drops a UDP answer whose header or question it cannot read (shorter
// than a header, a question that does not parse) even when its id is that of a pending query, and
// the query then waits for its timeout, as if the server had been silent. The channel reads its UDP
// sockets through its own socket functions, so it sees such an answer first: when the id is one it
// sent and the datagram is not a DNS message, it hands c-ares, in its place, the query echoed back
// as a SERVFAIL answer (which c-ares matches and ends the query with), and the query's callback
// gets ARES_EBADRESP. An answer that parses, but to another question, is still ignored (RFC 5452).
#pragma once

#include <ares.h>

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>
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

  // Sends a query (ares_query); `cb(arg, ...)` runs exactly once, possibly inside this call, with
  // ARES_EBADRESP (and no answer) when the server's answer was not a DNS message.
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
  // One ares_query: who to tell, and the id its UDP datagrams carry.
  struct Call {
    AresChannel* channel;
    ares_callback cb;
    void* arg;
    std::optional<std::uint16_t> id;
    bool malformed = false;
  };
  // A query as last sent over UDP, by id.
  struct Sent {
    std::vector<std::uint8_t> bytes;
    Call* call = nullptr;
  };

  static const ares_socket_functions kSocketFunctions;

  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable);
  static void on_done(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
  static ares_socket_t open_socket(int domain, int type, int protocol, void* data);
  static int close_socket(ares_socket_t fd, void* data);
  static int connect_socket(ares_socket_t fd, const sockaddr* to, ares_socklen_t len, void* data);
  static ares_ssize_t receive(ares_socket_t fd, void* buf, std::size_t len, int flags,
                              sockaddr* from, ares_socklen_t* from_len, void* data);
  static ares_ssize_t send_vector(ares_socket_t fd, const iovec* iov, int count, void* data);
  void note_sent(const iovec* iov, int count);
  std::size_t replace_if_malformed(unsigned char* buf, std::size_t len, std::size_t capacity);
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
  std::unordered_set<int> udp_fds_;
  std::unordered_map<std::uint16_t, Sent> sent_;
  Call* sending_ = nullptr;  // the query whose ares_query() is in progress
  Timer timer_;
  std::size_t pending_ = 0;
};

}  // namespace ae::dns_internal
