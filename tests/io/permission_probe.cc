// Runs //io requests that permissions must refuse, without any capability, and prints one
// "name=code" line per request (code: the error's value, 0 for success).
//
// Usage: permission_probe DIR
// DIR holds the files permission_test.cc prepared. The probe first drops every capability (the
// process stays the same user): root's CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH would let each
// request through. Changing to another user would need a uid mapping that sandboxes (Bazel's
// linux-sandbox, containers) often lack; dropping capabilities always works. Threads inherit the
// capabilities of the thread that starts them, so the pool's workers have none either.
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/core.h"
#include "io/aio.h"
#include "io/follow.h"

namespace {

bool drop_capabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capset, &header, none) != 0) {
    std::perror("permission_probe: capset");
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || ::chdir(argv[1]) != 0 || !drop_capabilities()) return 2;

  std::vector<ae::Guard> guards;
  int pending = 0;
  ae::CondVar<> all_done;
  auto report = [&](std::string_view name, std::error_code code) {
    std::printf("%.*s=%d\n", static_cast<int>(name.size()), name.data(), code.value());
    if (--pending == 0) all_done.send();
  };
  auto done = [&](std::string name) {
    ++pending;
    return [&, name](std::error_code code) { report(name, code); };
  };
  auto result = [&](std::string name) {
    ++pending;
    return [&, name](const auto& r) { report(name, r.code()); };
  };

  guards.push_back(ae::fs::aio_load("secret", result("load_secret")));
  guards.push_back(ae::fs::aio_open("secret", O_RDONLY, 0, result("open_secret")));
  guards.push_back(
      ae::fs::aio_open("locked/new", O_WRONLY | O_CREAT, 0644, result("create_in_locked")));
  guards.push_back(ae::fs::aio_mkdir("locked/sub", 0700, done("mkdir_in_locked")));
  guards.push_back(ae::fs::aio_unlink("locked/file", done("unlink_in_locked")));
  guards.push_back(ae::fs::aio_rename("locked/file", "moved", done("rename_from_locked")));
  guards.push_back(ae::fs::aio_readdir("closed", result("readdir_closed")));
  guards.push_back(ae::fs::aio_stat("closed/inside", result("stat_in_closed")));
  guards.push_back(ae::fs::aio_open("readonly", O_WRONLY, 0, result("write_readonly")));

  ++pending;
  ae::fs::FollowOptions options;
  options.offset = 0;
  options.on_error = [&](std::error_code code, std::string_view) { report("follow_secret", code); };
  ae::fs::Follower follower = ae::fs::follow("secret", std::move(options), [](std::string_view) {});

  all_done.recv();
  return 0;
}
