#include "tests/http/support/nginx.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <random>
#include <sstream>
#include <stdexcept>

#include "http/client.h"

namespace ae::http_test {
namespace {

using namespace std::chrono_literals;

std::string token() {
  std::random_device rd;
  return std::to_string(rd()) + "-" + std::to_string(rd());
}

}  // namespace

Nginx::Nginx(std::string name, int ports, Config config)
    : name_(std::move(name)), port_count_(ports), config_(std::move(config)) {
  dir_ = examples_test::temp_dir("nginx-" + name_);
  ::mkdir((dir_ + "/html").c_str(), 0755);
}

Nginx::~Nginx() {
  if (process_) process_->stop(SIGTERM);
}

void Nginx::start() {
  std::string last_error;
  for (int attempt = 0; attempt < 5; ++attempt) {
    ports_.clear();
    for (int i = 0; i < port_count_; ++i) ports_.push_back(examples_test::free_port());
    const std::string ready = token();
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
         << config_(ports_, dir_)
         << "\n"
         // After the test's servers, so that one of those is the port's default server.
         << "  server {\n"
         << "    listen 127.0.0.1:" << ports_[0] << ";\n"
         << "    server_name ae-ready.test;\n"
         << "    location = /__ready { return 200 \"" << ready << "\"; }\n"
         << "  }\n"
         << "}\n";
    examples_test::write_file(dir_ + "/nginx.conf", conf.str());
    ::unlink((dir_ + "/error.log").c_str());
    process_ = std::make_unique<examples_test::Process>(
        std::vector<std::string>{"/usr/sbin/nginx", "-c", dir_ + "/nginx.conf", "-p", dir_, "-e",
                                 dir_ + "/error.log", "-g", "daemon off;"});
    // Up when it answers with this start's token (another server on the port would not).
    bool up = false;
    http::Request probe;
    Timer poll = timer(0, 0.05, [&] {
      if (probe.active()) return;
      http::Options o;
      o.persistent = false;
      o.proxy = "";
      o.headers.add("Host", "ae-ready.test");
      probe = http::http_get(url("/__ready"), std::move(o),
                             [&](std::string body, http::Response) { up = up || body == ready; });
    });
    examples_test::run_until([&] { return up || process_->exited(); }, 15s);
    poll.reset();
    probe.reset();
    if (up) return;
    last_error = process_->err() + examples_test::read_file(dir_ + "/error.log");
    process_->stop(SIGKILL);
    process_.reset();
    // nginx that lost a port to someone else says "Address already in use": try other ports.
    if (last_error.find("in use") == std::string::npos) break;
  }
  throw std::runtime_error("nginx did not start: " + last_error);
}

std::string Nginx::url(std::string_view path, std::size_t port_index) const {
  return "http://127.0.0.1:" + std::to_string(ports_.at(port_index)) + std::string(path);
}

std::string Nginx::access_log() const { return examples_test::read_file(dir_ + "/access.log"); }

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

}  // namespace ae::http_test
