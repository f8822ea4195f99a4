#include "bench/bench2/main_args.h"

#include <stdexcept>
#include <string>

#include "bench/common/result.h"

namespace ae::bench {

Bench2Args parse_bench2_args(int argc, char** argv, std::string_view program, int modes) {
  std::string usage = "usage: " + std::string(program) + " <servers> <active> <milliseconds>";
  if (argc != modes + 4) throw std::invalid_argument(usage);
  Bench2Args args;
  for (int i = 1; i <= modes; ++i) args.modes.emplace_back(argv[i]);
  args.servers = static_cast<std::size_t>(parse_count(argv[modes + 1], "servers"));
  args.active = static_cast<std::size_t>(parse_count(argv[modes + 2], "active"));
  // Whole milliseconds on the command line keep parse_count's strictness.
  args.seconds = static_cast<double>(parse_count(argv[modes + 3], "milliseconds")) / 1000.0;
  if (args.servers < 2) throw std::invalid_argument(usage + " (servers >= 2)");
  return args;
}

}  // namespace ae::bench
