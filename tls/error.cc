#include "tls/error.h"

#include <string>

namespace ae::tls {
namespace {

class TlsCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ae.tls"; }

  std::string message(int e) const override {
    switch (static_cast<Error>(e)) {
      case Error::kHandshakeFailed:
        return "TLS handshake failed";
      case Error::kCertificateExpired:
        return "certificate has expired";
      case Error::kCertificateNotYetValid:
        return "certificate is not yet valid";
      case Error::kUnknownCa:
        return "certificate is not signed by a trusted CA";
      case Error::kNameMismatch:
        return "certificate does not match the peer name";
      case Error::kCertificateRevoked:
        return "certificate has been revoked";
      case Error::kCertificateRejected:
        return "certificate rejected by the verify callback";
      case Error::kCertificateInvalid:
        return "certificate verification failed";
      case Error::kNoPeerCertificate:
        return "the peer sent no certificate";
      case Error::kPeerAlert:
        return "the peer sent a fatal TLS alert";
      case Error::kProtocolVersion:
        return "no TLS protocol version in common with the peer";
      case Error::kNoSharedCipher:
        return "no cipher in common with the peer";
      case Error::kNoApplicationProtocol:
        return "no application protocol (ALPN) in common with the peer";
      case Error::kNotTls:
        return "the peer does not speak TLS";
      case Error::kBadRecord:
        return "bad TLS record";
      case Error::kUnexpectedEof:
        return "the connection ended without a TLS close_notify";
      case Error::kRenegotiation:
        return "the peer attempted TLS renegotiation";
      case Error::kNoPeerName:
        return "no peer name to verify the certificate against";
      case Error::kInternal:
        return "internal TLS error";
    }
    return "unknown TLS error";
  }

  // Every TLS failure is AnyEvent's EPROTO.
  std::error_condition default_error_condition(int) const noexcept override {
    return std::errc::protocol_error;
  }
};

}  // namespace

const std::error_category& tls_category() noexcept {
  static const TlsCategory category;
  return category;
}

std::error_code make_error_code(Error e) noexcept { return {static_cast<int>(e), tls_category()}; }

}  // namespace ae::tls
