// A FastCGI client for tests: it plays the web server's side of one connection with ae::Handle,
// builds records with //http's own framing helpers (the fuzz target and libfcgi's cgi-fcgi check
// those independently), and collects what the responder sends back, per request id.
//
// Example:
//   auto [ours, theirs] = ae::testing::unix_pair();
//   server.serve(theirs);
//   FcgiClient client(ours);
//   client.request(1, {{"REQUEST_METHOD", "GET"}}, "");
//   ASSERT_TRUE(client.wait_end(1));
//   EXPECT_EQ(client.reply(1).out, "Status: 200 OK\r\n\r\nhi");
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "handle/handle.h"

namespace ae::http_test {

struct FcgiReply {
  std::string out;  // FCGI_STDOUT, concatenated
  std::string err;  // FCGI_STDERR, concatenated
  std::vector<std::size_t> out_record_sizes;
  bool out_closed = false;  // the empty FCGI_STDOUT arrived
  bool ended = false;       // FCGI_END_REQUEST arrived
  std::uint32_t app_status = 0;
  std::uint8_t protocol_status = 0;
};

class FcgiClient {
 public:
  explicit FcgiClient(int fd);

  void begin(std::uint16_t id, bool keep_conn = false, std::uint16_t role = 1);
  // FCGI_PARAMS with the pairs, then the empty record that ends them.
  void params(std::uint16_t id, const std::map<std::string, std::string>& env);
  // FCGI_STDIN with `body` (when not empty), and the empty record when `end`.
  void stdin_data(std::uint16_t id, std::string_view body, bool end = true);
  void abort(std::uint16_t id);
  // A whole request: begin, params (CONTENT_LENGTH added when the body is not empty and none
  // is given), stdin.
  void request(std::uint16_t id, std::map<std::string, std::string> env, std::string_view body,
               bool keep_conn = false);
  void raw(std::string_view bytes) { handle_.push_write(bytes); }
  // Closes our end.
  void hang_up() { handle_ = Handle(); }

  // Runs the loop until request `id` ended, the connection closed, or 10 s passed.
  bool wait_end(std::uint16_t id);
  // Runs the loop until the responder closed the connection.
  bool wait_eof();

  FcgiReply& reply(std::uint16_t id) { return replies_[id]; }
  bool eof() const { return eof_; }
  // Management records (request id 0) by type: their content.
  std::map<std::uint8_t, std::string>& management() { return management_; }

 private:
  void on_read(Handle& h);

  Handle handle_;
  std::map<std::uint16_t, FcgiReply> replies_;
  std::map<std::uint8_t, std::string> management_;
  bool eof_ = false;
};

}  // namespace ae::http_test
