#include "socket/connect.h"

#include <memory>
#include <stdexcept>
#include <utility>

#include "socket/internal/connect_race.h"

namespace ae {

Guard tcp_connect(std::string_view host, std::string_view service, ConnectCallback cb,
                  PrepareCallback prepare, const ConnectOptions& options) {
  if (!cb) throw std::invalid_argument("ae::tcp_connect: the callback is empty");
  auto race = std::make_shared<socket_internal::ConnectRace>(
      std::move(cb), std::move(prepare), options.attempt_delay, options.timeout);
  race->start(options.resolver != nullptr ? *options.resolver : default_resolver(), host, service);
  return Guard([race] { race->cancel(); });
}

Guard tcp_connect(std::string_view host, std::string_view service, ConnectCallback cb,
                  PrepareCallback prepare) {
  return tcp_connect(host, service, std::move(cb), std::move(prepare), ConnectOptions{});
}

}  // namespace ae
