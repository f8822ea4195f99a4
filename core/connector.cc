#include "core/connector.h"

#include <mutex>
#include <string>
#include <utility>

#include "core/loop.h"

namespace ae {
namespace {

class ConnectCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ae.connect"; }
  std::string message(int) const override {
    return "no connector is linked: depend on //socket to connect by host and service";
  }
};

// Used until //socket installs the real one: every request fails, from the loop.
class MissingConnector final : public Connector {
 public:
  Guard connect(std::string_view host, std::string_view service, ConnectCallback cb,
                PrepareCallback) override {
    Connection failed;
    failed.error = "connect to " + std::string(host) + ":" + std::string(service) + ": " +
                   make_error_code(ConnectError::kNoConnector).message();
    return postpone_cancellable([cb = std::move(cb), failed = std::move(failed)]() mutable {
      cb(ConnectError::kNoConnector, std::move(failed));
    });
  }
};

std::mutex g_mutex;
std::shared_ptr<Connector> g_connector;

std::shared_ptr<Connector> current_connector() {
  std::lock_guard lock(g_mutex);
  if (!g_connector) g_connector = std::make_shared<MissingConnector>();
  return g_connector;
}

// default_connector()'s object, as default_resolver()'s: each request goes to the connector
// installed when it starts and keeps that one alive until the request's Guard goes, so a replaced
// connector lives exactly as long as its last request, and none is kept forever.
class DefaultConnector final : public Connector {
 public:
  Guard connect(std::string_view host, std::string_view service, ConnectCallback cb,
                PrepareCallback prepare) override {
    std::shared_ptr<Connector> c = current_connector();
    Guard g = c->connect(host, service, std::move(cb), std::move(prepare));
    return Guard([c = std::move(c), g = std::move(g)]() mutable {
      g.reset();
      // The Guard may go inside the connector's own callback: its code is still on the stack.
      delete_later(std::move(c));
    });
  }
};

}  // namespace

const std::error_category& connect_category() noexcept {
  static const ConnectCategory category;
  return category;
}

std::error_code make_error_code(ConnectError e) noexcept {
  return {static_cast<int>(e), connect_category()};
}

Connector& default_connector() {
  static DefaultConnector forwarder;
  return forwarder;
}

void set_default_connector(std::shared_ptr<Connector> connector) {
  std::shared_ptr<Connector> old;
  {
    std::lock_guard lock(g_mutex);
    old = std::exchange(g_connector, std::move(connector));
  }
  // Requests started on it hold it; without any, it goes (after the running callback, should
  // this call come from one of its own).
  delete_later(std::move(old));
}

}  // namespace ae
