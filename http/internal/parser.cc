#include "http/internal/parser.h"

#include <algorithm>

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <exception>
#include <string>
#include <utility>

#include "http/error.h"

namespace ae::http_internal {
namespace {

namespace beast_http = boost::beast::http;
using beast_error = boost::beast::http::error;

http::Error classify(const boost::system::error_code& ec) noexcept {
  if (ec == beast_error::header_limit) return http::Error::kHeaderTooLarge;
  if (ec == beast_error::body_limit) return http::Error::kBodyTooLarge;
  if (ec == beast_error::bad_content_length || ec == beast_error::multiple_content_length ||
      ec == beast_error::bad_transfer_encoding) {
    return http::Error::kBadFraming;
  }
  if (ec == beast_error::bad_chunk || ec == beast_error::bad_chunk_extension) {
    return http::Error::kBadChunk;
  }
  if (ec == beast_error::bad_version) return http::Error::kBadVersion;
  if (ec == beast_error::partial_message || ec == beast_error::end_of_stream) {
    return http::Error::kPartialMessage;
  }
  return http::Error::kBadMessage;
}

}  // namespace

template <bool kRequest>
struct MessageParser<kRequest>::Impl final : beast_http::basic_parser<kRequest> {
  using Base = beast_http::basic_parser<kRequest>;

  explicit Impl(const ParserLimits& limits) : line_limit(limits.header_limit) {
    this->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(limits.header_limit, std::numeric_limits<std::uint32_t>::max())));
    if (limits.body_limit) {
      this->body_limit(*limits.body_limit);
    } else {
      this->body_limit(boost::none);
    }
    // One step per put(): the caller sees the header before any body byte, and each body piece
    // before the parser moves on.
    this->eager(false);
  }

  void fail(http::Error e, std::string_view detail) {
    error = e;
    message = http::make_error_code(e).message();
    if (!detail.empty()) {
      message += ": ";
      message += detail;
    }
    failed = true;
  }

  // ---- basic_parser's callbacks --------------------------------------------------------------

  void on_request_impl(beast_http::verb, boost::beast::string_view method,
                       boost::beast::string_view target, int version,
                       boost::system::error_code&) override {
    if constexpr (kRequest) {
      head.method.assign(method.data(), method.size());
      head.target.assign(target.data(), target.size());
      head.version = version;
    }
  }

  void on_response_impl(int status, boost::beast::string_view reason, int version,
                        boost::system::error_code& ec) override {
    if constexpr (!kRequest) {
      // Beast takes any three digits; RFC 9110 §15 has no status below 100.
      if (status < 100) {
        ec = beast_error::bad_status;
        return;
      }
      head.status = status;
      head.reason.assign(reason.data(), reason.size());
      head.version = version;
    }
  }

  void on_field_impl(beast_http::field, boost::beast::string_view name,
                     boost::beast::string_view value, boost::system::error_code& ec) override {
    std::string_view n(name.data(), name.size());
    std::string_view v(value.data(), value.size());
    // Beast checked both against RFC 9112's grammar; an obsolete line folding it let through is
    // the only thing Headers would still refuse, and that is a malformed message.
    if (!http::is_token(n) || !http::is_field_value(v)) {
      ec = beast_error::bad_value;
      return;
    }
    (in_trailer ? trailer : head.headers).add(n, v);
  }

  void on_header_impl(boost::system::error_code&) override { in_trailer = true; }

  void on_body_init_impl(const boost::optional<std::uint64_t>&,
                         boost::system::error_code&) override {}

  std::size_t on_body_impl(boost::beast::string_view piece, boost::system::error_code&) override {
    body = std::string_view(piece.data(), piece.size());
    body_bytes += piece.size();
    return piece.size();
  }

  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view,
                            boost::system::error_code&) override {}

  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view piece,
                                 boost::system::error_code& ec) override {
    return on_body_impl(piece, ec);
  }

  void on_finish_impl(boost::system::error_code&) override {}

  // Beast applies its own header limit to the start line and fields only; parse() applies this
  // one to a chunk's size line and to the trailer as well.
  std::size_t line_limit;
  Head head;
  http::Headers trailer;
  std::string_view body;
  std::uint64_t body_bytes = 0;
  bool in_trailer = false;
  bool header_reported = false;
  // After Beast asked for more without taking anything: put() again only once the unconsumed
  // input is at least this long (see parse()).
  std::size_t resume_at = 0;
  bool failed = false;
  http::Error error = http::Error::kBadMessage;
  std::string message;
};

template <bool kRequest>
MessageParser<kRequest>::MessageParser(const ParserLimits& limits)
    : impl_(std::make_unique<Impl>(limits)) {}

template <bool kRequest>
MessageParser<kRequest>::~MessageParser() = default;
template <bool kRequest>
MessageParser<kRequest>::MessageParser(MessageParser&&) noexcept = default;
template <bool kRequest>
MessageParser<kRequest>& MessageParser<kRequest>::operator=(MessageParser&&) noexcept = default;

template <bool kRequest>
void MessageParser<kRequest>::skip_body() {
  impl_->skip(true);
}

template <bool kRequest>
ParseEvent MessageParser<kRequest>::parse(std::string_view input, std::size_t& used) {
  Impl& p = *impl_;
  used = 0;
  p.body = {};
  if (p.failed) return ParseEvent::kError;
  for (;;) {
    if (p.is_done()) {
      if (!p.header_reported) {
        p.header_reported = true;
        return ParseEvent::kHeader;
      }
      return ParseEvent::kComplete;
    }
    if (used == input.size()) return ParseEvent::kNeedMore;
    // Beast wants the bytes it left unconsumed again, with more after them. It also asserts
    // (BOOST_ASSERT(n >= 5) in parse_chunk_header, Boost 1.81) that a chunked body's last-chunk
    // line "0\r\n", seen without the end of its trailer, comes back with at least two more bytes:
    // one more would abort a build without NDEBUG. Two more are always needed there anyway (the
    // trailer's end is at least "\r\n"), so waiting for them changes no result.
    if (input.size() - used < p.resume_at) return ParseEvent::kNeedMore;
    p.resume_at = 0;
    boost::system::error_code ec;
    std::size_t n = 0;
    try {
      n = p.put(boost::asio::const_buffer(input.data() + used, input.size() - used), ec);
    } catch (const std::exception& e) {
      p.fail(http::Error::kBadMessage, e.what());
      return ParseEvent::kError;
    }
    if (ec == beast_error::need_more && n == 0) {
      // Once the header is in, Beast waits for the end of a chunk's size line (its extensions)
      // or of the trailer however long they grow: a peer could make the buffer grow forever.
      if (p.is_header_done() && input.size() - used > p.line_limit) {
        p.fail(http::Error::kHeaderTooLarge, "a chunk size line or the trailer is longer than " +
                                                 std::to_string(p.line_limit) + " bytes");
        return ParseEvent::kError;
      }
      p.resume_at = std::max<std::size_t>(input.size() - used + 1, 5);
    }
    used += n;
    if (ec == beast_error::need_more) return ParseEvent::kNeedMore;
    if (ec) {
      p.fail(classify(ec), ec.message());
      return ParseEvent::kError;
    }
    if (p.is_header_done() && !p.header_reported) {
      p.header_reported = true;
      return ParseEvent::kHeader;
    }
    if (!p.body.empty()) return ParseEvent::kBody;
    if (n == 0 && !p.is_done()) return ParseEvent::kNeedMore;
  }
}

template <bool kRequest>
ParseEvent MessageParser<kRequest>::finish() {
  Impl& p = *impl_;
  p.body = {};
  if (p.failed) return ParseEvent::kError;
  if (p.is_done()) return ParseEvent::kComplete;
  if (!p.got_some()) return ParseEvent::kNeedMore;
  boost::system::error_code ec;
  try {
    p.put_eof(ec);
  } catch (const std::exception& e) {
    p.fail(http::Error::kBadMessage, e.what());
    return ParseEvent::kError;
  }
  if (ec) {
    p.fail(classify(ec),
           p.is_header_done() ? "the body is shorter than announced" : "the header is incomplete");
    return ParseEvent::kError;
  }
  return ParseEvent::kComplete;
}

template <bool kRequest>
std::string_view MessageParser<kRequest>::body() const noexcept {
  return impl_->body;
}
template <bool kRequest>
auto MessageParser<kRequest>::head() noexcept -> Head& {
  return impl_->head;
}
template <bool kRequest>
auto MessageParser<kRequest>::head() const noexcept -> const Head& {
  return impl_->head;
}
template <bool kRequest>
http::Headers& MessageParser<kRequest>::trailers() noexcept {
  return impl_->trailer;
}
template <bool kRequest>
bool MessageParser<kRequest>::started() const noexcept {
  return impl_->got_some();
}
template <bool kRequest>
bool MessageParser<kRequest>::header_done() const noexcept {
  return impl_->is_header_done();
}
template <bool kRequest>
bool MessageParser<kRequest>::done() const noexcept {
  return impl_->is_done() || impl_->failed;
}
template <bool kRequest>
bool MessageParser<kRequest>::chunked() const noexcept {
  return impl_->is_header_done() && impl_->chunked();
}
template <bool kRequest>
std::optional<std::uint64_t> MessageParser<kRequest>::content_length() const noexcept {
  if (!impl_->is_header_done()) return std::nullopt;
  boost::optional<std::uint64_t> n = impl_->content_length();
  if (!n) return std::nullopt;
  return *n;
}
template <bool kRequest>
bool MessageParser<kRequest>::needs_eof() const noexcept {
  return impl_->is_header_done() && impl_->need_eof();
}
template <bool kRequest>
bool MessageParser<kRequest>::keep_alive() const noexcept {
  return impl_->is_header_done() && impl_->keep_alive();
}
template <bool kRequest>
bool MessageParser<kRequest>::upgrade() const noexcept {
  return impl_->is_header_done() && impl_->upgrade();
}
template <bool kRequest>
std::uint64_t MessageParser<kRequest>::body_bytes() const noexcept {
  return impl_->body_bytes;
}
template <bool kRequest>
std::error_code MessageParser<kRequest>::error() const noexcept {
  return impl_->failed ? http::make_error_code(impl_->error) : std::error_code();
}
template <bool kRequest>
const std::string& MessageParser<kRequest>::error_message() const noexcept {
  return impl_->message;
}

template class MessageParser<true>;
template class MessageParser<false>;

}  // namespace ae::http_internal
