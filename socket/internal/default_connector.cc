// Installs tcp_connect as the process's ae::Connector when //socket is linked (the target is
// alwayslink), so //handle connects by host and service without depending on //socket.
#include <memory>

#include "core/connector.h"
#include "socket/connect.h"

namespace ae::socket_internal {
namespace {

class SocketConnector final : public Connector {
 public:
  Guard connect(std::string_view host, std::string_view service, ConnectCallback cb,
                PrepareCallback prepare) override {
    return tcp_connect(host, service, std::move(cb), std::move(prepare));
  }
};

[[maybe_unused]] const bool kInstalled = [] {
  set_default_connector(std::make_shared<SocketConnector>());
  return true;
}();

}  // namespace
}  // namespace ae::socket_internal
