#include "dns/packet.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <utility>

#include "dns/error.h"
#include "dns/internal/names.h"

namespace ae::dns {
namespace {

constexpr std::size_t kMaxNameWire = 255;
constexpr int kMaxPointerHops = 128;

// Reads a message with bounds checks; the first failure sticks in `why`.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> p) : p_(p), limit_(p.size()) {}

  bool ok() const { return why_.empty(); }
  const std::string& why() const { return why_; }
  std::size_t pos() const { return pos_; }
  void fail(std::string text) {
    if (why_.empty()) why_ = std::move(text);
  }

  std::uint8_t u8() {
    if (!need(1)) return 0;
    return p_[pos_++];
  }
  std::uint16_t u16() {
    if (!need(2)) return 0;
    std::uint16_t v = static_cast<std::uint16_t>(p_[pos_] << 8 | p_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  std::uint32_t u32() {
    if (!need(4)) return 0;
    std::uint32_t v = static_cast<std::uint32_t>(p_[pos_]) << 24 |
                      static_cast<std::uint32_t>(p_[pos_ + 1]) << 16 |
                      static_cast<std::uint32_t>(p_[pos_ + 2]) << 8 | p_[pos_ + 3];
    pos_ += 4;
    return v;
  }
  std::span<const std::uint8_t> bytes(std::size_t n) {
    if (!need(n)) return {};
    auto s = p_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  // A <length><octets> character-string.
  std::string string() {
    std::size_t n = u8();
    auto s = bytes(n);
    return std::string(s.begin(), s.end());
  }

  // A possibly compressed name, in presentation form without the trailing dot.
  std::string name() {
    std::string out;
    std::size_t at = pos_;
    std::size_t wire = 1;  // the final zero octet
    bool jumped = false;
    for (int hops = 0;;) {
      if (at >= p_.size()) {
        fail("name runs past the end of the message");
        return {};
      }
      std::uint8_t len = p_[at];
      if ((len & 0xC0) == 0xC0) {
        if (at + 1 >= p_.size()) {
          fail("truncated compression pointer");
          return {};
        }
        std::size_t target = static_cast<std::size_t>(len & 0x3F) << 8 | p_[at + 1];
        // Pointers that only go backwards, plus the hop and length limits, rule out loops.
        if (target >= at || ++hops > kMaxPointerHops) {
          fail("bad compression pointer");
          return {};
        }
        if (!jumped) pos_ = at + 2;
        jumped = true;
        at = target;
        continue;
      }
      if ((len & 0xC0) != 0) {
        fail("unsupported label type");
        return {};
      }
      if (len == 0) {
        if (!jumped) pos_ = at + 1;
        break;
      }
      wire += 1 + len;
      if (wire > kMaxNameWire) {
        fail("name longer than 255 octets");
        return {};
      }
      if (at + 1 + len > p_.size()) {
        fail("label runs past the end of the message");
        return {};
      }
      if (!out.empty()) out += '.';
      out += escape_label(std::string_view(reinterpret_cast<const char*>(p_.data() + at + 1), len));
      at += 1 + len;
    }
    return out;
  }

  // Limits reads to the next `n` octets (an RDATA) until end_limit().
  std::size_t begin_limit(std::size_t n) {
    std::size_t saved = limit_;
    if (pos_ + n > limit_) {
      fail("record data runs past the end of the message");
      limit_ = pos_;
    } else {
      limit_ = pos_ + n;
    }
    return saved;
  }
  bool at_limit() const { return pos_ == limit_; }
  void end_limit(std::size_t saved) {
    if (ok() && pos_ != limit_) fail("record data has the wrong length");
    pos_ = limit_;
    limit_ = saved;
  }

 private:
  bool need(std::size_t n) {
    if (!ok()) return false;
    if (pos_ + n > limit_) {
      fail("message truncated");
      return false;
    }
    return true;
  }

  std::span<const std::uint8_t> p_;
  std::size_t pos_ = 0;
  std::size_t limit_;  // the end of the current RDATA, else of the packet
  std::string why_;
};

Address address_from(std::span<const std::uint8_t> b) {
  if (b.size() == 4) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    std::memcpy(&sa.sin_addr, b.data(), 4);
    return Address(reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  }
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  std::memcpy(&sa.sin6_addr, b.data(), 16);
  return Address(reinterpret_cast<sockaddr*>(&sa), sizeof sa);
}

RData decode_rdata(Reader& r, std::uint16_t type, std::size_t rdlength) {
  switch (static_cast<RrType>(type)) {
    case RrType::kA:
    case RrType::kAaaa: {
      std::size_t want = type == static_cast<std::uint16_t>(RrType::kA) ? 4 : 16;
      if (rdlength != want) break;
      auto b = r.bytes(want);
      if (b.size() != want) return Raw{};  // the reader has recorded why
      return address_from(b);
    }
    case RrType::kNs:
    case RrType::kCname:
    case RrType::kPtr:
    case RrType::kDname:
      return Name{r.name()};
    case RrType::kMx: {
      Mx mx;
      mx.preference = r.u16();
      mx.exchange = r.name();
      return mx;
    }
    case RrType::kTxt:
    case RrType::kSpf: {
      Txt txt;
      while (r.ok() && !r.at_limit()) txt.strings.push_back(r.string());
      return txt;
    }
    case RrType::kSrv: {
      Srv srv;
      srv.priority = r.u16();
      srv.weight = r.u16();
      srv.port = r.u16();
      srv.target = r.name();
      return srv;
    }
    case RrType::kSoa: {
      Soa soa;
      soa.mname = r.name();
      soa.rname = r.name();
      soa.serial = r.u32();
      soa.refresh = r.u32();
      soa.retry = r.u32();
      soa.expire = r.u32();
      soa.minimum = r.u32();
      return soa;
    }
    case RrType::kCaa: {
      Caa caa;
      caa.flags = r.u8();
      caa.tag = r.string();
      while (r.ok() && !r.at_limit()) caa.value += static_cast<char>(r.u8());
      return caa;
    }
    default: {
      auto b = r.bytes(rdlength);
      return Raw{std::vector<std::uint8_t>(b.begin(), b.end())};
    }
  }
  r.fail("address record of the wrong length");
  return Raw{};
}

bool read_record(Reader& r, Record& rr) {
  rr.name = r.name();
  rr.type = r.u16();
  rr.rclass = r.u16();
  std::uint32_t ttl = r.u32();
  // RFC 2181 8: a TTL with the top bit set is treated as zero.
  rr.ttl = ttl > 0x7FFFFFFFu ? 0 : ttl;
  std::size_t rdlength = r.u16();
  if (!r.ok()) return false;
  std::size_t saved = r.begin_limit(rdlength);
  rr.data = decode_rdata(r, rr.type, rdlength);
  r.end_limit(saved);
  return r.ok();
}

// ---- Encoding --------------------------------------------------------------------------------

class Writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  void bytes(const void* p, std::size_t n) {
    auto* b = static_cast<const std::uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  // Returns false when `s` is over 255 octets.
  bool string(std::string_view s) {
    if (s.size() > 255) return false;
    u8(static_cast<std::uint8_t>(s.size()));
    bytes(s.data(), s.size());
    return true;
  }
  bool name(std::string_view text) {
    auto wire = encode_name(text);
    if (!wire) return false;
    bytes(wire->data(), wire->size());
    return true;
  }
  std::size_t size() const { return out_.size(); }
  void patch16(std::size_t at, std::uint16_t v) {
    out_[at] = static_cast<std::uint8_t>(v >> 8);
    out_[at + 1] = static_cast<std::uint8_t>(v);
  }
  std::vector<std::uint8_t> take() { return std::move(out_); }

 private:
  std::vector<std::uint8_t> out_;
};

// Writes rdata; returns an empty string on success, else what is wrong.
std::string write_rdata(Writer& w, const Record& rr) {
  struct Visit {
    Writer& w;
    const Record& rr;
    std::string operator()(const Raw& raw) const {
      w.bytes(raw.bytes.data(), raw.bytes.size());
      return {};
    }
    std::string operator()(const Address& a) const {
      if (a.family() == AF_INET && rr.is(RrType::kA)) {
        w.bytes(&reinterpret_cast<const sockaddr_in*>(a.get())->sin_addr, 4);
      } else if (a.family() == AF_INET6 && rr.is(RrType::kAaaa)) {
        w.bytes(&reinterpret_cast<const sockaddr_in6*>(a.get())->sin6_addr, 16);
      } else {
        return "address data that does not match the record type";
      }
      return {};
    }
    std::string operator()(const Name& n) const {
      return w.name(n.name) ? "" : "malformed name in record data";
    }
    std::string operator()(const Mx& m) const {
      w.u16(m.preference);
      return w.name(m.exchange) ? "" : "malformed MX exchange";
    }
    std::string operator()(const Txt& t) const {
      for (const std::string& s : t.strings) {
        if (!w.string(s)) return "TXT string over 255 octets";
      }
      return {};
    }
    std::string operator()(const Srv& s) const {
      w.u16(s.priority);
      w.u16(s.weight);
      w.u16(s.port);
      return w.name(s.target) ? "" : "malformed SRV target";
    }
    std::string operator()(const Soa& s) const {
      if (!w.name(s.mname) || !w.name(s.rname)) return "malformed SOA name";
      w.u32(s.serial);
      w.u32(s.refresh);
      w.u32(s.retry);
      w.u32(s.expire);
      w.u32(s.minimum);
      return {};
    }
    std::string operator()(const Caa& c) const {
      w.u8(c.flags);
      if (c.tag.empty() || !w.string(c.tag)) return "bad CAA tag";
      w.bytes(c.value.data(), c.value.size());
      return {};
    }
  };
  return std::visit(Visit{w, rr}, rr.data);
}

}  // namespace

Result<Message> parse_message(std::span<const std::uint8_t> packet) {
  if (packet.size() < 12) {
    return Result<Message>(Error::kBadResponse, "DNS message shorter than its header");
  }
  Reader r(packet);
  Message m;
  m.id = r.u16();
  std::uint8_t b2 = r.u8();
  std::uint8_t b3 = r.u8();
  m.qr = (b2 & 0x80) != 0;
  m.opcode = static_cast<std::uint8_t>((b2 >> 3) & 0x0F);
  m.aa = (b2 & 0x04) != 0;
  m.tc = (b2 & 0x02) != 0;
  m.rd = (b2 & 0x01) != 0;
  m.ra = (b3 & 0x80) != 0;
  m.ad = (b3 & 0x20) != 0;
  m.cd = (b3 & 0x10) != 0;
  m.rcode = b3 & 0x0F;
  std::size_t qd = r.u16(), an = r.u16(), ns = r.u16(), ar = r.u16();
  for (std::size_t i = 0; i < qd && r.ok(); ++i) {
    Question q;
    q.name = r.name();
    q.type = r.u16();
    q.qclass = r.u16();
    if (r.ok()) m.questions.push_back(std::move(q));
  }
  std::pair<std::size_t, std::vector<Record>*> sections[] = {
      {an, &m.answers}, {ns, &m.authority}, {ar, &m.additional}};
  for (auto& [count, list] : sections) {
    for (std::size_t i = 0; i < count && r.ok(); ++i) {
      Record rr;
      if (read_record(r, rr)) list->push_back(std::move(rr));
    }
  }
  if (!r.ok()) return Result<Message>(Error::kBadResponse, "malformed DNS message: " + r.why());
  for (const Record& rr : m.additional) {
    if (rr.is(RrType::kOpt)) m.rcode = static_cast<std::uint16_t>(m.rcode | (rr.ttl >> 24) << 4);
  }
  return m;
}

Result<std::vector<std::uint8_t>> encode_name(std::string_view name) {
  std::vector<std::uint8_t> out;
  const char* why = dns_internal::walk_name(name, [&out](std::string_view label) {
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
  });
  if (why != nullptr) {
    return Result<std::vector<std::uint8_t>>(Error::kBadName,
                                             std::string(why) + ": \"" + std::string(name) + "\"");
  }
  out.push_back(0);
  return out;
}

Result<std::vector<std::uint8_t>> encode_message(const Message& m) {
  Writer w;
  w.u16(m.id);
  w.u8(static_cast<std::uint8_t>((m.qr ? 0x80 : 0) | (m.opcode & 0x0F) << 3 | (m.aa ? 0x04 : 0) |
                                 (m.tc ? 0x02 : 0) | (m.rd ? 0x01 : 0)));
  w.u8(static_cast<std::uint8_t>((m.ra ? 0x80 : 0) | (m.ad ? 0x20 : 0) | (m.cd ? 0x10 : 0) |
                                 (m.rcode & 0x0F)));
  auto count = [](std::size_t n) { return static_cast<std::uint16_t>(n > 0xFFFF ? 0xFFFF : n); };
  w.u16(count(m.questions.size()));
  w.u16(count(m.answers.size()));
  w.u16(count(m.authority.size()));
  w.u16(count(m.additional.size()));
  for (const Question& q : m.questions) {
    if (!w.name(q.name)) return Result<std::vector<std::uint8_t>>(encode_name(q.name).error());
    w.u16(q.type);
    w.u16(q.qclass);
  }
  for (const auto* section : {&m.answers, &m.authority, &m.additional}) {
    for (const Record& rr : *section) {
      if (!w.name(rr.name)) return Result<std::vector<std::uint8_t>>(encode_name(rr.name).error());
      w.u16(rr.type);
      w.u16(rr.rclass);
      w.u32(rr.ttl);
      std::size_t length_at = w.size();
      w.u16(0);
      std::string why = write_rdata(w, rr);
      if (!why.empty()) {
        return Result<std::vector<std::uint8_t>>(
            Error::kBadResponse,
            "cannot encode " + type_name(rr.type) + " record \"" + rr.name + "\": " + why);
      }
      std::size_t rdlength = w.size() - length_at - 2;
      if (rdlength > 0xFFFF) {
        return Result<std::vector<std::uint8_t>>(Error::kBadResponse, "record data too long");
      }
      w.patch16(length_at, static_cast<std::uint16_t>(rdlength));
    }
  }
  if (w.size() > 0xFFFF) {
    return Result<std::vector<std::uint8_t>>(Error::kBadResponse, "DNS message over 65535 octets");
  }
  return w.take();
}

Result<std::vector<std::uint8_t>> encode_query(std::string_view name, std::uint16_t type,
                                               std::uint16_t qclass, std::uint16_t id,
                                               bool recursion_desired,
                                               std::uint16_t edns_udp_size) {
  Message m;
  m.id = id;
  m.rd = recursion_desired;
  m.questions.push_back(Question{std::string(name), type, qclass});
  if (edns_udp_size > 0) {
    Record opt;
    opt.type = static_cast<std::uint16_t>(RrType::kOpt);
    opt.rclass = edns_udp_size;
    opt.data = Raw{};
    m.additional.push_back(std::move(opt));
  }
  return encode_message(m);
}

}  // namespace ae::dns
