// The parser of AnyEvent::Log's PERL_ANYEVENT_LOG language (AE_LOG here). Parsing is separate
// from applying, so a malformed specification changes nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "log/level.h"

namespace ae::log_internal {

// A context as a specification names it.
struct SpecContext {
  enum class Kind { kCollect, kFilter, kLog, kAnonymous, kNamed };
  Kind kind = Kind::kNamed;
  std::string name;  // "%name" for kAnonymous, the context name for kNamed
};

// One directive, already interpreted (the only/except/level modes are resolved while parsing).
struct SpecOp {
  enum class Kind {
    kStderr,     // log_to_stderr()
    kFile,       // log_to_file(text)
    kPath,       // log_to_path(text)
    kSyslog,     // log_to_syslog(facility)
    kNolog,      // nolog()
    kCap,        // cap(level)
    kAttach,     // attach(context)
    kDetachAll,  // slaves({})
    kLevel,      // level(level): this level and above
    kEnable,     // enable({level})
    kDisable,    // disable({level})
  };
  Kind kind = Kind::kNolog;
  ae::log::Level level = ae::log::Level::off();
  int facility = 0;
  std::string text;
  SpecContext context;
};

struct SpecEntry {
  SpecContext context;
  std::vector<SpecOp> ops;
};

// Parses `spec`. Errors: ae::log::Error::kParseError, message "parse error at '<part>' (<why>)".
ae::Result<std::vector<SpecEntry>> parse_spec(std::string_view spec);

}  // namespace ae::log_internal
