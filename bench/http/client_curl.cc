// libcurl in the client benchmark (bench/http/client_bench.cc), used the way its documentation
// recommends for many transfers: one multi handle, CONCURRENCY easy handles that are re-added
// when done (so each reuses a connection from the multi handle's cache), curl_multi_poll for
// waiting. A download is one easy handle whose write callback counts and drops the bytes.
#include <curl/curl.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/common/measure.h"
#include "bench/common/result.h"
#include "bench/http/client_args.h"

namespace {

using ae::bench::seconds_now;

std::size_t count_bytes(char*, std::size_t size, std::size_t n, void* user) {
  *static_cast<std::int64_t*>(user) += static_cast<std::int64_t>(size * n);
  return size * n;
}

CURL* make_easy(const std::string& url, std::int64_t* bytes) {
  CURL* e = curl_easy_init();
  if (e == nullptr) throw std::runtime_error("curl_easy_init failed");
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, count_bytes);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, bytes);
  curl_easy_setopt(e, CURLOPT_PROXY, "");
  // The curl program's receive buffer (libcurl's default is 16 KiB, which makes a large download
  // several times slower on loopback).
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 102400L);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  return e;
}

void requests_per_second(const ae::bench::ClientArgs& args) {
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(args.concurrency));
  std::int64_t bytes = 0;
  std::vector<CURL*> easies;
  for (std::int64_t i = 0; i < args.concurrency; ++i) {
    easies.push_back(make_easy(args.url, &bytes));
    curl_multi_add_handle(multi, easies.back());
  }
  std::int64_t done = 0;
  const double t0 = seconds_now();
  const double cpu0 = ae::bench::cpu_seconds_now();
  double t_end = t0;
  int running = 1;
  std::string failure;
  while (running > 0) {
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &queued)) {
      if (m->msg != CURLMSG_DONE) continue;
      CURL* e = m->easy_handle;
      long status = 0;
      curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
      curl_multi_remove_handle(multi, e);
      if (m->data.result != CURLE_OK || status != 200) {
        failure =
            std::string(curl_easy_strerror(m->data.result)) + ", status " + std::to_string(status);
        continue;
      }
      ++done;
      t_end = seconds_now();
      if (failure.empty() && t_end - t0 < static_cast<double>(args.seconds)) {
        curl_multi_add_handle(multi, e);
        ++running;
      }
    }
    if (running > 0) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  const double cpu = ae::bench::cpu_seconds_now() - cpu0;
  for (CURL* e : easies) curl_easy_cleanup(e);
  curl_multi_cleanup(multi);
  if (!failure.empty()) throw std::runtime_error("request failed: " + failure);
  ae::bench::Result r;
  r.set("name", "libcurl multi")
      .set("requests", done)
      .set("rps", static_cast<double>(done) / (t_end - t0), 0)
      .set("cpu_us", cpu * 1e6 / static_cast<double>(done), 1);
  r.print();
}

void download(const ae::bench::ClientArgs& args) {
  std::int64_t bytes = 0;
  CURL* e = make_easy(args.url, &bytes);
  const double t0 = seconds_now();
  const double cpu0 = ae::bench::cpu_seconds_now();
  CURLcode rc = curl_easy_perform(e);
  const double seconds = seconds_now() - t0;
  const double cpu = ae::bench::cpu_seconds_now() - cpu0;
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(e);
  if (rc != CURLE_OK || status != 200) {
    throw std::runtime_error(std::string("download failed: ") + curl_easy_strerror(rc));
  }
  ae::bench::Result r;
  r.set("name", "libcurl easy")
      .set("bytes", bytes)
      .set("seconds", seconds, 3)
      .set("mib_s", static_cast<double>(bytes) / seconds / (1 << 20), 0)
      .set("cpu_s", cpu, 3)
      .set("rss_mib", static_cast<double>(ae::bench::rss_bytes()) / (1 << 20), 1);
  r.print();
}

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    ae::bench::ClientArgs args = ae::bench::parse_client_args(argc, argv);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (args.download) {
      download(args);
    } else {
      requests_per_second(args);
    }
    curl_global_cleanup();
  });
}
