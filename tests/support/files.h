// Files a test reads and writes: runfiles (the example programs, data), and scratch space under
// $TEST_TMPDIR, which Bazel empties for every test.
//
// Example:
//   std::string conf = ae::testing::temp_dir("nginx") + "/nginx.conf";
//   ae::testing::write_file(conf, "...");
//   ae::testing::Process p({ae::testing::example("echo_server"), "--port", "0"});
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ae::testing {

// The path of `path` (relative to the workspace root) in the test's runfiles.
std::string runfile(std::string_view path);
// The path of example program `name` (//examples/<name>:<name>) in the test's runfiles.
std::string example(std::string_view name);
// The entries of a directory (full paths, dot files left out); none when it does not exist.
std::vector<std::string> files_in(const std::string& dir);

// $TEST_TMPDIR (or /tmp outside Bazel).
std::string temp_root();
// The directory `name` under temp_root(), made if missing.
std::string temp_dir(std::string_view name);
// A path for a unix-domain socket named after `name`, unique in this process and not existing.
// sun_path holds 107 bytes and Bazel's $TEST_TMPDIR can be longer; a private directory under
// /tmp (removed at exit) stands in for it then.
std::string temp_socket_path(std::string_view name);

// The whole file ("" when it cannot be read).
std::string read_file(const std::string& path);
// Replaces the file's contents; false when it cannot be written.
bool write_file(const std::string& path, std::string_view content);

}  // namespace ae::testing
