// The debug shell's server: its listener, its clients, and what it tells the hooks. Private to
// //debug (debug/shell.h is the interface).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/loop.h"
#include "debug/internal/shell_listener.h"
#include "debug/shell.h"

namespace ae::debug_internal {

class ShellSession;

class ShellServer {
 public:
  ShellServer(Loop& loop, ShellListener listener, debug::ShellOptions options);
  ~ShellServer();
  ShellServer(const ShellServer&) = delete;
  ShellServer& operator=(const ShellServer&) = delete;

  const std::string& address() const noexcept { return listener_.address(); }
  std::size_t clients() const noexcept { return sessions_.size(); }

  // Ends `session` (from inside its own callbacks too): shuts it now, frees it later.
  void drop(ShellSession* session) noexcept;

 private:
  void accept_clients();

  Loop& loop_;
  ShellListener listener_;
  debug::ShellOptions options_;
  Io accept_watch_;
  std::map<ShellSession*, std::unique_ptr<ShellSession>> sessions_;
};

}  // namespace ae::debug_internal
