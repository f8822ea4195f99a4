// The echo benchmark on ae, on the backend named by the first argument ("asio" or "uv"), in one
// of two styles named by the second:
//   handle  an ae::Handle that connects itself (through //socket's tcp_connect), push_write of
//           the line, push_read(ae::line) for the echo, then destroy: what a program would write;
//   socket  ae::tcp_connect, then write(2) and an ae::io read watcher on the bare fd: the
//           tutorial's finger-client style, without Handle's buffers and queues.
// Each request starts from the callback that finished the previous one.
//
// Usage: echo_ae <asio|uv> <handle|socket> HOST PORT CONNECTS
#include <unistd.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "bench/common/result.h"
#include "bench/echo/client_args.h"
#include "core/condvar.h"
#include "core/loop.h"
#include "handle/handle.h"
#include "socket/connect.h"

namespace {

using ae::bench::EchoArgs;

// The requests one after another; done() receives an error message or "" after the last.
class Requests {
 public:
  Requests(const EchoArgs& args, ae::CondVar<std::string> done)
      : args_(args), service_(std::to_string(args.port)), done_(done) {}
  virtual ~Requests() = default;

  void start() { next(); }

 protected:
  virtual void request(std::int64_t i) = 0;

  // Called by request() when request `i` ended; `echo` is what came back.
  void finished(std::int64_t i, const std::string& echo) {
    if (echo != ae::bench::echo_line(i)) return fail("wrong echo: " + echo);
    if (++done_count_ == args_.connects) return done_.send("");
    next();
  }
  void fail(const std::string& why) {
    if (!done_.ready()) done_.send(why);
  }

  const EchoArgs& args_;
  const std::string service_;

 private:
  void next() { request(done_count_); }

  ae::CondVar<std::string> done_;
  std::int64_t done_count_ = 0;
};

class HandleRequests final : public Requests {
 public:
  using Requests::Requests;

 private:
  void request(std::int64_t i) override {
    handle_ = std::make_unique<ae::Handle>(
        args_.host, service_,
        ae::Handle::Options{
            .on_connect_error = [this](ae::Handle&, std::error_code,
                                       std::string_view m) { fail(std::string(m)); },
            .on_error = [this](ae::Handle&, bool, std::error_code,
                               std::string_view m) { fail(std::string(m)); },
        });
    handle_->push_write(ae::bench::echo_line(i));
    handle_->push_read(ae::line, [this, i](ae::Handle& h, std::string line, std::string eol) {
      h.destroy();
      finished(i, line + eol);  // starts the next request, which replaces handle_
    });
  }

  std::unique_ptr<ae::Handle> handle_;
};

class SocketRequests final : public Requests {
 public:
  using Requests::Requests;
  ~SocketRequests() override { close(); }

 private:
  void request(std::int64_t i) override {
    echo_.clear();
    connect_ =
        ae::tcp_connect(args_.host, service_, [this, i](std::error_code ec, ae::Connection c) {
          if (ec) return fail("connect: " + ec.message());
          fd_ = c.fd;
          const std::string line = ae::bench::echo_line(i);
          // A fresh socket's buffer takes a short line whole.
          if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
            return fail("write");
          }
          reader_ = ae::io(fd_, ae::kRead, [this, i] {
            char buf[256];
            ssize_t n = ::read(fd_, buf, sizeof buf);
            if (n <= 0) return fail("the server closed before echoing");
            echo_.append(buf, static_cast<std::size_t>(n));
            if (echo_.back() != '\n') return;
            const std::int64_t request = i;  // close() ends this watcher, and with it its captures
            close();
            finished(request, echo_);
          });
        });
  }

  void close() {
    reader_.reset();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  ae::Guard connect_;
  ae::Io reader_;
  int fd_ = -1;
  std::string echo_;
};

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    auto args = ae::bench::parse_echo_args(argc, argv, "echo_ae <asio|uv> <handle|socket>", 2);
    const std::string& model = args.modes[0];
    const std::string& style = args.modes[1];
    auto backend = ae::make_backend(model);
    if (!backend) throw std::invalid_argument("no backend named " + model);
    if (style != "handle" && style != "socket") throw std::invalid_argument("no style " + style);
    ae::Loop loop(std::move(backend));
    ae::Loop::Scope scope(loop);

    ae::CondVar<std::string> done;
    std::unique_ptr<Requests> requests;
    if (style == "handle") {
      requests = std::make_unique<HandleRequests>(args, done);
    } else {
      requests = std::make_unique<SocketRequests>(args, done);
    }
    ae::bench::measure_requests(args, "ae/" + style + "/" + model,
                                style == "handle"
                                    ? "ae::Handle(host, port) + push_write + push_read(line)"
                                    : "ae::tcp_connect + write(2) + ae::io + read(2)",
                                [&] {
                                  requests->start();
                                  std::string error = done.recv();
                                  if (!error.empty()) throw std::runtime_error(error);
                                });
  });
}
