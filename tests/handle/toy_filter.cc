#include "tests/handle/toy_filter.h"

#include <algorithm>

namespace ae::testing {
namespace {

class ToyCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "toy"; }
  std::string message(int ev) const override {
    switch (static_cast<ToyError>(ev)) {
      case ToyError::kHandshakeFailure:
        return "toy handshake failure";
      case ToyError::kBadRecord:
        return "toy bad record";
      case ToyError::kUnexpectedEof:
        return "toy unexpected eof";
    }
    return "toy error";
  }
};

std::string xored(unsigned char key, std::string_view data) {
  std::string out(data);
  for (char& c : out) c = static_cast<char>(static_cast<unsigned char>(c) ^ key);
  return out;
}

}  // namespace

const std::error_category& toy_category() noexcept {
  static const ToyCategory c;
  return c;
}

std::error_code make_error_code(ToyError e) noexcept {
  return {static_cast<int>(e), toy_category()};
}

ToyFilter::ToyFilter(ToyRole role, unsigned char key, std::error_code fail_with)
    : role_(role), key_(key), fail_with_(fail_with) {}

std::string ToyFilter::hello(unsigned char key) {
  return std::string("\x16\x03\x03\x00\x01", 5) + static_cast<char>(key);
}

std::string ToyFilter::record(unsigned char key, std::string_view data) {
  std::string out;
  while (!data.empty()) {
    std::size_t n = std::min<std::size_t>(data.size(), 0xffff);
    out += '\x17';
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xff);
    out += xored(key, data.substr(0, n));
    data.remove_prefix(n);
  }
  return out;
}

std::string ToyFilter::close_record() { return std::string("\x15\x00\x00", 3); }

void ToyFilter::start() {
  if (role_ == ToyRole::kClient) {
    out_ += hello(key_);
    hello_sent_ = true;
  }
}

void ToyFilter::fail(std::error_code ec, std::string message) {
  if (error_) return;
  error_ = ec;
  error_message_ = std::move(message);
}

void ToyFilter::receive(std::string_view bytes) {
  if (fail_with_) {
    fail(fail_with_, "toy: failing as asked: " + fail_with_.message());
    return;
  }
  in_.append(bytes);
  process();
}

void ToyFilter::receive_eof() {
  if (!established_ && !error_) fail(ToyError::kUnexpectedEof, "toy: EOF during handshake");
}

void ToyFilter::process() {
  while (!error_ && !peer_closed_) {
    if (!established_) {
      if (in_.size() < 6) return;
      if (in_.compare(0, 5, hello(0), 0, 5) != 0) {
        fail(ToyError::kHandshakeFailure, "toy: handshake failure: not a hello");
        return;
      }
      if (static_cast<unsigned char>(in_[5]) != key_) {
        fail(ToyError::kHandshakeFailure, "toy: handshake failure: key mismatch");
        return;
      }
      in_.erase(0, 6);
      if (!hello_sent_) {
        out_ += hello(key_);
        hello_sent_ = true;
      }
      established_ = true;
      if (!pending_.empty()) {
        out_ += record(key_, pending_);
        pending_.clear();
      }
      if (shutdown_requested_) {
        out_ += close_record();
        shutdown_sent_ = true;
      }
      continue;
    }
    if (in_.size() < 3) return;
    auto type = static_cast<unsigned char>(in_[0]);
    if (type == 0x15) {
      in_.erase(0, 3);
      peer_closed_ = true;
      if (!shutdown_requested_) {  // answer the close, as TLS does
        shutdown_requested_ = shutdown_sent_ = true;
        out_ += close_record();
      }
      return;
    }
    if (type != 0x17) {
      fail(ToyError::kBadRecord, "toy: bad record type " + std::to_string(type));
      return;
    }
    std::size_t len =
        (static_cast<unsigned char>(in_[1]) << 8) | static_cast<unsigned char>(in_[2]);
    if (in_.size() < 3 + len) return;
    app_ += xored(key_, std::string_view(in_).substr(3, len));
    in_.erase(0, 3 + len);
  }
}

void ToyFilter::send(std::string_view bytes) {
  if (established_) {
    out_ += record(key_, bytes);
  } else {
    pending_.append(bytes);
  }
}

void ToyFilter::shutdown() {
  if (shutdown_requested_) return;
  shutdown_requested_ = true;
  if (established_) {  // else: sent right after the handshake
    out_ += close_record();
    shutdown_sent_ = true;
  }
}

std::size_t ToyFilter::read(Buffer& out) {
  std::size_t n = app_.size();
  out.append(app_);
  app_.clear();
  return n;
}

std::size_t ToyFilter::take_output(Buffer& out) {
  std::size_t n = out_.size();
  out.append(out_);
  out_.clear();
  return n;
}

std::string ToyFilter::take_unfiltered() {
  if (!peer_closed_) return {};
  std::string rest = std::move(in_);
  in_.clear();
  return rest;
}

}  // namespace ae::testing
