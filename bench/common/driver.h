// The driver side of the benchmarks: runs each implementation's program in its own process,
// collects its result line (bench/common/result.h), and prints AnyEvent-style tables with
// ratios against a baseline row.
//
// Example (bench/watchers/main.cc):
//   auto rows = ae::bench::run_implementations(
//       {{"libev", "watchers_libev", {}}, {"ae/asio", "watchers_ae", {"asio"}}}, {"100000"},
//       /*runs=*/3, {"create", "invoke"});
//   ae::bench::print_results(stdout, "100000 watchers", {{"name", "name"}, {"create", "create"}},
//                            rows, {"create"}, "libev");
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bench/common/result.h"

namespace ae::bench {

// Runs `program` with `args` in a child process and waits for it. Returns the fields of the
// result line it printed; when it printed none or failed, the fields hold "error" (why) and
// `fallback_name` as "name". Other lines it prints go to stderr.
Fields run_program(const std::string& program, const std::vector<std::string>& args,
                   std::string_view fallback_name);

// Combines several runs of one program into one row: for each of `numeric_keys`, the median of
// the runs; every other field from the first run. A failed run makes the row that failure.
Fields median_of_runs(const std::vector<Fields>& runs,
                      const std::vector<std::string>& numeric_keys);

// The path of the program `name` that Bazel built next to this executable (the same package).
std::string sibling_program(std::string_view name);

// True when `path` names an executable file.
bool is_executable(const std::string& path);

// Prints the machine the numbers come from: date (UTC), CPUs available to this process, CPU
// model from /proc/cpuinfo, kernel release, and the load average (other work running).
void print_machine(std::FILE* out);

struct Column {
  std::string key;     // the result field
  std::string header;  // the column heading
};

// Prints `rows` as a table with right-aligned columns, AnyEvent's layout, and the "comment"
// field (or the error of a failed row) left-aligned at the end.
void print_table(std::FILE* out, const std::vector<Column>& columns,
                 const std::vector<Fields>& rows);

// Prints, for each row, the value of each of `keys` divided by the same value in `baseline`
// (above 1.00 means more time or memory than the baseline).
void print_ratios(std::FILE* out, const std::vector<std::string>& keys,
                  const std::vector<Fields>& rows, const Fields& baseline);

// Parses "--name value" pairs of positive numbers. `defaults` names every option the program
// takes and its value when not given; "--help" prints `usage` and exits.
// Errors: std::invalid_argument for an unknown option or a bad value.
std::map<std::string, std::int64_t, std::less<>> parse_options(
    int argc, char** argv, std::map<std::string, std::int64_t, std::less<>> defaults,
    std::string_view usage);

// One implementation of a benchmark: a program next to the driver and its leading arguments.
struct Implementation {
  std::string name;               // the row name, also used when the program fails
  std::string program;            // a program Bazel built next to the driver
  std::vector<std::string> args;  // the arguments before the ones every implementation gets
  bool optional = false;          // skipped when the program was not built
};

// Runs each of `implementations` with its args followed by `common_args`, `runs` times, taking
// turns (every implementation once, then every one again, ...) so that a change in the machine's
// load touches all of them alike; returns one row per implementation, in order, with the median
// of each of `numeric_keys` (median_of_runs).
std::vector<Fields> run_implementations(const std::vector<Implementation>& implementations,
                                        const std::vector<std::string>& common_args, int runs,
                                        const std::vector<std::string>& numeric_keys);

// Prints `title`, the table of `rows` and, when a row is named `baseline`, the ratios of
// `ratio_keys` against it.
void print_results(std::FILE* out, std::string_view title, const std::vector<Column>& columns,
                   const std::vector<Fields>& rows, const std::vector<std::string>& ratio_keys,
                   std::string_view baseline);

// The row named `name`, or null.
const Fields* find_row(const std::vector<Fields>& rows, std::string_view name);

}  // namespace ae::bench
