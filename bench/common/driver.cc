#include "bench/common/driver.h"

#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <stdexcept>
#include <string>

extern char** environ;

namespace ae::bench {
namespace {

std::string field(const Fields& f, std::string_view key) {
  auto it = f.find(key);
  return it == f.end() ? std::string() : it->second;
}

bool to_number(const std::string& text, double& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

void print_row(std::FILE* out, const std::vector<std::size_t>& widths,
               const std::vector<std::string>& cells, const std::string& comment) {
  std::string line;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line += ' ';
    line.append(widths[i] - std::min(widths[i], cells[i].size()), ' ');
    line += cells[i];
  }
  if (!comment.empty()) {
    line += ' ';
    line += comment;
  }
  std::fprintf(out, "%s\n", line.c_str());
}

}  // namespace

Fields run_program(const std::string& program, const std::vector<std::string>& args,
                   std::string_view fallback_name) {
  Fields failed{{"name", std::string(fallback_name)}};
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    failed["error"] = std::string("pipe: ") + std::strerror(errno);
    return failed;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    failed["error"] = "cannot run " + program + ": " + std::strerror(rc);
    return failed;
  }
  std::string output;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
    if (n > 0) {
      output.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }

  std::optional<Fields> result;
  std::string error;
  std::size_t start = 0;
  while (start < output.size()) {
    std::size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    std::string_view line(output.data() + start, end - start);
    start = end + 1;
    if (auto fields = parse_result(line)) {
      result = std::move(fields);
    } else if (line.starts_with("error\t")) {
      error = std::string(line.substr(6));
    } else if (!line.empty()) {
      std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
    }
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    failed["error"] = error.empty() ? describe_status(status) : error;
    return failed;
  }
  if (!result) {
    failed["error"] = "printed no result line";
    return failed;
  }
  return *result;
}

Fields median_of_runs(const std::vector<Fields>& runs,
                      const std::vector<std::string>& numeric_keys) {
  if (runs.empty()) return Fields{{"error", "no runs"}};
  for (const Fields& f : runs) {
    if (f.contains("error")) return f;
  }
  Fields combined = runs.front();
  for (const std::string& key : numeric_keys) {
    std::vector<std::pair<double, std::string>> values;
    for (const Fields& f : runs) {
      double v = 0;
      if (to_number(field(f, key), v)) values.emplace_back(v, field(f, key));
    }
    if (values.size() != runs.size()) continue;
    std::sort(values.begin(), values.end());
    combined[key] = values[values.size() / 2].second;
  }
  return combined;
}

std::string sibling_program(std::string_view name) {
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return std::string(name);
  std::string dir(self, static_cast<std::size_t>(n));
  dir.erase(dir.rfind('/') + 1);
  return dir + std::string(name);
}

bool is_executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

void print_machine(std::FILE* out) {
  char date[64];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", &tm);

  cpu_set_t set;
  CPU_ZERO(&set);
  int cpus = ::sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : -1;

  std::string model = "unknown";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.starts_with("model name")) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  utsname uts{};
  ::uname(&uts);
  double load[3] = {-1, -1, -1};
  if (::getloadavg(load, 3) < 0) load[0] = -1;
  std::fprintf(out, "date %s; nproc %d; cpu %s; kernel %s; load average %.2f %.2f %.2f\n", date,
               cpus, model.c_str(), uts.release, load[0], load[1], load[2]);
}

void print_table(std::FILE* out, const std::vector<Column>& columns,
                 const std::vector<Fields>& rows) {
  std::vector<std::size_t> widths;
  std::vector<std::string> header;
  for (const Column& c : columns) {
    widths.push_back(c.header.size());
    header.push_back(c.header);
  }
  std::vector<std::vector<std::string>> cells;
  for (const Fields& row : rows) {
    std::vector<std::string> line;
    bool failed = row.contains("error");
    for (std::size_t i = 0; i < columns.size(); ++i) {
      std::string text = field(row, columns[i].key);
      if (text.empty() || (failed && columns[i].key != "name")) text = "-";
      widths[i] = std::max(widths[i], text.size());
      line.push_back(std::move(text));
    }
    cells.push_back(std::move(line));
  }
  print_row(out, widths, header, "comment");
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const Fields& row = rows[r];
    std::string comment =
        row.contains("error") ? "FAILED: " + field(row, "error") : field(row, "comment");
    print_row(out, widths, cells[r], comment);
  }
}

void print_ratios(std::FILE* out, const std::vector<std::string>& keys,
                  const std::vector<Fields>& rows, const Fields& baseline) {
  std::vector<Column> columns{{"name", "vs " + field(baseline, "name")}};
  std::vector<Fields> ratio_rows;
  for (const std::string& k : keys) columns.push_back({k, k});
  for (const Fields& row : rows) {
    Fields r{{"name", field(row, "name")}};
    if (row.contains("error")) r["error"] = field(row, "error");
    for (const std::string& k : keys) {
      double value = 0;
      double base = 0;
      if (to_number(field(row, k), value) && to_number(field(baseline, k), base) && base > 0) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2fx", value / base);
        r[k] = buf;
      }
    }
    ratio_rows.push_back(std::move(r));
  }
  print_table(out, columns, ratio_rows);
}

std::map<std::string, std::int64_t, std::less<>> parse_options(
    int argc, char** argv, std::map<std::string, std::int64_t, std::less<>> defaults,
    std::string_view usage) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("%.*s", static_cast<int>(usage.size()), usage.data());
      std::exit(0);
    }
    auto it = arg.starts_with("--") ? defaults.find(arg.substr(2)) : defaults.end();
    if (it == defaults.end()) {
      throw std::invalid_argument("unknown option \"" + std::string(arg) + "\" (try --help)");
    }
    if (i + 1 >= argc) throw std::invalid_argument(std::string(arg) + " needs a value");
    it->second = parse_count(argv[++i], arg);
  }
  return defaults;
}

std::vector<Fields> run_implementations(const std::vector<Implementation>& implementations,
                                        const std::vector<std::string>& common_args, int runs,
                                        const std::vector<std::string>& numeric_keys) {
  std::vector<const Implementation*> present;
  for (const Implementation& impl : implementations) {
    if (!impl.optional || is_executable(sibling_program(impl.program))) present.push_back(&impl);
  }
  std::vector<std::vector<Fields>> results(present.size());
  for (int r = 0; r < std::max(runs, 1); ++r) {
    for (std::size_t i = 0; i < present.size(); ++i) {
      std::vector<std::string> args = present[i]->args;
      args.insert(args.end(), common_args.begin(), common_args.end());
      results[i].push_back(
          run_program(sibling_program(present[i]->program), args, present[i]->name));
    }
  }
  std::vector<Fields> rows;
  for (const auto& r : results) rows.push_back(median_of_runs(r, numeric_keys));
  return rows;
}

void print_results(std::FILE* out, std::string_view title, const std::vector<Column>& columns,
                   const std::vector<Fields>& rows, const std::vector<std::string>& ratio_keys,
                   std::string_view baseline) {
  std::fprintf(out, "\n%.*s\n", static_cast<int>(title.size()), title.data());
  print_table(out, columns, rows);
  if (const Fields* base = find_row(rows, baseline)) {
    std::fprintf(out, "\n");
    print_ratios(out, ratio_keys, rows, *base);
  }
  std::fflush(out);
}

const Fields* find_row(const std::vector<Fields>& rows, std::string_view name) {
  for (const Fields& row : rows) {
    auto it = row.find("name");
    if (it != row.end() && it->second == name) return &row;
  }
  return nullptr;
}

}  // namespace ae::bench
