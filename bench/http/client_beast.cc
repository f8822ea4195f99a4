// Boost.Beast's asynchronous client in the client benchmark (bench/http/client_bench.cc), as its
// http_client_async example writes it: per connection a loop of async_write(request) and
// async_read(response) on one io_context, CONCURRENCY connections kept alive. Only the "rps"
// mode; the URL must be http://127.0.0.1:PORT/PATH (the driver's).
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/common/measure.h"
#include "bench/common/result.h"
#include "bench/http/client_args.h"

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using ae::bench::seconds_now;
using asio::ip::tcp;

struct Shared {
  double t0 = 0;
  double t_end = 0;
  double seconds = 0;
  std::int64_t done = 0;
  std::string failure;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(asio::io_context& io, Shared& shared, const tcp::endpoint& to,
          http::request<http::empty_body> req)
      : socket_(io), shared_(shared), to_(to), req_(std::move(req)) {}

  void start() {
    socket_.async_connect(to_, [self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return self->fail("connect", ec);
      self->socket_.set_option(tcp::no_delay(true));
      self->send();
    });
  }

 private:
  void send() {
    http::async_write(socket_, req_,
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        if (ec) return self->fail("write", ec);
                        self->receive();
                      });
  }

  void receive() {
    res_ = {};
    http::async_read(socket_, buffer_, res_,
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (ec) return self->fail("read", ec);
                       self->received();
                     });
  }

  void received() {
    if (res_.result_int() != 200 || res_.body().empty()) {
      shared_.failure = "status " + std::to_string(res_.result_int());
      return;
    }
    ++shared_.done;
    shared_.t_end = seconds_now();
    if (shared_.t_end - shared_.t0 < shared_.seconds && res_.keep_alive()) send();
  }

  void fail(const char* what, boost::system::error_code ec) {
    shared_.failure = std::string(what) + ": " + ec.message();
  }

  tcp::socket socket_;
  Shared& shared_;
  tcp::endpoint to_;
  http::request<http::empty_body> req_;
  boost::beast::flat_buffer buffer_;
  http::response<http::string_body> res_;
};

void requests_per_second(const ae::bench::ClientArgs& args) {
  const std::string prefix = "http://127.0.0.1:";
  if (!args.url.starts_with(prefix)) throw std::invalid_argument("URL must start " + prefix);
  const std::size_t slash = args.url.find('/', prefix.size());
  const std::string port = args.url.substr(prefix.size(), slash - prefix.size());
  const std::string target = slash == std::string::npos ? "/" : args.url.substr(slash);
  const tcp::endpoint to(asio::ip::make_address("127.0.0.1"),
                         static_cast<unsigned short>(std::stoi(port)));

  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1:" + port);
  req.set(http::field::user_agent, "beast");
  req.set(http::field::accept, "*/*");

  asio::io_context io(1);
  Shared shared;
  shared.seconds = static_cast<double>(args.seconds);
  shared.t0 = seconds_now();
  shared.t_end = shared.t0;
  const double cpu0 = ae::bench::cpu_seconds_now();
  for (std::int64_t i = 0; i < args.concurrency; ++i) {
    std::make_shared<Session>(io, shared, to, req)->start();
  }
  io.run();
  const double cpu = ae::bench::cpu_seconds_now() - cpu0;
  if (!shared.failure.empty()) throw std::runtime_error(shared.failure);
  ae::bench::Result r;
  r.set("name", "beast")
      .set("requests", shared.done)
      .set("rps", static_cast<double>(shared.done) / (shared.t_end - shared.t0), 0)
      .set("cpu_us", cpu * 1e6 / static_cast<double>(shared.done), 1);
  r.print();
}

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    ae::bench::ClientArgs args = ae::bench::parse_client_args(argc, argv);
    if (args.download)
      throw std::invalid_argument("client_beast measures requests per second only");
    requests_per_second(args);
  });
}
