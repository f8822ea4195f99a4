#include "core/internal/hosts_file.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>

namespace ae::core_internal {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

class HostsFile {
 public:
  std::vector<SocketAddress> lookup(std::string_view name) {
    std::lock_guard lock(mutex_);
    refresh();
    std::vector<SocketAddress> out;
    if (name.ends_with('.')) name.remove_suffix(1);
    auto range = entries_.equal_range(lower(name));
    for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
    return out;
  }

  void set_check_interval(std::chrono::steady_clock::duration interval) {
    std::lock_guard lock(mutex_);
    check_interval_ = interval;
    loaded_ = false;
  }

 private:
  void refresh() {
    const char* env = ::secure_getenv("AE_HOSTS");
    std::string path = env != nullptr && *env != '\0' ? env : "/etc/hosts";
    auto now = std::chrono::steady_clock::now();
    if (loaded_ && path == path_ && now - checked_ < check_interval_) return;
    checked_ = now;
    struct stat st {};
    bool exists = ::stat(path.c_str(), &st) == 0;
    timespec mtime = exists ? st.st_mtim : timespec{};
    if (loaded_ && path == path_ && mtime.tv_sec == mtime_.tv_sec &&
        mtime.tv_nsec == mtime_.tv_nsec && (exists ? st.st_size : -1) == size_) {
      return;
    }
    loaded_ = true;
    path_ = path;
    mtime_ = mtime;
    size_ = exists ? st.st_size : -1;
    entries_.clear();
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      line = line.substr(0, line.find('#'));
      std::istringstream words(line);
      std::string address, name;
      if (!(words >> address)) continue;
      auto sa = SocketAddress::from_numeric(address, 0);
      if (!sa) continue;
      while (words >> name) entries_.emplace(lower(name), *sa);
    }
  }

  std::mutex mutex_;
  // How stale the cached file may be: a stat per lookup is a system call on the loop's thread
  // for a file that hardly ever changes.
  std::chrono::steady_clock::duration check_interval_ = std::chrono::seconds(1);
  bool loaded_ = false;
  std::chrono::steady_clock::time_point checked_;
  std::string path_;
  timespec mtime_{};
  off_t size_ = -1;
  std::multimap<std::string, SocketAddress> entries_;
};

HostsFile& hosts_file() {
  static HostsFile h;
  return h;
}

}  // namespace

std::vector<SocketAddress> hosts_file_lookup(std::string_view name) {
  return hosts_file().lookup(name);
}

void set_hosts_file_check_interval_for_test(std::chrono::steady_clock::duration interval) {
  hosts_file().set_check_interval(interval);
}

}  // namespace ae::core_internal
