// FilterPipe: a Handle's StreamFilter (TLS) between its read and write buffers. Private to
// //handle.
//
// Two directions, each a step the Handle takes when something happens on its side:
//   inbound   bytes read from the fd -> receive() -> decoded bytes appended to rbuf
//             (and whatever the filter must answer, a handshake message, appended to wbuf)
//   outbound  bytes the application writes -> send() -> encoded bytes appended to wbuf
//             (and, once everything written is encoded, our close when the write side is to shut)
// After each step the pipe looks at the filter's state once and says what changed (Step): the
// handshake finished, our close went out, or the filter ended (it failed, or the peer closed it and
// the stream is plain again). The pipe holds no watchers and calls no callbacks: the Handle turns
// a Step into its events, so the pipe is tested alone with the toy filter.
//
// Example:
//   FilterPipe pipe(rbuf, wbuf);
//   FilterPipe::Step s = pipe.install(std::move(filter), false, plain_before, false);
//   s = pipe.inbound(bytes_read, false);
//   if (s.decoded) run_readers();
//   if (s.ended && s.error) fail(s.error, s.message);
//
// Thread safety: the loop's thread only, like the Handle.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "core/buffer.h"
#include "core/stream_filter.h"

namespace ae::handle_internal {

class FilterPipe {
 public:
  // What one step found.
  struct Step {
    std::size_t decoded = 0;   // bytes appended to rbuf (decoded, or plain after the peer's close)
    bool established = false;  // the handshake finished (said once per filter)
    bool close_started = false;  // our close went out
    bool ended = false;          // the filter is gone: it failed (error) or the peer closed it
    // With `ended`: the handshake's outcome had not been said yet (no `established` before).
    bool outcome_unsaid = false;
    std::error_code error;  // with `ended`: the filter's failure (none for the peer's close)
    std::string message;
  };

  // The buffers are the Handle's; they outlive the pipe.
  FilterPipe(Buffer& rbuf, Buffer& wbuf) noexcept : rbuf_(rbuf), wbuf_(wbuf) {}
  FilterPipe(const FilterPipe&) = delete;
  FilterPipe& operator=(const FilterPipe&) = delete;

  bool active() const noexcept { return filter_ != nullptr; }
  StreamFilter* filter() const noexcept { return filter_.get(); }
  // Our close went out (stoptls, or a shut write side) and the peer's has not come.
  bool closing() const noexcept { return filter_ && closing_; }
  // Our close is fully encoded (into wbuf).
  bool close_sent() const noexcept { return filter_ && closing_ && filter_->shutdown_sent(); }
  // Application bytes the filter holds back (TLS data written during the handshake).
  std::size_t pending_send() const noexcept { return filter_ ? filter_->pending_send() : 0; }

  // Puts `filter` in: starts it, feeds it the bytes rbuf holds (they arrived before it, as
  // tls_detect needs) and end-of-file if `eof`, then `written_before` (plain bytes written
  // before the filter was there, which it takes over and clears). `close_when_sent`: the write
  // side is to shut once everything written is encoded.
  Step install(std::unique_ptr<StreamFilter> filter, bool eof, Buffer& written_before,
               bool close_when_sent);
  // Inbound: bytes read from the fd, or end-of-file.
  Step inbound(std::string_view bytes, bool close_when_sent);
  Step inbound_eof(bool close_when_sent);
  // Outbound: application bytes (empty: only encode what waits, and close if due).
  Step outbound(std::string_view bytes, bool close_when_sent);
  // Starts our close (stoptls) now, whatever is still held back.
  Step close();
  // Drops the filter without a close.
  void reset() noexcept;

  // The error code a failed filter becomes as a Handle's fatal error: AnyEvent reports EPROTO for
  // every TLS failure except a system call's own errno; a filter code that already means EPROTO
  // (its category maps it there, as ae::tls::Error does) is kept, so that the handler can still
  // tell an expired certificate from a name mismatch.
  static std::error_code fatal_code(std::error_code filter_error) noexcept;

 private:
  void decode(Step& step);                        // the filter's decoded bytes into rbuf
  void encode(Step& step, bool close_when_sent);  // its output into wbuf; the close when due
  Step finish(Step step);                         // the filter's state after a step

  Buffer& rbuf_;
  Buffer& wbuf_;
  std::unique_ptr<StreamFilter> filter_;
  bool closing_ = false;  // filter_->shutdown() was called
  bool said_ = false;     // the handshake's outcome was said (established, or an end)
};

}  // namespace ae::handle_internal
