// The services database behind ae::resolve_service(): the services file (/etc/services), read
// once, and a built-in table of well-known services for when the file lacks a name or is missing
// (a minimal container ships no /etc/services), as Go's net package does. Private to //core.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ae::core_internal {

// The port of service `name` (case-sensitive, aliases included) for `protocol` ("tcp", "udp"):
// from the services file when it lists the name, else from the built-in table; nullopt when
// neither knows it. The file is read on first use (one blocking read, then never again), never
// through NSS, so no lookup on the loop's thread blocks on the network.
// Thread safety: may be called from any thread.
std::optional<std::uint16_t> service_port(std::string_view name, std::string_view protocol);

// The built-in table alone (for tests and for documentation of what it holds).
std::optional<std::uint16_t> builtin_service_port(std::string_view name, std::string_view protocol);

// Reads services from `path` instead of /etc/services from now on (an empty path: the default
// again). For tests: a file without an entry, or no file at all, shows the built-in table.
void set_services_file_for_test(std::string path);

}  // namespace ae::core_internal
