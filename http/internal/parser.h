// MessageParser: Boost.Beast's sans-I/O HTTP/1.1 parser, fed from a byte buffer (a Handle's
// rbuf()), with bounded limits, reporting one event at a time. Shared by the client (responses)
// and the server (requests); no HTTP parsing is written by hand.
//
// parse() consumes from the front of the bytes it is given and returns the next event. The
// caller drops `used` bytes from its buffer after handling the event: for kBody, body() points
// into those very bytes, so a body reaches its consumer without a copy here.
//
// Example (a client reading a response from a Handle):
//   ae::http_internal::ResponseParser parser({.header_limit = 16384});
//   h.on_read([&](ae::Handle& h) {
//     for (;;) {
//       std::size_t used = 0;
//       ae::http_internal::ParseEvent ev = parser.parse(h.rbuf().view(), used);
//       if (ev == ParseEvent::kBody) body.append(parser.body());
//       h.rbuf().consume(used);
//       if (ev == ParseEvent::kNeedMore) return;
//       if (ev == ParseEvent::kHeader) use(parser.head().status, parser.head().headers);
//       if (ev == ParseEvent::kComplete || ev == ParseEvent::kError) { ...; return; }
//     }
//   });
//   h.on_eof([&](ae::Handle&) { parser.finish(); });  // completes a close-delimited body
//
// Errors: kError with error() one of ae::http::Error (kBadMessage, kHeaderTooLarge,
// kBodyTooLarge, kBadFraming for a message with both Content-Length and Transfer-Encoding or a
// bad length, kBadChunk, kBadVersion, kPartialMessage) and error_message() naming the detail.
// Nothing the peer sends throws or aborts: exceptions inside the parser become kBadMessage.
// Linear time in the bytes fed: Beast remembers how far it searched an incomplete header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "http/headers.h"

namespace ae::http_internal {

struct ParserLimits {
  // The most bytes the start line and header fields may take, and separately the trailer.
  std::size_t header_limit = 64 * 1024;
  // The most body bytes (after removing the chunked coding); nullopt: no limit.
  std::optional<std::uint64_t> body_limit{};
};

// A request's start line and fields.
struct RequestHead {
  std::string method;
  std::string target;
  int version = 11;  // 10 or 11
  http::Headers headers;
};

// A response's status line and fields.
struct ResponseHead {
  int status = 0;
  std::string reason;
  int version = 11;  // 10 or 11
  http::Headers headers;
};

enum class ParseEvent {
  kNeedMore,  // every byte given was used (or must wait for more); feed more
  kHeader,    // the start line and fields are complete: head() is filled in
  kBody,      // body() holds the next piece of the body (chunked coding removed)
  kComplete,  // the message is complete (trailers()); parse nothing more with this parser
  kError,     // the message is malformed: error(), error_message(); the parser is finished
};

template <bool kRequest>
class MessageParser {
 public:
  using Head = std::conditional_t<kRequest, RequestHead, ResponseHead>;

  explicit MessageParser(const ParserLimits& limits = {});
  ~MessageParser();
  MessageParser(MessageParser&&) noexcept;
  MessageParser& operator=(MessageParser&&) noexcept;

  // Before the first parse(): the message has no body whatever its header says (the response to
  // HEAD, or a 2xx answer to CONNECT).
  void skip_body();

  // Parses from the front of `input` up to the next event; `used` is set to the bytes consumed.
  // After kComplete or kError, returns the same event again and uses nothing.
  ParseEvent parse(std::string_view input, std::size_t& used);
  // The stream ended: kComplete when the body ran to the end of the stream (no length, not
  // chunked) or the message was already complete; kError (kPartialMessage) when it was cut
  // short; kNeedMore when nothing at all had arrived (the caller decides what that means).
  ParseEvent finish();

  // The body piece of the last kBody event; valid until the caller changes the bytes it parsed.
  std::string_view body() const noexcept;
  // The start line and fields (complete once kHeader was returned).
  Head& head() noexcept;
  const Head& head() const noexcept;
  // Fields from the trailer of a chunked body (complete at kComplete).
  http::Headers& trailers() noexcept;

  // True once any byte of the message arrived.
  bool started() const noexcept;
  bool header_done() const noexcept;
  bool done() const noexcept;
  // After the header: the body is chunked / its Content-Length / it runs until the stream ends.
  bool chunked() const noexcept;
  std::optional<std::uint64_t> content_length() const noexcept;
  bool needs_eof() const noexcept;
  // After the header: the connection may carry another message afterwards (per the version and
  // the Connection field), and whether the message asks to upgrade the protocol.
  bool keep_alive() const noexcept;
  bool upgrade() const noexcept;
  // Body bytes delivered so far.
  std::uint64_t body_bytes() const noexcept;

  std::error_code error() const noexcept;
  const std::string& error_message() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

using RequestParser = MessageParser<true>;
using ResponseParser = MessageParser<false>;

extern template class MessageParser<true>;
extern template class MessageParser<false>;

}  // namespace ae::http_internal
