// The UDP echo server on ae, on the backend named by the first argument ("asio" or "uv"):
// ae::udp_bind on 127.0.0.1 and UdpSocket::reply with the bytes received, what a program would
// write. The load client (load.h) runs on a second thread; its end wakes the loop through
// Loop::post.
//
// Usage: udp_echo_ae <asio|uv> ECHOES WINDOW SIZE
#include <stdexcept>
#include <string>

#include "bench/common/result.h"
#include "bench/udp/load.h"
#include "core/condvar.h"
#include "core/loop.h"
#include "socket/udp.h"

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    ae::bench::UdpLoad load = ae::bench::parse_udp_load(argc, argv, "udp_echo_ae <asio|uv>", 1);
    const std::string& model = load.modes[0];
    auto backend = ae::make_backend(model);
    if (!backend) throw std::invalid_argument("no backend named " + model);
    ae::Loop loop(std::move(backend));
    ae::Loop::Scope scope(loop);

    std::int64_t failed_replies = 0;
    ae::Result<ae::UdpSocket> server =
        ae::udp_bind("127.0.0.1", "0", [&](ae::UdpSocket& s, const ae::UdpMessage& m) {
          if (s.reply(m, m.data)) ++failed_replies;
        });
    if (!server) throw std::runtime_error(server.message());

    ae::CondVar<> done;
    double cpu0 = ae::bench::thread_cpu_seconds();
    ae::bench::UdpLoadClient client(server->port(), load, [&] { loop.post([&] { done.send(); }); });
    done.recv();
    double cpu = ae::bench::thread_cpu_seconds() - cpu0;
    ae::bench::print_udp_result(
        "ae/" + model, load, client.join(), cpu,
        "udp_bind + reply; " + std::to_string(failed_replies) + " replies failed");
  });
}
