#include "tests/http/fcgi_client.h"

#include <utility>

#include "http/internal/fcgi_protocol.h"
#include "tests/support/run_until.h"

namespace ae::http_test {

namespace proto = ::ae::http_internal::fcgi;

FcgiClient::FcgiClient(int fd)
    : handle_(fd, {
                      .on_error = [this](Handle&, bool, std::error_code,
                                         std::string_view) { eof_ = true; },
                      .on_read = [this](Handle& h) { on_read(h); },
                      .on_eof = [this](Handle&) { eof_ = true; },
                  }) {}

void FcgiClient::on_read(Handle& h) {
  proto::Record r;
  while (std::size_t n = proto::parse_record(h.rbuf().view(), r)) {
    if (r.request_id == 0) {
      management_[r.type] += std::string(r.content);
    } else {
      FcgiReply& reply = replies_[r.request_id];
      if (r.type == proto::kStdout) {
        if (r.content.empty()) reply.out_closed = true;
        reply.out += r.content;
        reply.out_record_sizes.push_back(r.content.size());
      } else if (r.type == proto::kStderr) {
        reply.err += r.content;
      } else if (r.type == proto::kEndRequest && r.content.size() >= 8) {
        auto b = [&](int i) { return static_cast<std::uint8_t>(r.content[i]); };
        reply.ended = true;
        reply.app_status = (std::uint32_t{b(0)} << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
        reply.protocol_status = b(4);
      }
    }
    h.rbuf().consume(n);
  }
}

void FcgiClient::begin(std::uint16_t id, bool keep_conn, std::uint16_t role) {
  std::string out;
  proto::append_begin_request(out, id, role, keep_conn ? proto::kKeepConn : 0);
  raw(out);
}

void FcgiClient::params(std::uint16_t id, const std::map<std::string, std::string>& env) {
  std::string pairs;
  for (const auto& [name, value] : env) proto::encode_pair(pairs, name, value);
  std::string out;
  proto::append_stream(out, proto::kParams, id, pairs);
  proto::append_record(out, proto::kParams, id, "");
  raw(out);
}

void FcgiClient::stdin_data(std::uint16_t id, std::string_view body, bool end) {
  std::string out;
  proto::append_stream(out, proto::kStdin, id, body);
  if (end) proto::append_record(out, proto::kStdin, id, "");
  raw(out);
}

void FcgiClient::abort(std::uint16_t id) {
  std::string out;
  proto::append_record(out, proto::kAbortRequest, id, "");
  raw(out);
}

void FcgiClient::request(std::uint16_t id, std::map<std::string, std::string> env,
                         std::string_view body, bool keep_conn) {
  if (!body.empty()) env.try_emplace("CONTENT_LENGTH", std::to_string(body.size()));
  begin(id, keep_conn);
  params(id, env);
  stdin_data(id, body);
}

bool FcgiClient::wait_end(std::uint16_t id) {
  return testing::run_until([&] { return replies_[id].ended || eof_; }) && replies_[id].ended;
}

bool FcgiClient::wait_eof() {
  return testing::run_until([&] { return eof_; });
}

}  // namespace ae::http_test
