#include "http/error.h"

#include <string>

namespace ae::http {
namespace {

class HttpCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ae.http"; }

  std::string message(int e) const override {
    switch (static_cast<Error>(e)) {
      case Error::kBadMessage:
        return "malformed HTTP message";
      case Error::kHeaderTooLarge:
        return "HTTP header too large";
      case Error::kBodyTooLarge:
        return "HTTP body too large";
      case Error::kBadFraming:
        return "conflicting or malformed message framing (Content-Length, Transfer-Encoding)";
      case Error::kBadChunk:
        return "garbled chunked transfer encoding";
      case Error::kPartialMessage:
        return "the connection ended inside an HTTP message";
      case Error::kBadVersion:
        return "unsupported HTTP version";
      case Error::kBadUrl:
        return "unparsable URL";
      case Error::kUnsupportedScheme:
        return "only http and https URL schemes supported";
      case Error::kTooManyRedirects:
        return "too many redirections";
      case Error::kBadLocation:
        return "cannot resolve the redirect's Location";
      case Error::kAborted:
        return "request cancelled";
      case Error::kBadContentEncoding:
        return "content decoding failed";
      case Error::kProxyRefused:
        return "the proxy refused the tunnel";
      case Error::kNoResponse:
        return "the connection closed before any response";
      case Error::kCannotReplayBody:
        return "a streamed request body cannot be sent again";
    }
    return "unknown HTTP error";
  }

  std::error_condition default_error_condition(int e) const noexcept override {
    switch (static_cast<Error>(e)) {
      case Error::kAborted:
        return std::errc::operation_canceled;
      case Error::kBadUrl:
      case Error::kUnsupportedScheme:
      case Error::kBadLocation:
        return std::errc::invalid_argument;
      case Error::kBodyTooLarge:
      case Error::kHeaderTooLarge:
        return std::errc::message_size;
      default:
        return std::errc::protocol_error;
    }
  }
};

}  // namespace

const std::error_category& http_category() noexcept {
  static const HttpCategory category;
  return category;
}

std::error_code make_error_code(Error e) noexcept { return {static_cast<int>(e), http_category()}; }

}  // namespace ae::http
