// The echo benchmark on libuv: one uv_tcp_t at a time; connect, write the line, read until the
// echoed "\n", close, and from the close callback start the next connect.
//
// Usage: echo_libuv HOST PORT CONNECTS
#include <uv.h>

#include <stdexcept>
#include <string>

#include "bench/common/result.h"
#include "bench/echo/client_args.h"

namespace {

struct Client {
  uv_loop_t* loop = nullptr;
  sockaddr_in to{};
  std::int64_t connects = 0;
  std::int64_t done = 0;
  std::string line;
  std::string echo;
  std::string error;  // exceptions must not cross libuv's C frames
  uv_tcp_t tcp{};
  uv_connect_t connect_req{};
  uv_write_t write_req{};
  char buf[256];
};

void start(Client* c);

void failed(Client* c, const std::string& what, int status) {
  c->error = what + ": " + uv_strerror(status);
  uv_stop(c->loop);
}

void on_close(uv_handle_t* h) {
  Client* c = static_cast<Client*>(h->data);
  if (++c->done < c->connects && c->error.empty()) start(c);
}

void on_read(uv_stream_t* s, ssize_t n, const uv_buf_t*) {
  Client* c = static_cast<Client*>(s->data);
  if (n < 0) return failed(c, "read", static_cast<int>(n));
  c->echo.append(c->buf, static_cast<std::size_t>(n));
  if (c->echo.empty() || c->echo.back() != '\n') return;
  if (c->echo != c->line) c->error = "wrong echo: " + c->echo;
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), on_close);
}

void on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf) {
  Client* c = static_cast<Client*>(h->data);
  *buf = uv_buf_init(c->buf, sizeof c->buf);
}

void on_write(uv_write_t* req, int status) {
  if (status < 0) failed(static_cast<Client*>(req->data), "write", status);
}

void on_connect(uv_connect_t* req, int status) {
  Client* c = static_cast<Client*>(req->data);
  if (status < 0) return failed(c, "connect", status);
  uv_buf_t b = uv_buf_init(c->line.data(), static_cast<unsigned>(c->line.size()));
  c->write_req.data = c;
  uv_write(&c->write_req, reinterpret_cast<uv_stream_t*>(&c->tcp), &b, 1, on_write);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), on_alloc, on_read);
}

void start(Client* c) {
  c->line = ae::bench::echo_line(c->done);
  c->echo.clear();
  uv_tcp_init(c->loop, &c->tcp);
  c->tcp.data = c;
  c->connect_req.data = c;
  int rc = uv_tcp_connect(&c->connect_req, &c->tcp, reinterpret_cast<const sockaddr*>(&c->to),
                          on_connect);
  if (rc < 0) failed(c, "uv_tcp_connect", rc);
}

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    auto args = ae::bench::parse_echo_args(argc, argv, "echo_libuv", 0);
    Client c;
    uv_loop_t loop;
    uv_loop_init(&loop);
    c.loop = &loop;
    c.connects = args.connects;
    if (uv_ip4_addr(args.host.c_str(), args.port, &c.to) != 0) {
      throw std::invalid_argument("HOST: not an IPv4 address");
    }
    ae::bench::measure_requests(args, "libuv",
                                "uv_tcp_connect + uv_write + uv_read_start + uv_close", [&] {
                                  start(&c);
                                  uv_run(&loop, UV_RUN_DEFAULT);
                                  if (!c.error.empty()) throw std::runtime_error(c.error);
                                  if (c.done != c.connects)
                                    throw std::runtime_error("the loop ended early");
                                });
    uv_loop_close(&loop);
  });
}
