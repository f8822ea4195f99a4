#include "handle/regex.h"

#include <system_error>

#include "handle/handle.h"
#include "handle/internal/regex_search.h"

namespace ae {

using handle_internal::CompiledRegex;
using handle_internal::find_first;
using handle_internal::SearchResult;

Regex::Regex(std::string_view pattern) : compiled_(std::make_shared<CompiledRegex>(pattern)) {}

const std::string& Regex::pattern() const noexcept { return compiled_->pattern; }

LineRegexType LineTag::operator()(const Regex& eol) const { return LineRegexType(eol); }

namespace {

// Searches h.rbuf() for `re`, resuming after what `mark` says was searched; remembers how far it
// got when there was no match.
SearchResult search(Handle& h, const Regex& re, ScanMark& mark) {
  std::string_view text = h.rbuf().view();
  SearchResult r = find_first(re.compiled(), text, mark.from(h));
  if (!r.match) mark.save(h, text.size());
  return r;
}

}  // namespace

Reader LineRegexType::reader(Callback cb) const {
  return [cb = std::move(cb), eol = eol_, mark = ScanMark()](Handle& h) mutable {
    SearchResult r = search(h, eol, mark);
    if (!r.match) return false;
    Buffer& b = h.rbuf();
    std::string line(b.data(), r.match->begin);
    std::string marker(b.data() + r.match->begin, r.match->end - r.match->begin);
    b.consume(r.match->end);
    cb(h, std::move(line), std::move(marker));
    return true;
  };
}

RegexType regex(std::string_view accept, std::string_view reject, std::string_view skip) {
  auto optional = [](std::string_view p) {
    return p.empty() ? nullptr : std::make_shared<const Regex>(p);
  };
  return RegexType(Regex(accept), optional(reject), optional(skip));
}

Reader RegexType::reader(Callback cb) const {
  struct State {
    std::string data;  // set aside by skip
    ScanMark accept;
    ScanMark reject;
    ScanMark skip;
    std::uint64_t rejected_at = ~std::uint64_t{0};  // rbuf_start() when reject last matched
  };
  return [cb = std::move(cb), accept = accept_, reject = reject_, skip = skip_,
          s = State()](Handle& h) mutable {
    Buffer& b = h.rbuf();
    if (SearchResult r = search(h, accept, s.accept); r.match) {
      s.data.append(b.data(), r.match->end);
      b.consume(r.match->end);
      cb(h, std::move(s.data));
      return true;
    }
    // The reject error is raised once; again only after bytes were consumed from the front.
    if (reject && s.rejected_at != h.rbuf_start()) {
      if (search(h, *reject, s.reject).match) {
        s.rejected_at = h.rbuf_start();
        h.raise_error(std::make_error_code(std::errc::bad_message),
                      "regex read: the reject pattern matched", false);
        return false;
      }
    }
    if (skip) {
      if (SearchResult r = search(h, *skip, s.skip); r.match) {
        s.data.append(b.data(), r.match->end);
        b.consume(r.match->end);
      }
    }
    return false;
  };
}

}  // namespace ae
