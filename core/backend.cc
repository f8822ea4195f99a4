#include "core/backend.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <utility>
#include <vector>

#include "core/internal/loop_core.h"

namespace ae {
namespace {

struct Registry {
  std::mutex mutex;
  std::vector<std::pair<std::string, BackendFactory>> models;
};

Registry& registry() {
  static Registry r;  // constructed on first use, so registration order does not matter
  return r;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

void register_backend(std::string name, BackendFactory factory) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  name = lower(name);
  auto it = std::find_if(r.models.begin(), r.models.end(),
                         [&](const auto& m) { return m.first == name; });
  if (it != r.models.end()) {
    it->second = factory;
  } else if (name == "asio") {
    r.models.insert(r.models.begin(), {std::move(name), factory});
  } else {
    r.models.emplace_back(std::move(name), factory);
  }
}

std::unique_ptr<Backend> make_backend(std::string_view name) {
  BackendFactory factory = nullptr;
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    std::string key = lower(name);
    for (const auto& m : r.models) {
      if (m.first == key) factory = m.second;
    }
  }
  return factory != nullptr ? factory() : nullptr;
}

std::unique_ptr<Backend> make_default_backend() {
  BackendFactory factory = nullptr;
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    if (!r.models.empty()) factory = r.models.front().second;  // "asio" is kept first
  }
  return factory != nullptr ? factory() : nullptr;
}

double Backend::wall_now() const noexcept { return core_internal::wall_clock(); }

std::string linked_backends() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::string out;
  for (const auto& m : r.models) {
    if (!out.empty()) out += ", ";
    out += m.first;
  }
  return out;
}

}  // namespace ae
