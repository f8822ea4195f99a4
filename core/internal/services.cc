#include "core/internal/services.h"

#include <array>
#include <charconv>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <utility>

namespace ae::core_internal {
namespace {

constexpr const char* kDefaultServicesFile = "/etc/services";

struct Builtin {
  std::string_view name;
  std::string_view protocol;
  std::uint16_t port;
};

// The services programs name most often, from IANA's registry (netbase's /etc/services agrees).
// Kept small on purpose: a name missing here and in the file is an error the user can fix with
// a port number or "name=port".
constexpr std::array kBuiltin{
    Builtin{"echo", "tcp", 7},           Builtin{"echo", "udp", 7},
    Builtin{"discard", "tcp", 9},        Builtin{"discard", "udp", 9},
    Builtin{"daytime", "tcp", 13},       Builtin{"ftp-data", "tcp", 20},
    Builtin{"ftp", "tcp", 21},           Builtin{"ssh", "tcp", 22},
    Builtin{"telnet", "tcp", 23},        Builtin{"smtp", "tcp", 25},
    Builtin{"time", "tcp", 37},          Builtin{"domain", "tcp", 53},
    Builtin{"domain", "udp", 53},        Builtin{"gopher", "tcp", 70},
    Builtin{"finger", "tcp", 79},        Builtin{"http", "tcp", 80},
    Builtin{"www", "tcp", 80},           Builtin{"kerberos", "tcp", 88},
    Builtin{"kerberos", "udp", 88},      Builtin{"pop3", "tcp", 110},
    Builtin{"sunrpc", "tcp", 111},       Builtin{"sunrpc", "udp", 111},
    Builtin{"auth", "tcp", 113},         Builtin{"nntp", "tcp", 119},
    Builtin{"ntp", "udp", 123},          Builtin{"imap", "tcp", 143},
    Builtin{"imap2", "tcp", 143},        Builtin{"snmp", "udp", 161},
    Builtin{"ldap", "tcp", 389},         Builtin{"https", "tcp", 443},
    Builtin{"https", "udp", 443},        Builtin{"submissions", "tcp", 465},
    Builtin{"smtps", "tcp", 465},        Builtin{"syslog", "udp", 514},
    Builtin{"submission", "tcp", 587},   Builtin{"ldaps", "tcp", 636},
    Builtin{"rsync", "tcp", 873},        Builtin{"ftps", "tcp", 990},
    Builtin{"imaps", "tcp", 993},        Builtin{"pop3s", "tcp", 995},
    Builtin{"socks", "tcp", 1080},       Builtin{"openvpn", "udp", 1194},
    Builtin{"mysql", "tcp", 3306},       Builtin{"postgresql", "tcp", 5432},
    Builtin{"xmpp-client", "tcp", 5222}, Builtin{"redis", "tcp", 6379},
    Builtin{"http-alt", "tcp", 8080},
};

// "name/protocol" -> port, aliases included; the first line that names a pair wins, as in
// getservbyname().
using Table = std::map<std::string, std::uint16_t, std::less<>>;

std::string key(std::string_view name, std::string_view protocol) {
  std::string k(name);
  k += '/';
  k += protocol;
  return k;
}

Table read_services(const std::string& path) {
  Table table;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    line.erase(std::min(line.find('#'), line.size()));
    std::istringstream words(line);
    std::string name, port_proto, alias;
    if (!(words >> name >> port_proto)) continue;
    std::size_t slash = port_proto.find('/');
    if (slash == std::string::npos) continue;
    unsigned port = 0;
    const char* first = port_proto.data();
    const char* last = first + slash;
    auto [end, err] = std::from_chars(first, last, port);
    if (err != std::errc() || end != last || port > 65535) continue;
    std::string_view protocol = std::string_view(port_proto).substr(slash + 1);
    table.emplace(key(name, protocol), static_cast<std::uint16_t>(port));
    while (words >> alias) table.emplace(key(alias, protocol), static_cast<std::uint16_t>(port));
  }
  return table;
}

struct ServicesFile {
  std::mutex mutex;
  std::string path = kDefaultServicesFile;
  bool loaded = false;
  Table table;
};

ServicesFile& services_file() {
  static ServicesFile file;
  return file;
}

}  // namespace

std::optional<std::uint16_t> builtin_service_port(std::string_view name,
                                                  std::string_view protocol) {
  for (const Builtin& b : kBuiltin) {
    if (b.name == name && b.protocol == protocol) return b.port;
  }
  return std::nullopt;
}

std::optional<std::uint16_t> service_port(std::string_view name, std::string_view protocol) {
  ServicesFile& file = services_file();
  {
    std::lock_guard lock(file.mutex);
    if (!file.loaded) {
      file.table = read_services(file.path);
      file.loaded = true;
    }
    if (auto it = file.table.find(key(name, protocol)); it != file.table.end()) return it->second;
  }
  return builtin_service_port(name, protocol);
}

void set_services_file_for_test(std::string path) {
  ServicesFile& file = services_file();
  std::lock_guard lock(file.mutex);
  file.path = path.empty() ? kDefaultServicesFile : std::move(path);
  file.loaded = false;
  file.table.clear();
}

}  // namespace ae::core_internal
