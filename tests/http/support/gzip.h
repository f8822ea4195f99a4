// gzip(): data compressed as a gzip member with zlib, for servers and files the tests prepare.
#pragma once

#include <string>
#include <string_view>

namespace ae::http_test {

// `data` as gzip (window_bits 31), zlib-wrapped deflate (15) or raw deflate (-15).
std::string gzip(std::string_view data, int window_bits = 31);

}  // namespace ae::http_test
