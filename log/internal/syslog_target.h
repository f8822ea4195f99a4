// The syslog target: RFC 3164 datagrams on a unix socket ("/dev/log" by default), written by
// hand rather than through syslog(3) so that the socket is per target, every call is
// thread-safe, and tests can point it at a socket of their own.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "log/internal/state.h"

namespace ae::log_internal {

// The facility code (already shifted, like LOG_LOCAL0) of "user", "LOG_USER", "local0", ...
// (any case); nullopt for an unknown name.
std::optional<int> syslog_facility(std::string_view name);

// One datagram: "<PRI>Mmm dd hh:mm:ss IDENT[PID]: LINE", at most kMaxSyslogDatagram bytes (a
// longer line is cut and marked " [truncated]").
inline constexpr std::size_t kMaxSyslogDatagram = 8192;
std::string syslog_datagram(int priority, double time, std::string_view ident, long pid,
                            std::string_view line);

// Sends each line of each message as AnyEvent::Log's log_to_syslog formats it:
// "(<context>) <text>", with every further line of the text prefixed "+ ", level n as syslog
// priority n-1 (trace as debug), or'ed with `facility`.
std::shared_ptr<Target> make_syslog_target(int facility, std::string ident,
                                           std::string socket_path);

}  // namespace ae::log_internal
