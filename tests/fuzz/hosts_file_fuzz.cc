// The hosts file (core's built-in resolver reads AE_HOSTS, else /etc/hosts): any file content is
// read line by line without a crash, and every name it yields is a name from the file.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/resolver.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

// Two files used in turn: the resolver re-reads the file when its path changes, which a rewrite
// within one mtime tick would not show.
std::string hosts_path(bool second) {
  static const std::string base = [] {
    const char* tmp = std::getenv("TEST_TMPDIR");
    return std::string(tmp != nullptr ? tmp : "/tmp") + "/ae-hosts-fuzz-" +
           std::to_string(::getpid());
  }();
  return base + (second ? ".b" : ".a");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static bool second = false;
  second = !second;
  ae::fuzz::FuzzInput in(data, size);
  const std::string name(in.take_until('\n'));
  const std::string_view text = in.take_rest();
  const std::string path = hosts_path(second);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  ::setenv("AE_HOSTS", path.c_str(), 1);
  std::vector<ae::SocketAddress> found = ae::hosts_file_lookup(name);
  if (!found.empty()) AE_FUZZ_CHECK(!name.empty());
  return 0;
}
