// The command line every bench2 program shares: [mode...] <servers> <active> <milliseconds>.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ae::bench {

struct Bench2Args {
  std::vector<std::string> modes;  // the program's own leading arguments
  std::size_t servers = 0;
  std::size_t active = 0;
  double seconds = 0;
};

// Parses `modes` leading arguments, then servers, active and the run time in milliseconds.
// Errors: std::invalid_argument with a usage line naming `program` for anything else.
Bench2Args parse_bench2_args(int argc, char** argv, std::string_view program, int modes);

}  // namespace ae::bench
