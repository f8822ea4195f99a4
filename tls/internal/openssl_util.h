// Small helpers around OpenSSL's C API: owning pointers, and the thread's error queue as text.
// Private to //tls.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>

namespace ae::tls_internal {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using SslPtr = std::unique_ptr<SSL, Deleter<SSL_free>>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX_free>>;
using SessionPtr = std::unique_ptr<SSL_SESSION, Deleter<SSL_SESSION_free>>;

// A read-only memory BIO over `text` (which must outlive it).
BioPtr memory_bio(std::string_view text);

// Everything a memory BIO holds, as a string.
std::string bio_text(BIO* bio);

// Empties the thread's OpenSSL error queue and returns its entries as "reason; reason" (the
// library's reason strings, without the "error:0A000086:SSL routines::" prefix), or "" when it
// was empty.
std::string take_errors();

// The reason code of the earliest error in the thread's queue (0 if none), without removing it.
int peek_reason() noexcept;

}  // namespace ae::tls_internal
