// The registry of functions a child can run, by name. Filled during static initialisation and
// read-only afterwards, so every thread and every process of the binary sees the same table.
// Private to //fork.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>
#include <variant>

#include "fork/fork.h"

namespace ae::fork {
class Reply;
}

namespace ae::fork_internal {

using Json = nlohmann::json;
using SyncFn = Json (*)(Json args);
using AsyncFn = void (*)(Json args, fork::Reply reply);
using InitFn = void (*)(fork::Args& args);
using DoneFn = void (*)();
using Entry = std::variant<fork::ChildFunction, SyncFn, AsyncFn, InitFn, DoneFn>;

void register_entry(std::string_view name, Entry entry);
// The entry registered as `name`, or nullptr.
const Entry* find_entry(std::string_view name) noexcept;

}  // namespace ae::fork_internal
