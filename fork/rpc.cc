#include "fork/rpc.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/buffer.h"
#include "core/log_hook.h"
#include "core/loop.h"
#include "fork/internal/loop_end.h"
#include "fork/internal/registry.h"
#include "fork/internal/rpc_frame.h"
#include "fork/internal/serve.h"
#include "fork/internal/writer.h"

namespace ae::fork_internal {

using fork::RpcErrc;

// The parent's side of one worker. It keeps itself alive (self) while a worker is attached, so
// that outstanding callbacks and on_destroy run after the Rpc handle is gone.
struct RpcState : Abandonable {
  struct Call {
    Function<void(Result<Json>)> cb;
    Timer timeout;
  };

  Loop* loop = nullptr;
  fork::RpcOptions options;
  const fork::Serialiser* serialiser = nullptr;
  std::shared_ptr<RpcState> self;
  fork::Process process;
  std::unique_ptr<Writer> writer;
  // Calls made before the worker runs: (call id, frame), sent by start().
  std::vector<std::pair<std::uint32_t, std::string>> before_start;
  Io reader;
  Buffer rbuf;
  std::map<std::uint32_t, Call> calls;
  std::uint32_t next_id = 1;
  bool started = false;
  bool handle_alive = true;
  bool lost = false;      // the worker is gone or broke the protocol
  bool finished = false;  // every callback has run; nothing more happens
  std::string kill_reason;
  Timer exit_grace;

  void start(fork::Process p) {
    process = std::move(p);
    started = true;
    int fd = process.fd();
    writer = std::make_unique<Writer>(*loop, fd);
    for (auto& pending : before_start) writer->push(std::move(pending.second));
    before_start.clear();
    reader = loop->io(fd, kRead, [this] { on_readable(); });
    if (!handle_alive) shut_down_writes();
  }

  std::uint32_t take_id() {
    // Ids from 1 to 0xfffffffe, wrapping, skipping ids in use (AnyEvent::Fork::RPC's scheme).
    for (;;) {
      std::uint32_t id = next_id;
      next_id = next_id >= 0xfffffffeu ? 1 : next_id + 1;
      if (!calls.count(id)) return id;
    }
  }

  void call(const Json& args, Function<void(Result<Json>)> cb, double timeout) {
    std::string payload;
    try {
      payload = serialiser->freeze(args);
    } catch (const std::exception& e) {
      postpone_error(std::move(cb), Error{make_error_code(RpcErrc::kSerialise),
                                          std::string("argument not serialisable: ") + e.what()});
      return;
    }
    if (lost) {
      postpone_error(std::move(cb), lost_error);
      return;
    }
    std::uint32_t id = take_id();
    Call& c = calls[id];
    c.cb = std::move(cb);
    if (timeout <= 0) timeout = options.timeout;
    if (timeout > 0) {
      c.timeout = loop->timer(timeout, [this, id] { on_timeout(id); });
    }
    std::string f = frame(kFrameCall, id, payload);
    if (started) {
      writer->push(std::move(f));
    } else {
      before_start.emplace_back(id, std::move(f));
    }
  }

  void postpone_error(Function<void(Result<Json>)> cb, Error e) {
    loop->postpone([cb = std::move(cb), e = std::move(e)]() mutable { cb(Result<Json>(e)); });
  }

  void on_timeout(std::uint32_t id) {
    auto it = calls.find(id);
    if (it == calls.end()) return;
    auto keep = self;
    Call c = std::move(it->second);
    calls.erase(it);
    if (!started) {
      // Never sent (the worker is not running yet): it is taken back, and the worker, which
      // cannot be stuck in it, is kept.
      std::erase_if(before_start, [id](const auto& f) { return f.first == id; });
    } else {
      // The worker may be stuck in this call: it is killed, and its other calls fail with why.
      kill_reason = "killed after a call timed out";
      process.kill(SIGKILL);
    }
    c.cb(Result<Json>(Error{std::make_error_code(std::errc::timed_out), "the call timed out"}));
  }

  void on_readable() {
    auto keep = self;  // a callback may drop the last handle
    std::size_t want = 256 * 1024;
    if (rbuf.size() >= kFrameHeader) {
      std::size_t len = get_u32(rbuf.data() + 5);
      if (len <= options.max_frame && len + kFrameHeader > rbuf.size()) {
        want = std::max(want, len + kFrameHeader - rbuf.size());
      }
    }
    auto space = rbuf.prepare(want);
    ssize_t n = ::read(process.fd(), space.data(), space.size());
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    // A worker killed with our data unread in its socket makes the read fail with ECONNRESET
    // instead of EOF: either way the worker is gone, and its exit report says how.
    if (n <= 0) {
      on_eof();
      return;
    }
    rbuf.commit(static_cast<std::size_t>(n));
    while (!lost && rbuf.size() >= kFrameHeader) {
      const char* h = rbuf.data();
      char kind = h[0];
      std::uint32_t id = get_u32(h + 1);
      std::size_t len = get_u32(h + 5);
      // Judged from the header alone, so garbage that happens to announce a huge length is
      // caught at once instead of being waited for.
      if (kind != kFrameResult && kind != kFrameError && kind != kFrameEvent &&
          kind != kFrameRetire) {
        protocol_error("unexpected data from the worker");
        return;
      }
      if (len > options.max_frame) {
        protocol_error("a frame of " + std::to_string(len) + " bytes is over the limit");
        return;
      }
      if (rbuf.size() < kFrameHeader + len) break;
      std::string payload(rbuf.data() + kFrameHeader, len);
      rbuf.consume(kFrameHeader + len);
      handle_frame(kind, id, std::move(payload));
    }
    if (rbuf.empty()) rbuf.shrink_to_fit();
  }

  void handle_frame(char kind, std::uint32_t id, std::string payload) {
    switch (kind) {
      case kFrameResult:
      case kFrameError: {
        auto it = calls.find(id);
        if (it == calls.end()) {
          // A call that timed out may still be answered before the kill lands.
          if (!kill_reason.empty()) return;
          protocol_error("an answer to call " + std::to_string(id) + ", which is not outstanding");
          return;
        }
        Call c = std::move(it->second);
        calls.erase(it);
        if (kind == kFrameError) {
          c.cb(Result<Json>(Error{make_error_code(RpcErrc::kWorkerException), std::move(payload)}));
        } else {
          deliver(std::move(c.cb), payload);
        }
        break;
      }
      case kFrameEvent: {
        Json data;
        try {
          data = serialiser->thaw(payload);
        } catch (const std::exception& e) {
          protocol_error(std::string("an undecodable event: ") + e.what());
          return;
        }
        if (options.on_event) {
          options.on_event(std::move(data));
        } else {
          report(Error{make_error_code(RpcErrc::kProtocol),
                       "event received, but no on_event handler"});
        }
        break;
      }
      case kFrameRetire:
        if (options.on_retire) options.on_retire();
        break;
      default:
        protocol_error("unexpected data from the worker");
    }
    maybe_finish();
  }

  void deliver(Function<void(Result<Json>)> cb, const std::string& payload) {
    Json v;
    try {
      v = serialiser->thaw(payload);
    } catch (const std::exception& e) {
      cb(Result<Json>(Error{make_error_code(RpcErrc::kSerialise),
                            std::string("an undecodable result: ") + e.what()}));
      return;
    }
    cb(Result<Json>(std::move(v)));
  }

  void protocol_error(std::string what) {
    process.kill(SIGKILL);
    worker_lost(Error{make_error_code(RpcErrc::kProtocol), std::move(what)});
  }

  // EOF from the worker. If it was expected (the handle is gone and nothing is outstanding),
  // that is the normal end; otherwise the worker is lost, and the error says how it ended.
  void on_eof() {
    reader.reset();
    if (calls.empty() && !handle_alive) {
      finish();
      return;
    }
    reader.reset();
    // The exit report follows the EOF closely; a worker that closed its channel and lives on
    // is reported after a grace period.
    process.on_exit([this](const fork::ExitInfo& info) { lost_with_exit(info.describe()); });
    exit_grace = loop->timer(5.0, [this] { lost_with_exit("closed its channel"); });
  }

  void lost_with_exit(const std::string& how) {
    auto keep = self;
    exit_grace.reset();
    process.on_exit(nullptr);
    std::string text = "worker " + how;
    if (!kill_reason.empty()) text += " (" + kill_reason + ")";
    worker_lost(Error{make_error_code(RpcErrc::kWorkerDied), std::move(text)});
  }

  Error lost_error;

  void worker_lost(const Error& e) {
    if (lost) return;
    auto keep = self;
    lost = true;
    lost_error = e;
    reader.reset();
    auto pending = std::move(calls);
    calls.clear();
    for (auto& [id, c] : pending) c.cb(Result<Json>(e));
    report(e);
    finish();
  }

  // To on_error, or (AnyEvent::Fork::RPC's default, which dies) to the log: never silent.
  void report(const Error& e) {
    if (options.on_error) {
      options.on_error(e);
    } else if (core_log_enabled(LogLevel::kError, "ae::fork")) {
      core_log(LogLevel::kError, "ae::fork", "RPC worker: " + e.message);
    }
  }

  void shut_down_writes() {
    if (!started || lost) return;
    writer->on_flushed([this](std::error_code) {
      if (process.fd() >= 0) ::shutdown(process.fd(), SHUT_WR);
    });
  }

  void maybe_finish() {
    if (lost && calls.empty()) finish();
  }

  // Nothing more will happen: on_destroy if the handle is gone, then let go of the worker.
  void finish() {
    if (finished || handle_alive) return;
    if (!lost && !calls.empty()) return;
    finished = true;
    reader.reset();
    exit_grace.reset();
    auto on_destroy = std::move(options.on_destroy);
    options = fork::RpcOptions{};
    auto keep = std::move(self);
    loop->postpone([keep = std::move(keep), on_destroy = std::move(on_destroy)]() mutable {
      keep->writer.reset();
      keep->process = fork::Process();
      if (on_destroy) on_destroy();
    });
  }

  // Also after finish(): its postponed last step may never run when the loop ends first, and
  // must not keep the worker's fds (and through its watchers, the dead loop) alive.
  void abandon() noexcept override {
    finished = true;
    reader.reset();
    exit_grace.reset();
    calls.clear();
    writer.reset();
    process = fork::Process();  // the worker sees EOF and exits
    options = fork::RpcOptions{};
    self.reset();  // last: may free this
  }

  void handle_gone() {
    handle_alive = false;
    if (lost) {
      finish();
    } else {
      shut_down_writes();
    }
  }
};

}  // namespace ae::fork_internal

namespace ae::fork {

using namespace fork_internal;

Rpc::Rpc(Fork process, std::string function, RpcOptions options) {
  const Entry* e = find_entry(function);
  if (!e || !(std::holds_alternative<SyncFn>(*e) || std::holds_alternative<AsyncFn>(*e))) {
    throw std::logic_error("ae::fork::Rpc: no RPC function registered as " + function);
  }
  auto s = std::make_shared<RpcState>();
  s->loop = &Loop::current();
  s->serialiser = find_serialiser(options.serialiser);
  if (!s->serialiser) {
    throw std::logic_error("ae::fork::Rpc: unknown serialiser " + options.serialiser);
  }
  RpcConfig config{std::move(function), options.serialiser, options.init, options.done};
  s->options = std::move(options);
  s->self = s;
  s->loop->service<LoopEnd>().add(s);
  process.send_arg(config.encode());
  std::weak_ptr<RpcState> weak = s;
  process.run(kRpcChildFunction, [weak](Process p) {
    if (auto s = weak.lock()) s->start(std::move(p));
  });
  state_ = std::move(s);
}

Rpc::Rpc(Rpc&&) noexcept = default;
Rpc& Rpc::operator=(Rpc&& o) noexcept {
  if (this != &o) {
    if (state_) state_->handle_gone();
    state_ = std::move(o.state_);
  }
  return *this;
}
Rpc::~Rpc() {
  if (state_) state_->handle_gone();
}

void Rpc::call(const Json& args, Function<void(Result<Json>)> cb, double timeout) {
  if (!state_) throw std::logic_error("ae::fork::Rpc: empty");
  state_->call(args, std::move(cb), timeout);
}

CondVar<Json> Rpc::call(const Json& args) {
  CondVar<Json> cv;
  call(args, [cv](Result<Json> r) mutable {
    if (r) {
      cv.send(std::move(*r));
    } else {
      cv.croak(std::make_exception_ptr(std::system_error(r.code(), r.message())));
    }
  });
  return cv;
}

std::size_t Rpc::pending() const noexcept { return state_ ? state_->calls.size() : 0; }
pid_t Rpc::pid() const noexcept { return state_ ? state_->process.pid() : 0; }
bool Rpc::alive() const noexcept { return state_ && !state_->lost && state_->kill_reason.empty(); }

}  // namespace ae::fork
