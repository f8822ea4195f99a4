#include "tests/support/run_until.h"

#include <sys/inotify.h>
#include <unistd.h>

#include "core/loop.h"
#include "tests/support/files.h"

namespace ae::testing {

bool run_until(const std::function<bool()>& condition, Seconds timeout) {
  if (condition()) return true;
  Loop& loop = Loop::current();
  bool expired = false;
  Timer limit = loop.timer(timeout, [&expired] { expired = true; });
  while (!condition() && !expired) loop.run_once(true);
  return condition();
}

bool run_until_file(const std::string& path, const std::function<bool(const std::string&)>& holds,
                    Seconds timeout) {
  if (holds(read_file(path))) return true;
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return false;
  // The directory, not the file: the file may not exist yet, or be replaced.
  const std::string::size_type slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  ::inotify_add_watch(fd, dir.c_str(), IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO);
  bool changed = true;  // the file may have been written between the first read and the watch
  Io wake = Loop::current().io(fd, IoDir::kRead, [fd, &changed] {
    char events[4096];
    while (::read(fd, events, sizeof events) > 0) {
    }
    changed = true;
  });
  bool held = false;
  run_until(
      [&] {
        if (changed) {
          changed = false;
          held = holds(read_file(path));
        }
        return held;
      },
      timeout);
  wake.reset();
  ::close(fd);
  return held;
}

}  // namespace ae::testing
