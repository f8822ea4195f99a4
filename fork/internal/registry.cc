#include "fork/internal/registry.h"

#include <map>
#include <stdexcept>
#include <string>

namespace ae::fork_internal {
namespace {

std::map<std::string, Entry, std::less<>>& table() {
  static auto* t = new std::map<std::string, Entry, std::less<>>;  // never destroyed: children
  return *t;                                                       // exit with _exit
}

}  // namespace

void register_entry(std::string_view name, Entry entry) {
  if (!table().emplace(std::string(name), entry).second) {
    throw std::logic_error("ae::fork: function registered twice: " + std::string(name));
  }
}

const Entry* find_entry(std::string_view name) noexcept {
  auto it = table().find(name);
  return it == table().end() ? nullptr : &it->second;
}

}  // namespace ae::fork_internal

namespace ae::fork {

void register_function(std::string_view name, ChildFunction fn) {
  fork_internal::register_entry(name, fn);
}

}  // namespace ae::fork
