// The command line every HTTP client of the benchmark takes, so that the driver can run them
// all alike:
//   <program> rps URL CONCURRENCY SECONDS   keep CONCURRENCY GETs of URL in flight over
//                                           keep-alive connections for SECONDS
//   <program> download URL                  one GET of URL, its body counted and dropped
#pragma once

#include <cstdint>
#include <string>

namespace ae::bench {

struct ClientArgs {
  bool download = false;
  std::string url;
  std::int64_t concurrency = 1;
  std::int64_t seconds = 1;
};

// Errors: std::invalid_argument with the usage for a bad command line.
ClientArgs parse_client_args(int argc, char** argv);

}  // namespace ae::bench
