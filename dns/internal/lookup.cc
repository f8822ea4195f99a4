#include "dns/internal/lookup.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "dns/internal/engine.h"

namespace ae::dns_internal {
namespace {

constexpr int kMaxCnames = 10;  // AnyEvent's CNAME depth

int rank(std::error_code ec) {
  if (ec == dns::Error::kBadName) return 0;
  if (ec == dns::Error::kNxDomain) return 1;
  if (ec == dns::Error::kNoData) return 2;
  if (ec == dns::Error::kCnameLoop) return 3;
  return ec ? 4 : -1;
}

// Which of two lookup failures says more: a failure to get an answer (timeout, SERVFAIL, ...)
// over kCnameLoop over kNoData over kNxDomain over kBadName.
bool more_telling(std::error_code candidate, std::error_code current) {
  return rank(candidate) > rank(current);
}

bool absolute(std::string_view name) {
  return name == "." || (name.size() >= 2 && name.back() == '.' && name[name.size() - 2] != '\\');
}

// AnyEvent's search logic: the names to try, in order.
std::vector<std::string> candidates(std::string_view name, const dns::QueryOptions& o,
                                    const dns::Options& config) {
  std::string base = lower_ascii(name);
  if (base.empty() || absolute(base)) {
    if (!base.empty()) base.pop_back();
    return {base};
  }
  std::vector<std::string> suffixes;
  if (o.search) {
    suffixes = *o.search;
  } else {
    int dots = static_cast<int>(std::count(base.begin(), base.end(), '.'));
    if (dots >= config.ndots) suffixes.emplace_back();
    suffixes.insert(suffixes.end(), config.search.begin(), config.search.end());
    if (dots < config.ndots) suffixes.emplace_back();
  }
  std::vector<std::string> out;
  for (const std::string& s : suffixes) {
    std::string suffix = lower_ascii(s);
    if (!suffix.empty() && suffix.back() == '.') suffix.pop_back();
    out.push_back(suffix.empty() ? base : base + "." + suffix);
  }
  if (out.empty()) out.push_back(base);
  return out;
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto l = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
           return l(x) == l(y);
         });
}

// AnyEvent's mx() and srv() orders, applied whenever those types were asked for.
void sort_records(std::vector<dns::Record>& rr, std::uint16_t type) {
  if (type == static_cast<std::uint16_t>(dns::RrType::kMx)) {
    std::stable_sort(rr.begin(), rr.end(), [](const dns::Record& a, const dns::Record& b) {
      const auto* x = a.as<dns::Mx>();
      const auto* y = b.as<dns::Mx>();
      return (x ? x->preference : 0xFFFFu + 1) < (y ? y->preference : 0xFFFFu + 1);
    });
  } else if (type == static_cast<std::uint16_t>(dns::RrType::kSrv)) {
    dns::order_srv(rr);
  }
}

class LookupOp : public std::enable_shared_from_this<LookupOp> {
 public:
  LookupOp(std::shared_ptr<Engine> engine, std::uint16_t type, const dns::QueryOptions& o,
           dns::Resolver::Callback cb)
      : engine_(std::move(engine)),
        type_(type),
        qclass_(o.qclass),
        accept_(o.accept),
        cb_(std::move(cb)) {
    if (accept_.empty()) accept_.push_back(type);
    accept_all_ = std::find(accept_.begin(), accept_.end(),
                            static_cast<std::uint16_t>(dns::RrType::kAny)) != accept_.end();
  }

  void start(std::string_view name, const dns::QueryOptions& o) {
    candidates_ = candidates(name, o, engine_->current_options());
    name_ = candidates_[0];
    ask();
  }

  void cancel() {
    cb_ = nullptr;
    query_.reset();
  }

 private:
  void ask() {
    query_ = engine_->query(name_, type_, qclass_,
                            [self = shared_from_this()](QueryResult r) { self->on_result(r); });
  }

  bool accepted(std::uint16_t type) const {
    return accept_all_ || std::find(accept_.begin(), accept_.end(), type) != accept_.end();
  }

  void on_result(const QueryResult& r) {
    if (!cb_) return;
    if (r.error == std::errc::operation_canceled) return finish(r.error, {});  // resolver gone
    if (!r.message) return next_candidate(r.error);
    const std::vector<dns::Record>& answers = r.message->answers;
    bool followed = false;
    for (;;) {
      std::vector<dns::Record> found;
      for (const dns::Record& rr : answers) {
        if (same_name(rr.name, name_) && accepted(rr.type)) {
          found.push_back(rr);
          found.back().ttl = rr.ttl > r.age ? rr.ttl - r.age : 0;
        }
      }
      if (!found.empty()) return finish({}, std::move(found));
      auto cname = std::find_if(answers.begin(), answers.end(), [&](const dns::Record& rr) {
        return same_name(rr.name, name_) && rr.is(dns::RrType::kCname) && rr.as<dns::Name>();
      });
      if (cname != answers.end()) {
        if (cnames_left_-- == 0) return next_candidate(dns::Error::kCnameLoop);
        followed = true;
        name_ = lower_ascii(cname->as<dns::Name>()->name);
        continue;
      }
      if (followed) return ask();  // the target's records were not in this answer
      break;
    }
    next_candidate(r.error ? r.error : std::error_code(dns::Error::kNoData));
  }

  void next_candidate(std::error_code ec) {
    if (more_telling(ec, best_)) best_ = ec;
    if (++index_ >= candidates_.size()) return finish(best_, {});
    name_ = candidates_[index_];
    cnames_left_ = kMaxCnames;
    ask();
  }

  void finish(std::error_code ec, std::vector<dns::Record> rr) {
    sort_records(rr, type_);
    dns::Resolver::Callback cb = std::move(cb_);
    cb_ = nullptr;
    cb(ec, std::move(rr));
  }

  std::shared_ptr<Engine> engine_;
  std::uint16_t type_;
  std::uint16_t qclass_;
  std::vector<std::uint16_t> accept_;
  bool accept_all_ = false;
  dns::Resolver::Callback cb_;
  std::vector<std::string> candidates_;
  std::size_t index_ = 0;
  std::string name_;
  int cnames_left_ = kMaxCnames;
  std::error_code best_;
  Guard query_;
};

}  // namespace

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

Guard start_lookup(std::shared_ptr<Engine> engine, std::string_view name, std::uint16_t type,
                   const dns::QueryOptions& options, dns::Resolver::Callback cb) {
  auto op = std::make_shared<LookupOp>(std::move(engine), type, options, std::move(cb));
  op->start(name, options);
  return cancel_guard(op);
}

Guard start_request(std::shared_ptr<Engine> engine, std::string_view name, std::uint16_t type,
                    std::uint16_t qclass, dns::Resolver::MessageCallback cb) {
  return engine->query(name, type, qclass, [cb = std::move(cb)](QueryResult r) mutable {
    if (!r.message) return cb(r.error, dns::Message{});
    dns::Message m = *r.message;
    for (auto* section : {&m.answers, &m.authority, &m.additional}) {
      for (dns::Record& rr : *section) {
        if (!rr.is(dns::RrType::kOpt)) rr.ttl = rr.ttl > r.age ? rr.ttl - r.age : 0;
      }
    }
    cb({}, std::move(m));
  });
}

}  // namespace ae::dns_internal
