// The UDP echo server on libuv: uv_udp_recv_start, and each datagram sent back with
// uv_udp_try_send, falling back to a queued uv_udp_send (with a copy) when the socket's buffer
// is full, as ae's UdpSocket does. The load client (load.h) runs on a second thread; its end
// wakes the loop through uv_async_send.
//
// Usage: udp_echo_libuv ECHOES WINDOW SIZE
#include <uv.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "bench/common/result.h"
#include "bench/udp/load.h"

namespace {

struct Server {
  uv_udp_t udp{};
  uv_async_t stop{};
  char buffer[65536];
  std::int64_t failed_replies = 0;
};

struct SendRequest {
  uv_udp_send_t req;
  char data[1];  // the copy follows
};

void on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buf) {
  Server* s = static_cast<Server*>(handle->data);
  *buf = uv_buf_init(s->buffer, sizeof s->buffer);
}

void on_sent(uv_udp_send_t* req, int) { std::free(req); }

void on_datagram(uv_udp_t* udp, ssize_t nread, const uv_buf_t* buf, const sockaddr* addr,
                 unsigned) {
  if (nread < 0 || addr == nullptr) return;
  Server* s = static_cast<Server*>(udp->data);
  uv_buf_t reply = uv_buf_init(buf->base, static_cast<unsigned>(nread));
  int r = uv_udp_try_send(udp, &reply, 1, addr);
  if (r == UV_EAGAIN) {
    auto* q = static_cast<SendRequest*>(std::malloc(sizeof(SendRequest) + nread));
    std::memcpy(q->data, buf->base, nread);
    uv_buf_t copy = uv_buf_init(q->data, static_cast<unsigned>(nread));
    r = uv_udp_send(&q->req, udp, &copy, 1, addr, on_sent);
    if (r < 0) std::free(q);
  }
  if (r < 0) ++s->failed_replies;
}

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    ae::bench::UdpLoad load = ae::bench::parse_udp_load(argc, argv, "udp_echo_libuv", 0);
    uv_loop_t* loop = uv_default_loop();
    Server server;
    server.udp.data = &server;
    sockaddr_in addr{};
    uv_ip4_addr("127.0.0.1", 0, &addr);
    if (uv_udp_init(loop, &server.udp) != 0 ||
        uv_udp_bind(&server.udp, reinterpret_cast<const sockaddr*>(&addr), 0) != 0 ||
        uv_udp_recv_start(&server.udp, on_alloc, on_datagram) != 0) {
      throw std::runtime_error("cannot start the libuv UDP server");
    }
    sockaddr_in bound{};
    int len = sizeof bound;
    uv_udp_getsockname(&server.udp, reinterpret_cast<sockaddr*>(&bound), &len);
    uv_async_init(loop, &server.stop, [](uv_async_t* a) {
      Server* s = static_cast<Server*>(a->data);
      uv_close(reinterpret_cast<uv_handle_t*>(&s->udp), nullptr);
      uv_close(reinterpret_cast<uv_handle_t*>(&s->stop), nullptr);
    });
    server.stop.data = &server;

    double cpu0 = ae::bench::thread_cpu_seconds();
    ae::bench::UdpLoadClient client(ntohs(bound.sin_port), load,
                                    [&] { uv_async_send(&server.stop); });
    uv_run(loop, UV_RUN_DEFAULT);
    double cpu = ae::bench::thread_cpu_seconds() - cpu0;
    uv_loop_close(loop);
    ae::bench::print_udp_result("libuv", load, client.join(), cpu,
                                "uv_udp_recv_start + uv_udp_try_send; " +
                                    std::to_string(server.failed_replies) + " replies failed");
  });
}
