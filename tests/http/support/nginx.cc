#include "tests/http/support/nginx.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>
#include <stdexcept>

#include "tests/support/files.h"
#include "tests/support/ports.h"
#include "tests/support/run_until.h"

namespace ae::http_test {

Nginx::Nginx(std::string name, int ports, Config config)
    : name_(std::move(name)), port_count_(ports), config_(std::move(config)) {
  dir_ = testing::temp_dir("nginx-" + name_);
  ::mkdir((dir_ + "/html").c_str(), 0755);
}

Nginx::~Nginx() {
  if (process_) process_->stop(SIGTERM);
}

void Nginx::start() {
  auto command = [&](std::uint16_t first) {
    // The first port is the one start_on_free_port() watches; the others are picked afresh for
    // each attempt, and checked below.
    ports_ = {first};
    while (static_cast<int>(ports_.size()) < port_count_) ports_.push_back(testing::free_port());
    // Workers run as the current user (as root, nginx would switch them to nobody, who cannot
    // read $TEST_TMPDIR).
    std::ostringstream conf;
    if (::geteuid() == 0) conf << "user root root;\n";
    conf << "load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;\n"
         << "worker_processes 1;\n"
         << "pid " << dir_ << "/nginx.pid;\n"
         << "error_log " << dir_ << "/error.log;\n"
         << "events { worker_connections 256; }\n"
         << "http {\n"
         << "  log_format conn '$remote_addr \"$request\" $status $body_bytes_sent "
            "conn=$connection';\n"
         << "  access_log " << dir_ << "/access.log conn;\n";
    for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
      conf << "  " << temp << "_temp_path " << dir_ << "/" << temp << ";\n";
    }
    conf << "  include /etc/nginx/mime.types;\n"
         << "  default_type application/octet-stream;\n"
         << config_(ports_, dir_) << "\n"
         << "}\n";
    if (!testing::write_file(dir_ + "/nginx.conf", conf.str())) {
      throw std::runtime_error("cannot write " + dir_ + "/nginx.conf");
    }
    ::unlink((dir_ + "/error.log").c_str());
    return std::vector<std::string>{
        "/usr/sbin/nginx",   "-c", dir_ + "/nginx.conf", "-p", dir_, "-e",
        dir_ + "/error.log", "-g", "daemon off;"};
  };
  testing::PortServer s = testing::start_on_free_port(command);
  process_ = std::move(s.process);
  // nginx opens all its listening sockets before it serves; one it could not get makes it exit.
  const int pgid = process_->pid();
  bool all = testing::run_until([&] {
    if (process_->exited()) return true;
    for (std::uint16_t port : ports_) {
      if (!testing::group_holds_port(pgid, port, testing::kTcp)) return false;
    }
    return true;
  });
  if (!all || process_->exited()) {
    throw std::runtime_error("nginx did not listen on all its ports: " + process_->output() +
                             testing::read_file(dir_ + "/error.log"));
  }
}

std::string Nginx::url(std::string_view path, std::size_t port_index) const {
  return "http://127.0.0.1:" + std::to_string(ports_.at(port_index)) + std::string(path);
}

std::string Nginx::access_log() const { return testing::read_file(dir_ + "/access.log"); }

std::vector<std::string> Nginx::connections_of(std::string_view part) const {
  std::vector<std::string> out;
  std::istringstream in(access_log());
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(part) == std::string::npos) continue;
    std::size_t at = line.rfind(" conn=");
    if (at != std::string::npos) out.push_back(line.substr(at + 6));
  }
  return out;
}

bool Nginx::wait_for_access_log(std::string_view part, std::size_t count) const {
  return testing::run_until_file(dir_ + "/access.log", [&](const std::string&) {
    return connections_of(part).size() >= count;
  });
}

}  // namespace ae::http_test
