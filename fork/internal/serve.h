// The serving side of the fork protocol: the loop a template (early, exec'd or remote) runs.
// Private to //fork.
//
// Wire, parent to server: a 1-byte command, a 4-byte big-endian payload length, the payload.
//   'a' <bytes>  append a string argument
//   'h'          append an fd argument (the fd rides on this message with SCM_RIGHTS)
//   'F'          fork: two fds ride on this message, the new child's control socket and the
//                write end of its status pipe. The server writes the child's pid (4 bytes,
//                big-endian) to the status pipe at once and its wait status (4 bytes) when it
//                has reaped it, then closes it. The child keeps the arguments so far.
//   'r' <name>   run the registered function `name` with the arguments, then exit
// EOF on the control socket makes the server exit. Remote servers (stdio) take only 'a' and 'r':
// for 'r' they fork the worker onto stdin/stdout, wait for it and write
// "ae-fork-exit <status>\n" to stderr.
#pragma once

#include <cstdint>
#include <string>

#include "fork/fork.h"

namespace ae::fork_internal {

inline constexpr char kCmdArg = 'a';
inline constexpr char kCmdFd = 'h';
inline constexpr char kCmdFork = 'F';
inline constexpr char kCmdRun = 'r';
inline constexpr std::uint32_t kMaxCommandPayload = 1u << 30;
inline constexpr const char* kServeFlag = "--ae-fork-serve";
inline constexpr const char* kExitMarker = "ae-fork-exit ";

// Encodes one command.
std::string command(char cmd, std::string_view payload = {});
void put_u32(std::string& out, std::uint32_t v);
std::uint32_t get_u32(const char* p) noexcept;

// Serves on `fd` (a socket, both directions) and never returns.
[[noreturn]] void serve_socket(int fd);
// Serves on stdin/stdout for a remote parent and never returns.
[[noreturn]] void serve_stdio();
// Resets what a server changed (signal dispositions and mask) before a child runs user code.
void reset_child_signals() noexcept;

}  // namespace ae::fork_internal
