// ae::debug::shell: AnyEvent::Debug's interactive shell, as a fixed set of line commands.
//
// The shell listens on a unix socket ("unix/PATH", made mode 0600) or a TCP address
// ("127.0.0.1:4545", "[::1]:4545"; port 0 picks one), inside the loop that was current when it
// was started, and serves any number of clients from that loop without ever blocking it. Drive
// it with socat or nc:
//   socat readline unix-connect:/tmp/app.sock
//   > wl timer
//   #12 timer server.cc:40 after=0.5 interval=1 calls=37
// Commands (`help` lists them): help, wl [pattern], w ID,..., t [ID,...], u [ID,...], v [level],
// wr [level], metrics, log CONTEXT LEVEL, quit; as AnyEvent::Debug's shell has them, except that
// nothing is evaluated: there is no Perl here, and no command runs code a client sends. wl's
// pattern is plain text with * and ? as wildcards (no regex on peer data). `v` sends the log
// messages of the whole program (the collect context) at that level and above to this client.
//
// There is no authentication, as in AnyEvent: anyone who can connect controls tracing and log
// levels and reads every watcher's site. So the unix socket is made mode 0600, and a TCP address
// other than loopback is refused unless ShellOptions::allow_remote says otherwise.
//
// A client's input is checked line by line: a line longer than max_line, or holding a byte that
// is not printable ASCII, gets an error answer (never an echo of the bytes), as does any unknown
// command or bad argument; the client stays connected. Output waits in a per-client buffer while
// the client does not read; past max_output the client is dropped (and that is logged at note
// level in the context "ae::debug").
//
// At start-up, AE_DEBUG_SHELL=unix/PATH or HOST:PORT starts a shell on the first loop made (for
// that loop's lifetime), with every $$ in the value replaced by the process id, as AnyEvent's
// PERL_ANYEVENT_DEBUG_SHELL does. A failure to listen is logged at error level.
//
// The shell's own watchers are recorded untraced, so a client's trace output never describes
// the shell writing that output. The shell's watchers are unreferenced (Io::unref): the shell
// is served while the loop runs for the program's own work, and a loop with nothing else to do
// returns from run() even while a shell listens or a client is connected.
//
// Example:
//   ae::Result<ae::debug::Shell> shell = ae::debug::shell("unix/" + dir + "/debug.sock");
//   if (!shell) std::fprintf(stderr, "%s\n", shell.message().c_str());
//
// Thread safety: a Shell belongs to the loop it was started on; make, use and destroy it on that
// loop's thread. Commands run on that thread; what they read (the registry, every loop's
// metrics, the log configuration) covers the whole process.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace ae::debug_internal {
class ShellServer;
}

namespace ae::debug {

struct ShellOptions {
  // Listen on a TCP address that is not loopback (the shell has no authentication).
  bool allow_remote = false;
  // The longest command line taken, without its line end.
  std::size_t max_line = 1024;
  // The output kept for a client that does not read before it is dropped.
  std::size_t max_output = 1 << 20;
  // Clients served at once; further connections are closed at once.
  std::size_t max_clients = 256;
};

// A running shell: destroying it closes the listener (and removes its unix socket) and every
// client connection.
class Shell {
 public:
  Shell(Shell&&) noexcept;
  Shell& operator=(Shell&&) noexcept;
  ~Shell();

  // The address it listens on, with the port picked: "unix/:/tmp/app.sock", "127.0.0.1:4545".
  std::string address() const;
  // The clients connected now.
  std::size_t clients() const noexcept;

 private:
  friend Result<Shell> shell(std::string_view address, ShellOptions options);
  explicit Shell(std::unique_ptr<debug_internal::ShellServer> server) noexcept;
  std::unique_ptr<debug_internal::ShellServer> server_;
};

// Starts a shell on the current loop at `address` (AnyEvent::Debug::shell).
// Errors: std::errc::invalid_argument for an address that is neither "unix/PATH" nor a numeric
// "HOST:PORT" ("localhost" is taken as 127.0.0.1), std::errc::permission_denied for a TCP address
// other than loopback without allow_remote, and the errno of socket(2), bind(2) or listen(2).
[[nodiscard]] Result<Shell> shell(std::string_view address, ShellOptions options = {});

}  // namespace ae::debug
