#include "tests/support/dnsmasq.h"

#include <utility>

#include "tests/support/files.h"

namespace ae::testing {

Dnsmasq::Dnsmasq(std::vector<std::string> records, const std::string& resolv_conf_extra) {
  server_ = start_on_free_port(
      [&](std::uint16_t port) {
        std::vector<std::string> argv = {"/usr/sbin/dnsmasq",
                                         "--no-daemon",
                                         "--no-resolv",
                                         "--no-hosts",
                                         "--conf-file=/dev/null",
                                         "--pid-file=",
                                         "--bind-interfaces",
                                         "--listen-address=127.0.0.1",
                                         "--port=" + std::to_string(port),
                                         "--address=/invalid/",
                                         "--log-facility=-"};
        argv.insert(argv.end(), records.begin(), records.end());
        return argv;
      },
      {.protocols = kTcp | kUdp});
  resolv_conf = temp_dir("dnsmasq-" + std::to_string(server_.port)) + "/resolv.conf";
  write_file(resolv_conf, "nameserver 127.0.0.1:" + std::to_string(server_.port) +
                              "\noptions timeout:1 attempts:2\n" + resolv_conf_extra);
}

}  // namespace ae::testing
