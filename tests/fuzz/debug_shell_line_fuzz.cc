// The debug shell's input (ae::debug_internal::ShellLineReader and parse_shell_line): any bytes,
// in any pieces, split into lines no longer than the limit, and every line parsed or refused
// with a message that is printable ASCII; nothing accepted holds a byte outside printable ASCII.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "debug/internal/shell_command.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using ae::debug_internal::ShellCommand;
using ae::debug_internal::ShellLineReader;

bool printable_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
  }
  return true;
}

std::vector<ShellLineReader::Line> read_in_pieces(std::string_view bytes, std::size_t max_line,
                                                  ae::fuzz::FuzzInput* pieces) {
  ShellLineReader reader(max_line);
  std::vector<ShellLineReader::Line> lines;
  while (!bytes.empty()) {
    std::size_t n = pieces != nullptr ? 1 + pieces->pick(64) : bytes.size();
    if (pieces != nullptr && pieces->rest().empty()) n = bytes.size();
    for (auto& l : reader.feed(bytes.substr(0, n))) lines.push_back(std::move(l));
    AE_FUZZ_CHECK(reader.buffered() <= max_line + 1);
    bytes.remove_prefix(std::min(n, bytes.size()));
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ae::fuzz::FuzzInput in(data, size);
  std::size_t max_line = 1 + in.pick(80);
  std::string_view choices = in.take(16);
  std::string_view bytes = in.take_rest();

  std::vector<ShellLineReader::Line> whole = read_in_pieces(bytes, max_line, nullptr);
  ae::fuzz::FuzzInput pieces(reinterpret_cast<const std::uint8_t*>(choices.data()), choices.size());
  std::vector<ShellLineReader::Line> pieced = read_in_pieces(bytes, max_line, &pieces);
  AE_FUZZ_CHECK(whole.size() == pieced.size());
  for (std::size_t i = 0; i < whole.size(); ++i) {
    AE_FUZZ_CHECK(whole[i].overlong == pieced[i].overlong);
    AE_FUZZ_CHECK(whole[i].text == pieced[i].text);
    AE_FUZZ_CHECK(whole[i].text.size() <= max_line);
    AE_FUZZ_CHECK(whole[i].text.find('\n') == std::string::npos);
  }

  // Every line, and the whole input as one line.
  whole.push_back({false, std::string(bytes)});
  for (const ShellLineReader::Line& line : whole) {
    ae::Result<ShellCommand> command = ae::debug_internal::parse_shell_line(line.text);
    if (!command) {
      AE_FUZZ_CHECK(!command.message().empty());
      AE_FUZZ_CHECK(printable_ascii(command.message()));
      continue;
    }
    AE_FUZZ_CHECK(printable_ascii(line.text));
    AE_FUZZ_CHECK(printable_ascii(command->pattern));
    AE_FUZZ_CHECK(printable_ascii(command->context));
    AE_FUZZ_CHECK(command->ids.size() <= ae::debug_internal::kMaxShellIds);
    for (std::uint64_t id : command->ids) AE_FUZZ_CHECK(id != 0);
    if (command->level) AE_FUZZ_CHECK(*command->level >= 0 && *command->level <= 10);
  }
  AE_FUZZ_CHECK(printable_ascii(ae::debug_internal::printable(bytes, false)));
  return 0;
}
