#include "tls/internal/openssl_util.h"

#include <openssl/err.h>

#include <climits>

namespace ae::tls_internal {

BioPtr memory_bio(std::string_view text) {
  int len =
      text.size() > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(text.size());
  return BioPtr(BIO_new_mem_buf(text.data(), len));
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string take_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    std::string text = reason != nullptr ? reason : "error " + std::to_string(ERR_GET_REASON(e));
    if (out.find(text) != std::string::npos) continue;  // OpenSSL often repeats itself
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out;
}

int peek_reason() noexcept {
  unsigned long e = ERR_peek_error();
  return e == 0 ? 0 : ERR_GET_REASON(e);
}

}  // namespace ae::tls_internal
