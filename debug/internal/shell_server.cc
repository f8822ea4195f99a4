#include "debug/internal/shell_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "debug/internal/shell_session.h"
#include "debug/internal/state.h"

namespace ae::debug_internal {

// How many connections one wakeup accepts, so that a burst of them cannot hold the loop.
constexpr int kAcceptsPerWakeup = 64;

ShellServer::ShellServer(Loop& loop, ShellListener listener, debug::ShellOptions options)
    : loop_(loop), listener_(std::move(listener)), options_(options) {
  ++switches().shells;
  update_hooks();
  QuietScope quiet;
  accept_watch_ = loop_.io(listener_.fd(), kRead, [this] { accept_clients(); });
  // A debugging aid must not change when the program ends: the shell is served while the loop
  // runs for the program's own work, and never keeps run() going by itself.
  accept_watch_.unref();
}

ShellServer::~ShellServer() {
  accept_watch_.reset();
  for (auto& [session, owner] : sessions_) session->shut();
  sessions_.clear();
  --switches().shells;
  update_hooks();
}

void ShellServer::accept_clients() {
  for (int i = 0; i < kAcceptsPerWakeup; ++i) {
    UniqueFd fd(::accept4(listener_.fd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        log_line(LogLevel::kError, "shell " + address() + ": accept: " + std::to_string(errno));
      }
      return;
    }
    if (sessions_.size() >= options_.max_clients) {
      static constexpr std::string_view kBusy = "error: too many clients\n";
      (void)::send(fd.get(), kBusy.data(), kBusy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      continue;
    }
    auto session = std::make_unique<ShellSession>(*this, loop_, std::move(fd), options_);
    ShellSession* key = session.get();
    sessions_.emplace(key, std::move(session));
  }
}

void ShellServer::drop(ShellSession* session) noexcept {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  std::unique_ptr<ShellSession> owner = std::move(it->second);
  sessions_.erase(it);
  owner->shut();
  loop_.delete_later(std::move(owner));
}

}  // namespace ae::debug_internal
