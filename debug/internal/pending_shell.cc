// The shell AE_DEBUG_SHELL asks for: started on the first loop made (AnyEvent starts it with the
// first watcher), as a service of that loop, so that it goes with the loop.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "core/loop.h"
#include "debug/internal/shell_listener.h"
#include "debug/internal/shell_server.h"
#include "debug/internal/state.h"

namespace ae::debug_internal {
namespace {

struct PendingShell {
  std::mutex mutex;
  std::string address;
  bool pending = false;
};

PendingShell& pending_shell() {
  static PendingShell* p = new PendingShell;  // never destroyed: loops may outlive statics
  return *p;
}

struct EnvironmentShell {
  std::unique_ptr<ShellServer> server;
};

}  // namespace

void set_pending_shell(std::string address) {
  PendingShell& p = pending_shell();
  std::lock_guard lock(p.mutex);
  p.address = std::move(address);
  if (!p.pending) ++switches().shells;
  p.pending = true;
  update_hooks();
}

void start_pending_shell(Loop& loop) {
  std::string address;
  {
    PendingShell& p = pending_shell();
    std::lock_guard lock(p.mutex);
    if (!p.pending) return;
    p.pending = false;
    address = p.address;
  }
  Result<ShellListener> listener = ShellListener::listen(address, false);
  if (listener) {
    loop.service<EnvironmentShell>().server =
        std::make_unique<ShellServer>(loop, std::move(*listener), debug::ShellOptions{});
  } else {
    log_line(LogLevel::kError, "AE_DEBUG_SHELL: " + listener.message());
  }
  --switches().shells;  // the server counts itself while it lives
  update_hooks();
}

}  // namespace ae::debug_internal
