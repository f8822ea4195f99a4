#include "fork/util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <stdexcept>
#include <system_error>

#include "core/loop.h"
#include "fork/internal/fd.h"
#include "fork/internal/serve.h"

namespace ae::fork {

using fork_internal::make_pipe;
using fork_internal::set_nonblocking;
using fork_internal::UniqueFd;

void close_all_fds_except(std::span<const int> keep) noexcept {
  fork_internal::close_fds_except(keep);
}

// ---- fork_call -------------------------------------------------------------------------------

namespace {

std::atomic<std::size_t> g_max_forks{0};

// In a child forked straight from this process (fork_call's function, run_cmd's on_prepare),
// the parent's loop is still the thread's current one, with the parent's watchers in it. A
// fresh loop is made current instead, so ae used there (a timer, a CondVar's recv) runs only
// what the child made: none of the parent's callbacks ever runs in the child.
class FreshLoop {
 public:
  FreshLoop() : scope_(loop_) {}

 private:
  Loop loop_;
  Loop::Scope scope_;
};

struct ForkCallJob {
  Function<Json()> fn;
  Function<void(Result<Json>)> cb;
};

// One fork_call child: its result pipe and exit are both awaited.
struct ForkCallRun {
  UniqueFd pipe;
  Io reader;
  Child exit;
  std::string data;
  std::optional<int> status;
  bool eof = false;
  Function<void(Result<Json>)> cb;
};

struct ForkCallQueue {
  std::deque<ForkCallJob> waiting;
  std::size_t running = 0;
};
thread_local ForkCallQueue t_fork_calls;

[[noreturn]] void fork_call_child(int fd, Function<Json()>& fn) {
  fork_internal::reset_child_signals();
  std::string out;
  try {
    FreshLoop fresh;
    out = Json::array({nullptr, fn()}).dump();
  } catch (const std::exception& e) {
    out = Json::array({std::string(e.what())}).dump(-1, ' ', false, Json::error_handler_t::replace);
  } catch (...) {
    out = Json::array({"unknown exception"}).dump();
  }
  fork_internal::set_nonblocking(fd, false);
  fork_internal::write_all(fd, out);
  ::_exit(0);
}

void start_next_fork_call();

void finish_fork_call(const std::shared_ptr<ForkCallRun>& run) {
  if (!run->eof || !run->status) return;
  --t_fork_calls.running;
  Result<Json> result = Error{make_error_code(RpcErrc::kWorkerDied),
                              "fork_call child " + describe_wait_status(*run->status)};
  if (!run->data.empty()) {
    try {
      Json v = Json::parse(run->data);
      if (v.is_array() && v.size() == 2 && v[0].is_null()) {
        result = std::move(v[1]);
      } else if (v.is_array() && v.size() == 1 && v[0].is_string()) {
        result = Error{make_error_code(RpcErrc::kWorkerException), v[0].get<std::string>()};
      }
    } catch (const std::exception&) {
      // A child that died mid-write: the exit status says how.
    }
  }
  auto cb = std::move(run->cb);
  run->exit.reset();
  run->reader.reset();
  start_next_fork_call();
  cb(std::move(result));
}

void start_next_fork_call() {
  ForkCallQueue& q = t_fork_calls;
  while (!q.waiting.empty() && q.running < max_forks()) {
    ForkCallJob job = std::move(q.waiting.front());
    q.waiting.pop_front();
    auto [r, w] = make_pipe();
    pid_t pid = ::fork();
    if (pid < 0) {
      int err = errno;
      if ((err == EAGAIN || err == ENOMEM) && q.running > 0) {
        q.waiting.push_front(std::move(job));  // retried when a running one ends
        return;
      }
      Loop::current().postpone([cb = std::move(job.cb), err]() mutable {
        cb(Result<Json>(Error{std::error_code(err, std::generic_category()), "fork"}));
      });
      continue;
    }
    if (pid == 0) {
      r.reset();
      fork_call_child(w.get(), job.fn);
    }
    w.reset();
    ++q.running;
    auto run = std::make_shared<ForkCallRun>();
    run->cb = std::move(job.cb);
    set_nonblocking(r.get(), true);
    run->pipe = std::move(r);
    Loop& loop = Loop::current();
    ForkCallRun* raw = run.get();
    run->reader = loop.io(raw->pipe.get(), kRead, [raw, weak = std::weak_ptr(run)] {
      char buf[65536];
      ssize_t n = ::read(raw->pipe.get(), buf, sizeof buf);
      if (n > 0) {
        raw->data.append(buf, static_cast<std::size_t>(n));
        return;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      raw->eof = true;
      raw->reader.stop();
      if (auto keep = weak.lock()) finish_fork_call(keep);
    });
    // The run owns itself through its child watcher until both ends are done.
    run->exit = loop.child(pid, [run](pid_t, int status) {
      run->status = status;
      // A copy: finishing destroys this lambda, and with it the `run` it holds.
      auto keep = run;  // NOLINT(performance-unnecessary-copy-initialization)
      finish_fork_call(keep);
    });
  }
}

}  // namespace

std::size_t max_forks() noexcept {
  std::size_t n = g_max_forks.load();
  if (n == 0) {
    const char* env = std::getenv("AE_MAX_FORKS");
    long v = env ? std::atol(env) : 0;
    n = v > 0 ? static_cast<std::size_t>(v) : 10;
    g_max_forks.store(n);
  }
  return n;
}

void set_max_forks(std::size_t n) noexcept { g_max_forks.store(n == 0 ? 1 : n); }

std::size_t fork_calls_running() noexcept { return t_fork_calls.running; }

void fork_call(Function<Json()> fn, Function<void(Result<Json>)> cb) {
  t_fork_calls.waiting.push_back(ForkCallJob{std::move(fn), std::move(cb)});
  start_next_fork_call();
}

// ---- run_cmd ---------------------------------------------------------------------------------

Redirect Redirect::to_file(std::string path) { return Redirect{File{std::move(path), true}}; }
Redirect Redirect::to_string(std::string* out) { return Redirect{Sink{out}}; }
Redirect Redirect::to_callback(Function<void(std::string_view)> cb) {
  return Redirect{Sink{std::move(cb)}};
}
Redirect Redirect::from_file(std::string path) { return Redirect{File{std::move(path), false}}; }
Redirect Redirect::from_string(std::string data) { return Redirect{Source{std::move(data)}}; }
Redirect Redirect::from_callback(Function<std::string()> cb) {
  return Redirect{Source{std::move(cb)}};
}
Redirect Redirect::to_fd(int fd) { return Redirect{Fd{fd}}; }

namespace {

// The parent's side of one run_cmd: pipes being drained or fed, and the exit.
struct CmdRun {
  struct Output {
    UniqueFd fd;
    Io watcher;
    Redirect::Sink sink;
  };
  struct Input {
    UniqueFd fd;
    Io watcher;
    Redirect::Source source;
    std::string pending;
    std::size_t off = 0;
    bool source_done = false;
  };
  std::vector<std::unique_ptr<Output>> outputs;
  std::vector<std::unique_ptr<Input>> inputs;
  Child exit;
  std::optional<int> status;
  std::size_t open_pipes = 0;
  CondVar<int> done;
  std::shared_ptr<CmdRun> self;

  void pipe_done() {
    --open_pipes;
    maybe_done();
  }
  void maybe_done() {
    if (open_pipes > 0 || !status || done.ready()) return;
    auto keep = std::move(self);
    exit.reset();
    done.send(*status);
  }

  void read_output(Output& o) {
    char buf[16384];
    ssize_t n = ::read(o.fd.get(), buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n > 0) {
      std::string_view chunk(buf, static_cast<std::size_t>(n));
      if (auto* s = std::get_if<std::string*>(&o.sink)) {
        (*s)->append(chunk);
      } else {
        std::get<1>(o.sink)(chunk);
      }
      return;
    }
    o.watcher.reset();
    o.fd.reset();
    if (auto* cb = std::get_if<1>(&o.sink)) (*cb)(std::string_view());
    pipe_done();
  }

  void write_input(Input& in) {
    for (;;) {
      if (in.off == in.pending.size()) {
        in.pending.clear();
        in.off = 0;
        if (auto* cb = std::get_if<1>(&in.source); cb && !in.source_done) {
          in.pending = (*cb)();
        }
        if (in.pending.empty()) {
          in.source_done = true;
          break;
        }
      }
      ssize_t n = ::write(in.fd.get(), in.pending.data() + in.off, in.pending.size() - in.off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      if (n < 0) break;  // the child closed its end (EPIPE): that input is done
      in.off += static_cast<std::size_t>(n);
    }
    in.watcher.reset();
    in.fd.reset();  // EOF for the child
    pipe_done();
  }
};

// In the child: put every redirection in place, then exec. Only exits on failure.
[[noreturn]] void exec_child(const std::vector<std::string>& argv,
                             std::vector<std::pair<int, int>>& sources,  // target <- source fd
                             const std::vector<std::pair<int, Redirect::File>>& files,
                             RunCmdOptions& options) {
  fork_internal::reset_child_signals();
  for (const auto& [target, file] : files) {
    int fd = file.write ? ::open(file.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)
                        : ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) ::_exit(125);
    sources.emplace_back(target, fd);
  }
  // Move every source above every target first, so no dup2 overwrites a source still needed.
  int floor = 0;
  for (auto& [target, src] : sources) floor = std::max({floor, target + 1, src + 1});
  for (auto& [target, src] : sources) {
    int high = ::fcntl(src, F_DUPFD_CLOEXEC, floor);
    if (high < 0) ::_exit(124);
    src = high;
  }
  std::vector<int> keep = {0, 1, 2};
  for (auto& [target, src] : sources) {
    if (::dup2(src, target) < 0) ::_exit(123);  // dup2 clears close-on-exec on the target
    keep.push_back(target);
  }
  if (options.close_all) fork_internal::close_fds_except(keep);
  if (options.on_prepare) {
    try {
      FreshLoop fresh;
      options.on_prepare();
    } catch (...) {
      ::_exit(123);
    }
  }
  std::vector<char*> cargv;
  cargv.reserve(argv.size() + 1);
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  ::execvp(cargv[0], cargv.data());
  ::_exit(126);
}

}  // namespace

CondVar<int> run_cmd(const std::vector<std::string>& argv, RunCmdOptions options) {
  if (argv.empty()) throw std::invalid_argument("ae::fork::run_cmd: empty argv");
  Loop& loop = Loop::current();
  auto run = std::make_shared<CmdRun>();
  std::vector<std::pair<int, int>> sources;  // target fd <- fd the child dups from
  std::vector<UniqueFd> child_ends;          // closed in the parent after the fork
  std::vector<std::pair<int, Redirect::File>> files;
  for (auto& [target, r] : options.redirects) {
    if (target < 0) throw std::invalid_argument("ae::fork::run_cmd: negative fd");
    if (auto* f = std::get_if<Redirect::File>(&r.how)) {
      files.emplace_back(target, *f);
    } else if (auto* fd = std::get_if<Redirect::Fd>(&r.how)) {
      sources.emplace_back(target, fd->fd);
    } else if (auto* sink = std::get_if<Redirect::Sink>(&r.how)) {
      auto [rd, wr] = make_pipe();
      sources.emplace_back(target, wr.get());
      child_ends.push_back(std::move(wr));
      auto o = std::make_unique<CmdRun::Output>();
      o->fd = std::move(rd);
      o->sink = std::move(*sink);
      run->outputs.push_back(std::move(o));
    } else {
      auto [rd, wr] = make_pipe();
      sources.emplace_back(target, rd.get());
      child_ends.push_back(std::move(rd));
      auto in = std::make_unique<CmdRun::Input>();
      in->fd = std::move(wr);
      auto& source = std::get<Redirect::Source>(r.how);
      if (auto* s = std::get_if<std::string>(&source)) {
        in->pending = std::move(*s);
        in->source_done = true;
      }
      in->source = std::move(source);
      run->inputs.push_back(std::move(in));
    }
  }
  pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "ae::fork::run_cmd: fork");
  if (pid == 0) exec_child(argv, sources, files, options);
  child_ends.clear();
  if (options.pid) *options.pid = pid;
  CmdRun* raw = run.get();
  for (auto& o : run->outputs) {
    set_nonblocking(o->fd.get(), true);
    CmdRun::Output* op = o.get();
    o->watcher = loop.io(o->fd.get(), kRead, [raw, op] { raw->read_output(*op); });
    ++run->open_pipes;
  }
  for (auto& in : run->inputs) {
    set_nonblocking(in->fd.get(), true);
    CmdRun::Input* ip = in.get();
    in->watcher = loop.io(in->fd.get(), kWrite, [raw, ip] { raw->write_input(*ip); });
    ++run->open_pipes;
  }
  run->exit = loop.child(pid, [raw](pid_t, int status) {
    raw->status = status;
    raw->maybe_done();
  });
  run->self = run;
  return run->done;
}

}  // namespace ae::fork
