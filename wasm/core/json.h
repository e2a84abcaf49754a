#pragma once
// Exception-free access to nlohmann::json values (the core is built with
// -fno-exceptions, where a throwing accessor would abort the module).
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace keyaos {
using Json = nlohmann::json;

inline Json parse_json(std::string_view text) { return Json::parse(text.begin(), text.end(), nullptr, false); }

inline std::string dump_json(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

inline const Json* field(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

inline std::string str_field(const Json& obj, const char* key, std::string fallback = {}) {
  const Json* v = field(obj, key);
  return v && v->is_string() ? v->get<std::string>() : fallback;
}

inline int64_t int_field(const Json& obj, const char* key, int64_t fallback = 0) {
  const Json* v = field(obj, key);
  if (!v) return fallback;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_unsigned()) return static_cast<int64_t>(v->get<uint64_t>());
  if (v->is_number_float()) return static_cast<int64_t>(v->get<double>());
  return fallback;
}

inline double num_field(const Json& obj, const char* key, double fallback = 0) {
  const Json* v = field(obj, key);
  return v && v->is_number() ? v->get<double>() : fallback;
}

inline bool bool_field(const Json& obj, const char* key, bool fallback = false) {
  const Json* v = field(obj, key);
  if (!v) return fallback;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_number()) return v->get<double>() != 0;
  return fallback;
}

}  // namespace keyaos
