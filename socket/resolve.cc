#include "socket/resolve.h"

#include <optional>
#include <utility>
#include <vector>

#include "core/loop.h"

namespace ae {

Guard inet_aton(std::string_view name, InetAtonCallback cb) {
  std::optional<HostAddress> literal;
  if (auto v4 = parse_ipv4(name)) {
    literal = HostAddress(*v4);
  } else if (auto v6 = parse_ipv6(name)) {
    literal = HostAddress(*v6);
  }
  if (literal) {
    return postpone_cancellable([cb = std::move(cb), a = *literal]() mutable {
      cb(std::error_code(), std::vector<HostAddress>{a});
    });
  }
  return resolve_sockaddr(name, "0", {},
                          [cb = std::move(cb)](std::error_code ec, std::vector<SocketAddress> sas) {
                            std::vector<HostAddress> out;
                            for (const SocketAddress& sa : sas) {
                              out.push_back(unpack_sockaddr(sa).host);
                            }
                            cb(ec, std::move(out));
                          });
}

}  // namespace ae
