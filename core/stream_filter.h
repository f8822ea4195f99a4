// ae::StreamFilter: a byte transformer between a Handle's buffers and its fd.
//
// //tls implements it with OpenSSL memory BIOs; //handle accepts any filter
// (Handle::starttls(filter)), so Handle never links OpenSSL and TLS never needs Handle.
// The filter does no I/O and holds no watchers: the Handle feeds it what it read from the fd,
// asks it for decoded bytes and for bytes to write, and looks at its state after each step.
//
//   fd --read--> receive() --[filter]--> read(rbuf)      application reads
//   fd <-write-- take_output(wbuf) <--[filter]-- send()  application writes
//
// Example (what a Handle does after reading `bytes` from its fd):
//   filter.receive(bytes);
//   filter.read(rbuf);             // decoded application data, if any
//   filter.take_output(wbuf);      // e.g. handshake replies
//   if (filter.error()) fail(filter.error(), filter.error_message());
//
// Thread safety: used on one loop's thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

#include "core/buffer.h"

namespace ae {

class StreamFilter {
 public:
  virtual ~StreamFilter() = default;

  // A short name for messages ("tls").
  virtual std::string_view name() const noexcept = 0;

  // Starts the filter (for TLS: the handshake in the role chosen when it was made). May produce
  // output (take_output()).
  virtual void start() = 0;

  // Feeds bytes read from the transport.
  virtual void receive(std::string_view transport_bytes) = 0;
  // Tells the filter the transport reached end-of-file.
  virtual void receive_eof() = 0;

  // Takes application bytes to send; the filter keeps what it cannot encode yet (for TLS, until
  // the handshake completes) and counts it in pending_send().
  virtual void send(std::string_view application_bytes) = 0;
  // Begins an orderly close of the filtered stream (TLS close_notify). Output follows.
  virtual void shutdown() = 0;

  // Appends decoded application bytes to `out`; returns how many.
  virtual std::size_t read(Buffer& out) = 0;
  // Appends bytes that must be written to the transport to `out`; returns how many.
  virtual std::size_t take_output(Buffer& out) = 0;

  // True once the filter carries application data (TLS: the handshake completed).
  virtual bool established() const noexcept = 0;
  // True once the peer closed the filtered stream in order (TLS: close_notify received).
  virtual bool peer_closed() const noexcept = 0;
  // True once our own shutdown() has been fully encoded.
  virtual bool shutdown_sent() const noexcept = 0;
  // A fatal failure (handshake failure, verification failure, bad record), if any; the message
  // says why in words ("certificate has expired", "unknown CA", ...).
  virtual std::error_code error() const noexcept = 0;
  virtual std::string error_message() const = 0;

  // Application bytes taken by send() but not yet encoded.
  virtual std::size_t pending_send() const noexcept = 0;

  // Bytes received after the peer closed the filtered stream: they belong to the plain stream
  // again (stoptls). Returns and forgets them.
  virtual std::string take_unfiltered() = 0;
};

}  // namespace ae
