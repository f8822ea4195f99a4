#include "bench/http/client_args.h"

#include <stdexcept>
#include <string_view>

#include "bench/common/result.h"

namespace ae::bench {

ClientArgs parse_client_args(int argc, char** argv) {
  const std::string usage = "usage: client rps URL CONCURRENCY SECONDS | client download URL";
  ClientArgs a;
  std::string_view mode = argc > 1 ? argv[1] : "";
  if (mode == "rps" && argc == 5) {
    a.url = argv[2];
    a.concurrency = parse_count(argv[3], "concurrency");
    a.seconds = parse_count(argv[4], "seconds");
  } else if (mode == "download" && argc == 3) {
    a.download = true;
    a.url = argv[2];
  } else {
    throw std::invalid_argument(usage);
  }
  return a;
}

}  // namespace ae::bench
