#include "tests/support/env.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <utility>

#include "tests/support/files.h"

namespace ae::testing {

ScopedEnv::ScopedEnv(std::string name, std::optional<std::string> value) : name_(std::move(name)) {
  if (const char* old = std::getenv(name_.c_str())) old_ = old;
  if (value) {
    ::setenv(name_.c_str(), value->c_str(), 1);
  } else {
    ::unsetenv(name_.c_str());
  }
}

ScopedEnv::~ScopedEnv() {
  if (old_) {
    ::setenv(name_.c_str(), old_->c_str(), 1);
  } else {
    ::unsetenv(name_.c_str());
  }
}

ScopedHostsFile::ScopedHostsFile(const std::string& contents) {
  static std::atomic<int> counter{0};
  path_ = temp_root() + "/hosts." + std::to_string(::getpid()) + "." + std::to_string(++counter);
  write_file(path_, contents);
  env_.emplace("AE_HOSTS", path_);
}

}  // namespace ae::testing
