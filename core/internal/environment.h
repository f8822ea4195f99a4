// The environment variables //core reads, spelt as AnyEvent spells them. Private to //core.
//
// AnyEvent copies AE_x to PERL_ANYEVENT_x unless the latter exists, so PERL_ANYEVENT_x wins when
// it is set at all (an empty one hides AE_x). secure_getenv: a setuid or setgid program ignores
// the environment, as AnyEvent ignores it under taint mode.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ae::core_internal {

// The value of PERL_ANYEVENT_<suffix>, else AE_<suffix>; nullopt when neither is set (or the
// program runs setuid or setgid).
std::optional<std::string> environment(std::string_view suffix);

// AE_VERBOSE as core's own log sink reads it: a level 0-9 (0 silences core; messages at that
// level or more severe are printed), 4 (error) when unset, empty or anything else.
int verbose_from_environment();

}  // namespace ae::core_internal
