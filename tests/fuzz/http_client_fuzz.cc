// What a server's bytes reach in the HTTP client: the response parser (Beast's, through
// //http:message's glue) fed at once and piece by piece, the Set-Cookie parser and the cookie
// jar, HTTP dates, and the gzip/deflate decoder fed at once and piece by piece.
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/cookie_jar.h"
#include "http/date.h"
#include "http/internal/decoder.h"
#include "http/internal/parser.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using ae::http_internal::ContentDecoder;
using ae::http_internal::ParseEvent;
using ae::http_internal::ResponseParser;

// What a response parser made of the stream.
struct Parsed {
  ParseEvent last = ParseEvent::kNeedMore;
  int status = 0;
  std::string body;
  std::size_t fields = 0;
  std::size_t trailers = 0;
};

// Feeds `text` to a parser `piece` bytes at a time, the way the client does: unconsumed bytes
// stay in front of the next piece.
Parsed parse_response(std::string_view text, std::size_t piece, bool head) {
  ResponseParser parser(ae::http_internal::ParserLimits{.header_limit = 4096});
  if (head) parser.skip_body();
  Parsed out;
  std::string buffer;
  std::size_t fed = 0;
  for (int steps = 0;; ++steps) {
    AE_FUZZ_CHECK(steps < 1000000);  // every event makes progress
    std::size_t used = 0;
    ParseEvent ev = parser.parse(buffer, used);
    AE_FUZZ_CHECK(used <= buffer.size());
    if (ev == ParseEvent::kBody) out.body.append(parser.body());
    buffer.erase(0, used);
    if (ev == ParseEvent::kHeader) {
      out.status = parser.head().status;
      out.fields = parser.head().headers.size();
      AE_FUZZ_CHECK(out.status >= 100 && out.status <= 999);
    }
    if (ev == ParseEvent::kComplete || ev == ParseEvent::kError) {
      out.last = ev;
      if (ev == ParseEvent::kComplete) out.trailers = parser.trailers().size();
      return out;
    }
    if (ev == ParseEvent::kNeedMore) {
      if (fed == text.size()) {
        out.last = parser.finish();
        if (out.last == ParseEvent::kComplete) out.trailers = parser.trailers().size();
        return out;
      }
      std::string_view next = text.substr(fed, piece);
      buffer.append(next);
      fed += next.size();
    }
  }
}

void fuzz_response(ae::fuzz::FuzzInput& in) {
  const std::size_t piece = in.pick(32) + 1;
  const bool head = in.pick(4) == 0;
  const std::string_view text = in.take_rest();
  Parsed whole = parse_response(text, text.size() + 1, head);
  Parsed pieces = parse_response(text, piece, head);
  // The body never holds more than the stream, and the pieces say what the whole says.
  AE_FUZZ_CHECK(whole.body.size() <= text.size());
  AE_FUZZ_CHECK(whole.last == pieces.last);
  if (whole.last == ParseEvent::kComplete) {
    AE_FUZZ_CHECK(whole.status == pieces.status);
    AE_FUZZ_CHECK(whole.fields == pieces.fields);
    AE_FUZZ_CHECK(whole.trailers == pieces.trailers);
    AE_FUZZ_CHECK(whole.body == pieces.body);
  }
}

void fuzz_cookie(ae::fuzz::FuzzInput& in) {
  constexpr double kNow = 1.7e9;
  const bool secure = in.pick(2) == 0;
  const std::string url = secure ? "https://www.example.org/a/b" : "http://www.example.org/a/b";
  ae::http::CookieJar jar;
  for (int i = 0; i < 4; ++i) {
    std::string_view line = in.take_until('\n');
    jar.set_cookie(url, line, kNow);
  }
  for (const ae::http::Cookie& c : jar.cookies()) {
    // Only cookies this host may set, never a control character going back out.
    AE_FUZZ_CHECK(c.domain == "www.example.org" || c.domain == "example.org");
    AE_FUZZ_CHECK(c.name.size() + c.value.size() <= ae::http::CookieJar::kMaxCookieSize);
    AE_FUZZ_CHECK(!c.secure || secure);
  }
  for (const char* to :
       {"https://www.example.org/a/b/c", "http://example.org/", "http://other.org/a/"}) {
    std::string header = jar.cookie_header(to, kNow);
    AE_FUZZ_CHECK(header.find_first_of("\r\n") == std::string::npos);
    if (std::string_view(to).find("other.org") != std::string_view::npos) {
      AE_FUZZ_CHECK(header.empty());
    }
  }
}

void fuzz_date(ae::fuzz::FuzzInput& in) {
  const std::string_view text = in.take_rest();
  if (std::optional<double> t = ae::http::parse_date(text)) {
    AE_FUZZ_CHECK(std::isfinite(*t));
    // A date that was read formats as IMF-fixdate and reads back the same.
    std::optional<double> again = ae::http::parse_date(ae::http::format_date(*t));
    AE_FUZZ_CHECK(again && *again == std::floor(*t));
  }
}

std::string decode(ContentDecoder::Coding coding, std::string_view data, std::size_t piece,
                   bool& ok) {
  ContentDecoder d(coding);
  std::string out;
  ok = true;
  for (std::size_t at = 0; at < data.size() && ok; at += piece) {
    ok = d.decode(data.substr(at, piece), [&](std::string_view o) {
      out.append(o);
      return out.size() < (1u << 22);  // a bomb stops at 4 MiB
    });
    if (out.size() >= (1u << 22)) return out;
  }
  if (ok) ok = d.finish();
  return out;
}

void fuzz_decoder(ae::fuzz::FuzzInput& in) {
  const auto coding =
      in.pick(2) == 0 ? ContentDecoder::Coding::kGzip : ContentDecoder::Coding::kDeflate;
  const std::size_t piece = in.pick(64) + 1;
  const std::string_view data = in.take_rest();
  bool whole_ok = false;
  bool pieces_ok = false;
  std::string whole = decode(coding, data, data.size() + 1, whole_ok);
  std::string pieces = decode(coding, data, piece, pieces_ok);
  if (whole.size() < (1u << 22) && pieces.size() < (1u << 22)) {
    AE_FUZZ_CHECK(whole_ok == pieces_ok);
    if (whole_ok) AE_FUZZ_CHECK(whole == pieces);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ae::fuzz::FuzzInput in(data, size);
  switch (in.pick(4)) {
    case 0:
      fuzz_response(in);
      break;
    case 1:
      fuzz_cookie(in);
      break;
    case 2:
      fuzz_date(in);
      break;
    default:
      fuzz_decoder(in);
      break;
  }
  return 0;
}
