#include "debug/shell.h"

#include <utility>

#include "core/loop.h"
#include "debug/internal/shell_listener.h"
#include "debug/internal/shell_server.h"

namespace ae::debug {

Shell::Shell(std::unique_ptr<debug_internal::ShellServer> server) noexcept
    : server_(std::move(server)) {}
Shell::Shell(Shell&&) noexcept = default;
Shell& Shell::operator=(Shell&&) noexcept = default;
Shell::~Shell() = default;

std::string Shell::address() const { return server_ ? server_->address() : std::string(); }
std::size_t Shell::clients() const noexcept { return server_ ? server_->clients() : 0; }

Result<Shell> shell(std::string_view address, ShellOptions options) {
  Result<debug_internal::ShellListener> listener =
      debug_internal::ShellListener::listen(address, options.allow_remote);
  if (!listener) return listener.error();
  return Shell(std::make_unique<debug_internal::ShellServer>(Loop::current(), std::move(*listener),
                                                             options));
}

}  // namespace ae::debug
