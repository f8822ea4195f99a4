// The registry of named read and write types (AnyEvent's register_read_type /
// register_write_type), with the built-in types registered under their AnyEvent names.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "handle/handle.h"
#include "handle/types.h"

namespace ae {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<NamedReadFactory>, std::less<>> readers;
  std::map<std::string, std::shared_ptr<NamedWriteFactory>, std::less<>> writers;
};

[[noreturn]] void bad_args(std::string_view type, const char* want) {
  throw std::invalid_argument("ae::Handle: read/write type \"" + std::string(type) + "\" takes " +
                              want);
}

// args as an array (null means none).
const nlohmann::json& arg(const nlohmann::json& args, std::size_t i) {
  static const nlohmann::json kNull;
  return args.is_array() && i < args.size() ? args[i] : kNull;
}

std::size_t arg_count(const nlohmann::json& args) {
  return args.is_array() ? args.size() : args.is_null() ? 0 : 1;
}

using Values = NamedReadCallback;

void register_builtins(Registry& r) {
  auto add_reader = [&](std::string name, NamedReadFactory f) {
    r.readers.emplace(std::move(name), std::make_shared<NamedReadFactory>(std::move(f)));
  };
  auto add_writer = [&](std::string name, NamedWriteFactory f) {
    r.writers.emplace(std::move(name), std::make_shared<NamedWriteFactory>(std::move(f)));
  };
  auto one_string = [](Values cb) {
    return [cb = std::move(cb)](Handle& h, std::string data) {
      cb(h, nlohmann::json::array({std::move(data)}));
    };
  };

  add_reader("line", [](const nlohmann::json& args, Values cb) -> Reader {
    auto deliver = [cb = std::move(cb)](Handle& h, std::string line, std::string eol) {
      cb(h, nlohmann::json::array({std::move(line), std::move(eol)}));
    };
    if (arg_count(args) == 0) return line.reader(std::move(deliver));
    if (!arg(args, 0).is_string() || arg_count(args) > 1) bad_args("line", "[] or [eol]");
    return line(arg(args, 0).get<std::string>()).reader(std::move(deliver));
  });
  add_reader("chunk", [one_string](const nlohmann::json& args, Values cb) -> Reader {
    const nlohmann::json& n = arg(args, 0);
    if (arg_count(args) != 1 || !n.is_number_integer() || n.get<std::int64_t>() < 0) {
      bad_args("chunk", "[n] with n >= 0");
    }
    return chunk(arg(args, 0).get<std::size_t>()).reader(one_string(std::move(cb)));
  });
  add_reader("regex", [one_string](const nlohmann::json& args, Values cb) -> Reader {
    std::size_t n = arg_count(args);
    if (n < 1 || n > 3) bad_args("regex", "[accept(, reject(, skip))]");
    std::string p[3];
    for (std::size_t i = 0; i < n; ++i) {
      if (!arg(args, i).is_string()) bad_args("regex", "pattern strings");
      p[i] = arg(args, i).get<std::string>();
    }
    return regex(p[0], p[1], p[2]).reader(one_string(std::move(cb)));
  });
  add_reader("netstring", [one_string](const nlohmann::json&, Values cb) -> Reader {
    return netstring.reader(one_string(std::move(cb)));
  });
  add_reader("packstring", [one_string](const nlohmann::json& args, Values cb) -> Reader {
    if (arg_count(args) != 1 || !arg(args, 0).is_string()) bad_args("packstring", "[format]");
    return packstring(arg(args, 0).get<std::string>()).reader(one_string(std::move(cb)));
  });
  add_reader("json", [](const nlohmann::json&, Values cb) -> Reader {
    return json.reader([cb = std::move(cb)](Handle& h, nlohmann::json v) {
      cb(h, nlohmann::json::array({std::move(v)}));
    });
  });
  add_reader("tls_detect", [](const nlohmann::json&, Values cb) -> Reader {
    return tls_detect.reader([cb = std::move(cb)](Handle& h, bool tls, int major, int minor) {
      cb(h, nlohmann::json::array({tls, major, minor}));
    });
  });

  add_writer("netstring", [](const nlohmann::json& args) {
    if (arg_count(args) != 1 || !arg(args, 0).is_string()) bad_args("netstring", "[data]");
    return netstring.encode(arg(args, 0).get_ref<const std::string&>());
  });
  add_writer("packstring", [](const nlohmann::json& args) {
    if (arg_count(args) != 2 || !arg(args, 0).is_string() || !arg(args, 1).is_string()) {
      bad_args("packstring", "[format, data]");
    }
    return packstring(arg(args, 0).get<std::string>())
        .encode(arg(args, 1).get_ref<const std::string&>());
  });
  add_writer("json", [](const nlohmann::json& args) {
    if (arg_count(args) != 1) bad_args("json", "[value]");
    return json.encode(arg(args, 0));
  });
}

Registry& registry() {
  static Registry* r = [] {
    auto* fresh = new Registry;  // never destroyed: lookups may happen during exit
    register_builtins(*fresh);
    return fresh;
  }();
  return *r;
}

}  // namespace

void register_read_type(std::string name, NamedReadFactory factory) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.readers[std::move(name)] = std::make_shared<NamedReadFactory>(std::move(factory));
}

void register_write_type(std::string name, NamedWriteFactory factory) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.writers[std::move(name)] = std::make_shared<NamedWriteFactory>(std::move(factory));
}

Reader make_named_reader(std::string_view name, const nlohmann::json& args, NamedReadCallback cb) {
  std::shared_ptr<NamedReadFactory> f;
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    auto it = r.readers.find(name);
    if (it == r.readers.end()) {
      throw std::invalid_argument("ae::Handle: unknown read type \"" + std::string(name) + "\"");
    }
    f = it->second;
  }
  return (*f)(args, std::move(cb));
}

std::string make_named_write(std::string_view name, const nlohmann::json& args) {
  std::shared_ptr<NamedWriteFactory> f;
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    auto it = r.writers.find(name);
    if (it == r.writers.end()) {
      throw std::invalid_argument("ae::Handle: unknown write type \"" + std::string(name) + "\"");
    }
    f = it->second;
  }
  return (*f)(args);
}

}  // namespace ae
