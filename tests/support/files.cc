#include "tests/support/files.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ae::testing {

std::string runfile(std::string_view path) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return std::string(srcdir != nullptr ? srcdir : ".") + "/" +
         (workspace != nullptr ? workspace : "ae") + "/" + std::string(path);
}

std::string example(std::string_view name) {
  return runfile("examples/" + std::string(name) + "/" + std::string(name));
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') names.push_back(dir + "/" + e->d_name);
    }
    ::closedir(d);
  }
  return names;
}

std::string temp_root() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

std::string temp_dir(std::string_view name) {
  std::string dir = temp_root() + "/" + std::string(name);
  ::mkdir(dir.c_str(), 0700);
  return dir;
}

std::string temp_socket_path(std::string_view name) {
  static std::atomic<int> counter{0};
  struct ShortDir {
    ShortDir() {
      path = temp_root();
      if (path.size() <= 60) return;
      char templ[] = "/tmp/ae-test.XXXXXX";
      path = ::mkdtemp(templ) != nullptr ? templ : "/tmp";
      owned = path != "/tmp";
    }
    ~ShortDir() {
      std::error_code ignored;
      if (owned) std::filesystem::remove_all(path, ignored);
    }
    std::string path;
    bool owned = false;
  };
  static const ShortDir short_dir;
  std::string path =
      short_dir.path + "/" + std::string(name) + "." + std::to_string(++counter) + ".sock";
  ::unlink(path.c_str());
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool write_file(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  return static_cast<bool>(out.flush());
}

}  // namespace ae::testing
