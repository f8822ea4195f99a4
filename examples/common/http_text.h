// The bits of HTTP/1.x text the example programs read from peers, with plain scanners (no regex:
// a peer's data is read in linear time and bounded stack): the status line, the request line,
// Content-Length, and the end of a head. Private to //examples; fuzzed by
// //tests/fuzz:http_text_fuzz.
//
// Example (a client, after sending its request):
//   h.push_read(ae::line, [](ae::Handle&, std::string line, std::string) {
//     auto status = ae::examples::parse_status_line(line);   // nullopt: not HTTP
//   });
//   h.push_read(ae::examples::read_head([](ae::Handle& h, std::string headers) {
//     long long length = ae::examples::content_length(headers);   // -1: none
//   }));
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/function.h"
#include "handle/types.h"

namespace ae::examples {

// "HTTP/1.1 200 OK": HTTP/<digits>.<digits>, a space, three digits, then nothing or a space
// and the reason phrase.
struct StatusLine {
  int code = 0;
  std::string_view reason;
};
std::optional<StatusLine> parse_status_line(std::string_view line);

// "GET /path HTTP/1.1": an upper-case method, a space, a target without spaces, a space, and
// HTTP/1.0 or HTTP/1.1.
struct RequestLine {
  std::string_view method;
  std::string_view target;
};
std::optional<RequestLine> parse_request_line(std::string_view line);

// The value of the first Content-Length field (name matched case-insensitively) in a block of
// header lines ended by "\n" or "\r\n": 1 to 18 digits with optional blanks around them; -1 when
// there is no such field or its value is not that.
long long content_length(std::string_view headers);

// Where a head ends: the first empty line, at the very start or after a line break ("\n\n",
// "\n\r\n", or the text starting with "\n" or "\r\n").
struct HeadEnd {
  std::size_t head = 0;      // the head's bytes, without the line break before the empty line
  std::size_t consumed = 0;  // up to and including the empty line
};
// Searches `text` from `from` (bytes an earlier call on a prefix of `text` ruled out: pass what
// `resume` was set to then). Sets *resume to where a later call on a longer text must start.
std::optional<HeadEnd> find_head_end(std::string_view text, std::size_t from, std::size_t* resume);

// A reader that delivers the lines up to the first empty line as one string (the empty line and
// the line break before it are consumed, not delivered), in linear time however the head arrives.
Reader read_head(Function<void(Handle&, std::string head)> cb);

}  // namespace ae::examples
