#include "core/connector.h"

#include <mutex>
#include <string>
#include <vector>

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
  Guard connect(std::string_view, std::string_view, ConnectCallback cb, PrepareCallback) override {
    auto cancelled = std::make_shared<bool>(false);
    Loop::current().postpone([cancelled, cb = std::move(cb)]() mutable {
      if (!*cancelled) cb(ConnectError::kNoConnector, Connection{});
    });
    return Guard([cancelled] { *cancelled = true; });
  }
};

std::mutex g_mutex;
std::shared_ptr<Connector> g_connector;

}  // namespace

const std::error_category& connect_category() noexcept {
  static const ConnectCategory category;
  return category;
}

std::error_code make_error_code(ConnectError e) noexcept {
  return {static_cast<int>(e), connect_category()};
}

Connector& default_connector() {
  std::lock_guard lock(g_mutex);
  if (!g_connector) g_connector = std::make_shared<MissingConnector>();
  return *g_connector;
}

void set_default_connector(std::shared_ptr<Connector> connector) {
  static std::vector<std::shared_ptr<Connector>> retired;  // references handed out stay valid
  std::lock_guard lock(g_mutex);
  if (g_connector) retired.push_back(std::move(g_connector));
  g_connector = connector ? std::move(connector) : std::make_shared<MissingConnector>();
}

}  // namespace ae
