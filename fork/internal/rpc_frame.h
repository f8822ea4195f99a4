// The RPC frame header and the serialiser table, shared by both ends. Private to //fork.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fork/rpc.h"

namespace ae::fork_internal {

inline constexpr std::size_t kFrameHeader = 9;
inline constexpr char kFrameCall = 'C';
inline constexpr char kFrameResult = 'R';
inline constexpr char kFrameError = 'E';
inline constexpr char kFrameEvent = 'V';
inline constexpr char kFrameRetire = 'T';
// The internal child function every RPC worker runs.
inline constexpr const char* kRpcChildFunction = "ae.fork.rpc";

std::string frame(char kind, std::uint32_t id, std::string_view payload);

// The serialiser registered as `name`, or nullptr.
const fork::Serialiser* find_serialiser(std::string_view name) noexcept;

// The worker's configuration, sent as its last string argument.
struct RpcConfig {
  std::string function, serialiser, init, done;
  std::string encode() const;
  static bool decode(std::string_view s, RpcConfig& out);
};

}  // namespace ae::fork_internal
