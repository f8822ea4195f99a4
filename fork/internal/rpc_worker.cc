// The worker's side of Fork::RPC: the sync and async serving loops, events, Reply, and the
// pieces both ends share (frames, serialisers, the error category).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/condvar.h"
#include "core/loop.h"
#include "fork/internal/fd.h"
#include "fork/internal/registry.h"
#include "fork/internal/rpc_frame.h"
#include "fork/internal/serve.h"
#include "fork/internal/writer.h"
#include "fork/rpc.h"

namespace ae::fork_internal {

std::string frame(char kind, std::uint32_t id, std::string_view payload) {
  std::string out;
  out.reserve(kFrameHeader + payload.size());
  out.push_back(kind);
  put_u32(out, id);
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  out.append(payload);
  return out;
}

namespace {

std::string json_freeze(const Json& v) { return v.dump(); }
Json json_thaw(std::string_view s) { return Json::parse(s); }
std::string cbor_freeze(const Json& v) {
  std::string out;
  Json::to_cbor(v, out);
  return out;
}
Json cbor_thaw(std::string_view s) { return Json::from_cbor(s); }

// AnyEvent::Fork::RPC's $STRING_SERIALISER: a list of octet strings, each prefixed with its
// length as a BER compressed integer (pack "(w/a*)*"). Strings cost one copy each way, whatever
// their size, which no text or CBOR codec matches for bulk data.
std::string string_freeze(const Json& v) {
  std::string out;
  auto put = [&out](const std::string& s) {
    char ber[10];
    int n = 0;
    std::size_t len = s.size();
    do {
      ber[n++] = static_cast<char>(len & 0x7f);
      len >>= 7;
    } while (len);
    for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<char>(ber[i] | (i ? 0x80 : 0)));
    out.append(s);
  };
  if (v.is_string()) {
    put(v.get_ref<const std::string&>());
  } else if (v.is_array()) {
    for (const Json& e : v) {
      if (!e.is_string()) throw std::invalid_argument("the string serialiser takes only strings");
      put(e.get_ref<const std::string&>());
    }
  } else if (!v.is_null()) {
    throw std::invalid_argument("the string serialiser takes a string or an array of strings");
  }
  return out;
}
Json string_thaw(std::string_view s) {
  Json out = Json::array();
  while (!s.empty()) {
    std::size_t len = 0;
    for (int i = 0;; ++i) {
      if (s.empty() || i == 9) throw std::invalid_argument("bad length in string payload");
      auto c = static_cast<unsigned char>(s[0]);
      s.remove_prefix(1);
      len = (len << 7) | (c & 0x7f);
      if (!(c & 0x80)) break;
    }
    if (len > s.size()) throw std::invalid_argument("truncated string payload");
    out.push_back(std::string(s.substr(0, len)));
    s.remove_prefix(len);
  }
  return out;
}

struct Serialisers {
  std::mutex mutex;
  std::map<std::string, fork::Serialiser, std::less<>> table{
      {"json", {"json", json_freeze, json_thaw}},
      {"cbor", {"cbor", cbor_freeze, cbor_thaw}},
      {"string", {"string", string_freeze, string_thaw}},
  };
};
Serialisers& serialisers() {
  static auto* s = new Serialisers;
  return *s;
}

}  // namespace

const fork::Serialiser* find_serialiser(std::string_view name) noexcept {
  Serialisers& s = serialisers();
  std::lock_guard lock(s.mutex);
  auto it = s.table.find(name);
  return it == s.table.end() ? nullptr : &it->second;  // entries are never removed
}

std::string RpcConfig::encode() const {
  return function + '\n' + serialiser + '\n' + init + '\n' + done;
}

bool RpcConfig::decode(std::string_view s, RpcConfig& out) {
  std::string* parts[] = {&out.function, &out.serialiser, &out.init, &out.done};
  for (int i = 0; i < 4; ++i) {
    auto nl = s.find('\n');
    if (i < 3 && nl == std::string_view::npos) return false;
    *parts[i] = std::string(s.substr(0, i < 3 ? nl : s.size()));
    if (i < 3) s.remove_prefix(nl + 1);
  }
  return true;
}

// Where a worker's frames go: written at once (sync) or queued on the loop (async).
struct WorkerOut {
  const fork::Serialiser* serialiser = nullptr;
  int fd = -1;
  Writer* writer = nullptr;  // async workers
  void send(std::string bytes) {
    if (writer) {
      writer->push(std::move(bytes));
    } else if (!write_all(fd, bytes)) {
      ::_exit(0);  // the parent is gone
    }
  }
};
WorkerOut* g_out = nullptr;

namespace {

std::string freeze_or_error(const Json& v, char& kind) {
  try {
    return g_out->serialiser->freeze(v);
  } catch (const std::exception& e) {
    kind = kFrameError;
    return std::string("result not serialisable: ") + e.what();
  }
}

[[noreturn]] void protocol_exit(const char* what) {
  std::fprintf(stderr, "ae::fork rpc worker: %s\n", what);
  std::fflush(stderr);
  ::_exit(2);
}

void run_sync(fork::Channel ch, SyncFn fn) {
  BlockingReader reader(ch.in, ch.in == ch.out, true);
  std::string header, payload;
  while (reader.read_exact(kFrameHeader, header)) {
    if (header[0] != kFrameCall) protocol_exit("unexpected frame from the parent");
    std::uint32_t id = get_u32(header.data() + 1);
    if (!reader.read_exact(get_u32(header.data() + 5), payload)) break;
    char kind = kFrameResult;
    std::string out;
    try {
      Json args = g_out->serialiser->thaw(payload);
      payload = {};
      out = freeze_or_error(fn(std::move(args)), kind);
    } catch (const std::exception& e) {
      kind = kFrameError;
      out = e.what();
    } catch (...) {
      kind = kFrameError;
      out = "unknown exception";
    }
    g_out->send(frame(kind, id, out));
  }
}

}  // namespace

// An async worker: reads calls on the loop, answers through Replies, exits when the parent
// closed the channel and nothing is outstanding.
struct AsyncWorker : std::enable_shared_from_this<AsyncWorker> {
  fork::Channel ch;
  AsyncFn fn = nullptr;
  DoneFn done = nullptr;
  std::unique_ptr<Writer> writer;
  Io reader;
  std::string rbuf;
  std::set<std::uint32_t> open_ids;  // calls not answered yet; a second answer is dropped
  bool eof = false;
  CondVar<> finished;

  void start() {
    set_nonblocking(ch.in, true);
    set_nonblocking(ch.out, true);
    writer = std::make_unique<Writer>(Loop::current(), ch.out, ch.in == ch.out);
    g_out->writer = writer.get();
    reader = Loop::current().io(ch.in, kRead, [this] { on_readable(); });
  }

  void on_readable() {
    char buf[65536];
    ssize_t n = ::read(ch.in, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
      eof = true;
      reader.reset();
      maybe_finish();
      return;
    }
    rbuf.append(buf, static_cast<std::size_t>(n));
    std::size_t pos = 0;
    while (rbuf.size() - pos >= kFrameHeader) {
      const char* h = rbuf.data() + pos;
      std::uint32_t len = get_u32(h + 5);
      if (h[0] != kFrameCall) protocol_exit("unexpected frame from the parent");
      if (rbuf.size() - pos - kFrameHeader < len) break;
      std::uint32_t id = get_u32(h + 1);
      std::string_view payload(h + kFrameHeader, len);
      pos += kFrameHeader + len;
      dispatch(id, payload);
    }
    rbuf.erase(0, pos);
  }

  void dispatch(std::uint32_t id, std::string_view payload) {
    if (!open_ids.insert(id).second) protocol_exit("call id already in use");
    fork::Reply reply(shared_from_this(), id);
    try {
      fn(g_out->serialiser->thaw(payload), std::move(reply));
    } catch (const std::exception& e) {
      answer(id, kFrameError, e.what());
    } catch (...) {
      answer(id, kFrameError, "unknown exception");
    }
  }

  // Sends one answer per call: an exception thrown after the Reply was handed on answers first,
  // and the Reply's own answer later is dropped.
  void answer(std::uint32_t id, char kind, std::string payload) {
    if (open_ids.erase(id) == 0) return;
    g_out->send(frame(kind, id, payload));
    maybe_finish();
  }

  void maybe_finish() {
    if (!eof || !open_ids.empty() || finished.ready()) return;
    if (done) done();
    writer->on_flushed([this](std::error_code) { finished.send(); });
  }
};

namespace {

// The child function every RPC worker runs: decode the configuration, run init, serve.
void rpc_child(fork::Channel ch, fork::Args args) {
  // A parent that went away must not kill the worker with SIGPIPE mid-answer: writes fail and
  // the worker exits.
  ::signal(SIGPIPE, SIG_IGN);
  RpcConfig config;
  if (args.strings.empty() || !RpcConfig::decode(args.strings.back(), config)) {
    protocol_exit("missing configuration");
  }
  args.strings.pop_back();
  WorkerOut out;
  out.fd = ch.out;
  out.serialiser = find_serialiser(config.serialiser);
  if (!out.serialiser) protocol_exit("unknown serialiser");
  g_out = &out;
  if (!config.init.empty()) {
    const Entry* e = find_entry(config.init);
    if (!e || !std::holds_alternative<InitFn>(*e)) protocol_exit("init is not an init function");
    std::get<InitFn> (*e)(args);
  }
  const Entry* e = find_entry(config.function);
  if (e && std::holds_alternative<SyncFn>(*e)) {
    run_sync(ch, std::get<SyncFn>(*e));
    return;
  }
  if (!e || !std::holds_alternative<AsyncFn>(*e)) protocol_exit("not an RPC function");
  auto worker = std::make_shared<AsyncWorker>();
  worker->ch = ch;
  worker->fn = std::get<AsyncFn>(*e);
  if (!config.done.empty()) {
    const Entry* d = find_entry(config.done);
    if (!d || !std::holds_alternative<DoneFn>(*d)) protocol_exit("done is not a done function");
    worker->done = std::get<DoneFn>(*d);
  }
  worker->start();
  worker->finished.recv();
  g_out = nullptr;
}

}  // namespace
}  // namespace ae::fork_internal

AE_FORK_FUNCTION(ae::fork_internal::kRpcChildFunction, ae::fork_internal::rpc_child);

namespace ae::fork {

using namespace fork_internal;

namespace {
class RpcCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "ae::fork"; }
  std::string message(int c) const override {
    switch (static_cast<RpcErrc>(c)) {
      case RpcErrc::kWorkerException:
        return "the worker function threw";
      case RpcErrc::kWorkerDied:
        return "the worker died";
      case RpcErrc::kProtocol:
        return "unexpected data from the worker";
      case RpcErrc::kSerialise:
        return "a value could not be serialised";
      case RpcErrc::kCancelled:
        return "cancelled";
    }
    return "unknown ae::fork error";
  }
};
}  // namespace

const std::error_category& rpc_category() noexcept {
  static const RpcCategory c;
  return c;
}
std::error_code make_error_code(RpcErrc e) noexcept {
  return {static_cast<int>(e), rpc_category()};
}

void register_function(std::string_view name, Json (*fn)(Json)) { register_entry(name, fn); }
void register_function(std::string_view name, void (*fn)(Json, Reply)) { register_entry(name, fn); }
void register_function(std::string_view name, void (*fn)(Args&)) { register_entry(name, fn); }
void register_function(std::string_view name, void (*fn)()) { register_entry(name, fn); }

void register_serialiser(const Serialiser& s) {
  Serialisers& all = serialisers();
  std::lock_guard lock(all.mutex);
  all.table[s.name] = s;
}

void event(Json data) {
  if (!g_out) throw std::logic_error("ae::fork::event: not in an RPC worker");
  char kind = kFrameEvent;
  std::string payload = freeze_or_error(data, kind);
  if (kind != kFrameEvent) throw std::invalid_argument("ae::fork::event: " + payload);
  g_out->send(frame(kFrameEvent, 0, payload));
}

void retire() {
  if (!g_out) throw std::logic_error("ae::fork::retire: not in an RPC worker");
  g_out->send(frame(kFrameRetire, 0, {}));
}

Reply::Reply(std::shared_ptr<AsyncWorker> worker, std::uint32_t id) noexcept
    : worker_(std::move(worker)), id_(id) {}
Reply::Reply(Reply&&) noexcept = default;
Reply& Reply::operator=(Reply&& o) noexcept {
  if (this != &o) {
    if (worker_) error("the worker dropped the reply");
    worker_ = std::move(o.worker_);
    id_ = o.id_;
  }
  return *this;
}
Reply::~Reply() {
  // Unwinding from the worker function: its catch answers with the exception's message.
  if (worker_ && std::uncaught_exceptions() == 0) error("the worker dropped the reply");
}

void Reply::operator()(Json result) {
  if (!worker_) return;
  auto w = std::move(worker_);
  char kind = kFrameResult;
  std::string payload = freeze_or_error(result, kind);
  w->answer(id_, kind, std::move(payload));
}

void Reply::error(std::string_view message) {
  if (!worker_) return;
  auto w = std::move(worker_);
  w->answer(id_, kFrameError, std::string(message));
}

}  // namespace ae::fork
