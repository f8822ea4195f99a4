// Reading AE_VERBOSE / AE_LOG (and PERL_ANYEVENT_VERBOSE / PERL_ANYEVENT_LOG) and applying them.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/result.h"
#include "log/internal/state.h"

namespace ae::log_internal {

// configure() on a given state (so start-up can use it before ready() exists).
ae::Result<std::size_t> configure_in(State& s, std::string_view spec);

// reset() with the verbosity from the environment, then the specification from it. A malformed
// value is reported (the bad part named) and the default setup stays; returns false then.
bool apply_environment(State& s) noexcept;

}  // namespace ae::log_internal
