// The hosts file behind ae::hosts_file_lookup(): read on first use, then checked for changes at
// most once per interval (one second), so that a lookup on the loop's thread costs no system
// call. Private to //core.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "core/socket_address.h"

namespace ae::core_internal {

// Addresses (port 0) for `name` (case-insensitive, a trailing dot ignored) from the file AE_HOSTS
// names, else /etc/hosts. A change of AE_HOSTS is seen at once; a change of the file's contents
// within the check interval.
// Thread safety: may be called from any thread.
std::vector<SocketAddress> hosts_file_lookup(std::string_view name);

// Sets how often the file is checked for changes (default one second). For tests.
void set_hosts_file_check_interval_for_test(std::chrono::steady_clock::duration interval);

}  // namespace ae::core_internal
