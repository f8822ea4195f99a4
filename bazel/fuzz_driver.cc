// The main() of a fuzz target built without libFuzzer: runs LLVMFuzzerTestOneInput on every file
// named on the command line (the seeds), then on AE_FUZZ_RUNS (default 20000) inputs made by
// mutating them with a fixed-seed generator: flipped, inserted, deleted, repeated and spliced
// bytes. The same inputs every run, so a failure reproduces; libFuzzer (--config=fuzz) explores
// further.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

std::string mutate(const std::vector<std::string>& seeds, std::mt19937_64& rng) {
  auto pick = [&](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); };
  std::string s = seeds[pick(seeds.size())];
  int steps = 1 + static_cast<int>(pick(4));
  for (int i = 0; i < steps; ++i) {
    switch (pick(6)) {
      case 0:  // flip a byte
        if (!s.empty()) s[pick(s.size())] = static_cast<char>(rng());
        break;
      case 1:  // insert random bytes
        s.insert(pick(s.size() + 1), std::string(1 + pick(8), static_cast<char>(rng())));
        break;
      case 2: {  // delete a range
        std::size_t at = pick(s.size() + 1);
        s.erase(at, pick(s.size() - at + 1));
        break;
      }
      case 3: {  // repeat a range
        std::size_t at = pick(s.size() + 1);
        std::string part = s.substr(at, pick(64));
        s.insert(at, part);
        break;
      }
      case 4: {  // splice with another seed
        const std::string& other = seeds[pick(seeds.size())];
        s = s.substr(0, pick(s.size() + 1)) + other.substr(pick(other.size() + 1));
        break;
      }
      default:  // an interesting value
        if (!s.empty()) {
          static const char kValues[] = {
              0, 1, 8, 0x7f, static_cast<char>(0x80), static_cast<char>(0xff)};
          s[pick(s.size())] = kValues[pick(sizeof kValues)];
        }
        break;
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> seeds{""};
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "fuzz driver: cannot read %s\n", argv[i]);
      return 2;
    }
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  for (const std::string& seed : seeds) run(seed);
  const char* env = std::getenv("AE_FUZZ_RUNS");
  long runs = env != nullptr ? std::strtol(env, nullptr, 10) : 20000;
  std::mt19937_64 rng(42);
  for (long i = 0; i < runs; ++i) run(mutate(seeds, rng));
  std::printf("fuzz driver: %zu seeds, %ld mutations, no failure\n", seeds.size(), runs);
  return 0;
}
