// ToyFilter: a small ae::StreamFilter that stands in for TLS in the Handle tests, and shows what
// a filter implementation has to do.
//
// Wire format (looks enough like TLS for tls_detect):
//   hello  16 03 03 00 01 <key>     the client sends it at start(), the server answers with its own
//   data   17 <len hi> <len lo> <len bytes, each XOR key>
//   close  15 00 00                 shutdown(), answered in kind; after it the stream is plain
// A key mismatch fails the handshake; an unknown record type is a bad record.
#pragma once

#include <string>
#include <system_error>

#include "core/stream_filter.h"

namespace ae::testing {

enum class ToyRole { kClient, kServer };

// The toy filter's own error category ("toy").
enum class ToyError { kHandshakeFailure = 1, kBadRecord = 2, kUnexpectedEof = 3 };
const std::error_category& toy_category() noexcept;
std::error_code make_error_code(ToyError e) noexcept;

class ToyFilter final : public StreamFilter {
 public:
  // `fail_with`, when set, is reported as the filter's error as soon as it receives anything.
  ToyFilter(ToyRole role, unsigned char key, std::error_code fail_with = {});

  std::string_view name() const noexcept override { return "toy"; }
  void start() override;
  void receive(std::string_view transport_bytes) override;
  void receive_eof() override;
  void send(std::string_view application_bytes) override;
  void shutdown() override;
  std::size_t read(Buffer& out) override;
  std::size_t take_output(Buffer& out) override;
  bool established() const noexcept override { return established_; }
  bool peer_closed() const noexcept override { return peer_closed_; }
  bool shutdown_sent() const noexcept override { return shutdown_sent_; }
  std::error_code error() const noexcept override { return error_; }
  std::string error_message() const override { return error_message_; }
  std::size_t pending_send() const noexcept override { return pending_.size(); }
  std::string take_unfiltered() override;

  // Encodes a data record as the peer would (for tests that speak the protocol by hand).
  static std::string hello(unsigned char key);
  static std::string record(unsigned char key, std::string_view data);
  static std::string close_record();

 private:
  void process();
  void fail(std::error_code ec, std::string message);

  ToyRole role_;
  unsigned char key_;
  std::error_code fail_with_;
  std::string in_;
  std::string out_;
  std::string app_;
  std::string pending_;
  bool hello_sent_ = false;
  bool established_ = false;
  bool peer_closed_ = false;
  bool shutdown_requested_ = false;
  bool shutdown_sent_ = false;
  std::error_code error_;
  std::string error_message_;
};

}  // namespace ae::testing

template <>
struct std::is_error_code_enum<ae::testing::ToyError> : std::true_type {};
