#include "io/follow.h"

#include <errno.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <stdexcept>
#include <utility>

#include "core/log_hook.h"
#include "core/loop.h"
#include "io/file.h"
#include "io/internal/channel.h"
#include "io/internal/follow_step.h"
#include "io/internal/line_splitter.h"
#include "io/internal/start.h"

namespace ae::io_internal {

// The loop's side of a follower: decides when to take a step, and hands what it read to the
// callbacks. At most one step runs at a time; changes noticed meanwhile ask for one more.
class Tail {
 public:
  Tail(std::string path, fs::FollowOptions options, Function<void(std::string_view)> on_line)
      : path_(std::move(path)),
        options_(std::move(options)),
        on_line_(std::move(on_line)),
        splitter_(options_.max_line),
        channel_(Channel::current()) {
    std::size_t slash = path_.rfind('/');
    dir_ = slash == std::string::npos ? "." : slash == 0 ? "/" : path_.substr(0, slash);
  }

  void start() {
    Loop& loop = *channel_->loop();
    if (options_.inotify) {
      int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
      if (fd >= 0) {
        inotify_ = fs::File(fd);
        inotify_watch_ = loop.io(fd, kRead, [this] { on_inotify(); });
      }
    }
    if (!inotify_) start_polling();
    kick();
  }

  void stop() noexcept {
    stopped_ = true;
    step_.reset();
    poll_.reset();
    inotify_watch_.reset();
  }

  const std::shared_ptr<Channel>& channel() const noexcept { return channel_; }
  std::uint64_t offset() const noexcept {
    std::uint64_t buffered = options_.chunks ? 0 : splitter_.buffered();
    return read_offset_ >= buffered ? read_offset_ - buffered : 0;
  }
  bool inotify() const noexcept { return static_cast<bool>(inotify_); }

 private:
  void start_polling() {
    inotify_watch_.reset();
    inotify_.reset();
    if (!poll_) {
      poll_ = channel_->loop()->timer(options_.poll_interval, options_.poll_interval,
                                      [this] { kick(); });
    }
  }

  // Takes a step now, or right after the running one.
  void kick() {
    if (stopped_) return;
    if (step_running_) {
      again_ = true;
      return;
    }
    StepInput in;
    in.path = path_;
    in.dir = dir_;
    in.file = file_.descriptor();
    in.inotify = inotify_.descriptor();
    in.watch_dir = in.inotify && !dir_watched_;
    in.old_file_wd = file_wd_;
    in.start = opened_before_ || waited_ ? std::optional<std::uint64_t>(0) : options_.offset;
    in.dev = dev_;
    in.ino = ino_;
    in.offset = read_offset_;
    in.read_size = options_.read_size;
    step_running_ = true;
    again_ = false;
    step_ = io_internal::start<StepOutput>([in = std::move(in)] { return follow_step(in); },
                                           [this](StepOutput out) {
                                             step_running_ = false;
                                             on_step(std::move(out));
                                           });
  }

  void on_step(StepOutput out) {
    if (out.dir_wd) {
      dir_watched_ = true;
      dir_wd_ = *out.dir_wd;
      if (dir_wd_ < 0) start_polling();  // e.g. a directory we may read but not watch
    }
    if (out.error) return fail(out.error, out.message);
    if (out.missing) {
      waited_ = true;
      if (again_) kick();
      return;
    }

    // Callbacks, in order: a truncated file's unfinished last line and the reset; the lines
    // read; a rotated file's unfinished last line and the reset.
    std::string before;
    if (out.opened) {
      file_ = std::move(out.opened);
      if (out.file_wd >= 0) file_wd_ = out.file_wd;
      dev_ = out.dev;
      ino_ = out.ino;
      opened_before_ = true;
    }
    if (out.truncated) before = splitter_.take_rest();
    read_offset_ = out.offset;
    if (!options_.chunks) splitter_.append(out.data);
    if (out.rotated) file_.reset();  // the next step opens the new file
    // The next step is asked for before any callback runs, so that a callback that throws
    // leaves the follower going.
    if (out.more || out.rotated || again_) kick();

    if (out.truncated && !deliver_reset(before, fs::FollowReset::kTruncated)) return;
    if (options_.chunks) {
      if (!out.data.empty()) on_line_(out.data);
    } else {
      while (!stopped_) {
        std::optional<std::string_view> line = splitter_.next();
        if (!line) break;
        on_line_(*line);
      }
    }
    if (out.rotated && !stopped_) {
      std::string rest = splitter_.take_rest();
      read_offset_ = 0;
      deliver_reset(rest, fs::FollowReset::kRotated);
    }
  }

  // Hands over an unfinished last line, then the reset; false when a callback stopped the
  // follower.
  bool deliver_reset(const std::string& unfinished, fs::FollowReset reset) {
    if (stopped_) return false;
    if (!unfinished.empty()) {
      on_line_(unfinished);
      if (stopped_) return false;
    }
    if (options_.on_reset) options_.on_reset(reset);
    return !stopped_;
  }

  void on_inotify() {
    alignas(inotify_event) char events[4096];
    bool relevant = false;
    for (;;) {
      ssize_t n = ::read(inotify_.fd(), events, sizeof events);
      if (n <= 0) break;
      for (ssize_t at = 0; at < n;) {
        const auto* e = reinterpret_cast<const inotify_event*>(events + at);
        at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
        // Names in the directory other than the file's own do not concern it.
        if (e->wd == dir_wd_ && e->len > 0 && base_name() != e->name) continue;
        relevant = true;
      }
    }
    if (relevant) kick();
  }

  std::string_view base_name() const noexcept {
    std::string_view p(path_);
    std::size_t slash = p.rfind('/');
    return slash == std::string_view::npos ? p : p.substr(slash + 1);
  }

  void fail(std::error_code code, const std::string& message) {
    stop();
    if (options_.on_error) {
      options_.on_error(code, message);
    } else {
      core_log(LogLevel::kError, "ae::fs", "follow: " + message);
    }
  }

  std::string path_;
  std::string dir_;
  fs::FollowOptions options_;
  Function<void(std::string_view)> on_line_;
  LineSplitter splitter_;
  std::shared_ptr<Channel> channel_;

  fs::File file_;  // the file being read; empty while waiting for one
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  std::uint64_t read_offset_ = 0;  // in file_, just past what was read
  bool opened_before_ = false;     // a file was open once: a new one is read from its start
  bool waited_ = false;            // the file was missing once: when it comes, read it all

  fs::File inotify_;  // shared with running steps, which add watches to it
  Io inotify_watch_;
  bool dir_watched_ = false;
  int dir_wd_ = -1;
  int file_wd_ = -1;
  Timer poll_;

  Guard step_;
  bool step_running_ = false;
  bool again_ = false;  // a change was noticed while a step ran
  bool stopped_ = false;
};

}  // namespace ae::io_internal

namespace ae::fs {

Follower::Follower() noexcept = default;
Follower::Follower(std::unique_ptr<io_internal::Tail> tail) noexcept : tail_(std::move(tail)) {}
Follower::Follower(Follower&&) noexcept = default;

Follower& Follower::operator=(Follower&& other) noexcept {
  if (this != &other) {
    reset();
    tail_ = std::move(other.tail_);
  }
  return *this;
}

Follower::~Follower() { reset(); }

void Follower::reset() noexcept {
  if (!tail_) return;
  tail_->stop();
  // From inside one of its own callbacks the Tail is still on the stack: it goes once that
  // callback has returned.
  Loop* loop = tail_->channel()->loop();
  if (loop != nullptr) {
    loop->delete_later(std::move(tail_));
  } else {
    tail_.reset();
  }
}

std::uint64_t Follower::offset() const noexcept { return tail_ ? tail_->offset() : 0; }

bool Follower::inotify() const noexcept { return tail_ && tail_->inotify(); }

Follower follow(std::string path, FollowOptions options, Function<void(std::string_view)> on_line) {
  if (path.empty() || path.back() == '/') {
    throw std::invalid_argument("ae::fs::follow: the path must name a file");
  }
  if (!on_line) throw std::invalid_argument("ae::fs::follow: empty on_line callback");
  if (options.read_size == 0) throw std::invalid_argument("ae::fs::follow: read_size is 0");
  if (!(options.poll_interval.count() > 0)) {
    throw std::invalid_argument("ae::fs::follow: poll_interval must be positive");
  }
  auto tail =
      std::make_unique<io_internal::Tail>(std::move(path), std::move(options), std::move(on_line));
  tail->start();
  return Follower(std::move(tail));
}

}  // namespace ae::fs
