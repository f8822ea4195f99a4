// Environment variables a test sets for its own duration.
//
// Example:
//   ae::testing::ScopedEnv prefer6("AE_PROTOCOLS", "ipv6,ipv4");
//   ae::testing::ScopedHostsFile hosts("127.0.0.1 db.test\n");   // AE_HOSTS points at it
#pragma once

#include <optional>
#include <string>

namespace ae::testing {

// Sets (or, with std::nullopt, unsets) an environment variable; restores it when destroyed.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, std::optional<std::string> value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// A file under $TEST_TMPDIR with `contents`, and AE_HOSTS pointing at it while this lives.
class ScopedHostsFile {
 public:
  explicit ScopedHostsFile(const std::string& contents);
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  std::optional<ScopedEnv> env_;
};

}  // namespace ae::testing
