#include "core/json_tree.h"

#include <string>
#include <utility>

#include "core/limits.h"

namespace keyaos::json_tree {

namespace od = simdjson::ondemand;

template <class Json>
bool from_object(od::object& obj, Json& out, size_t depth) {
  if (depth > limits::kMaxJsonDepth) return false;
  out = Json::object();
  bool ok = true;
  const bool read = json_read::each_member(obj, [&](std::string_view key, od::value& member) {
    Json child;
    ok = from_value(member, child, depth + 1);
    if (ok) out[std::string(key)] = std::move(child);
    return ok;
  });
  return read && ok;
}

template <class Json>
bool from_value(od::value& v, Json& out, size_t depth) {
  od::json_type type;
  if (!json_read::type_of(v, type)) return false;
  switch (type) {
    case od::json_type::object: {
      od::object obj;
      return json_read::object(v, obj) && from_object(obj, out, depth);
    }
    case od::json_type::array: {
      od::array items;
      if (depth > limits::kMaxJsonDepth || v.get_array().get(items) != simdjson::SUCCESS) return false;
      out = Json::array();
      for (auto result : items) {
        od::value item;
        Json child;
        if (std::move(result).get(item) != simdjson::SUCCESS || !from_value(item, child, depth + 1)) return false;
        out.push_back(std::move(child));
      }
      return true;
    }
    case od::json_type::string: {
      std::string_view text;
      if (!json_read::string(v, text)) return false;
      out = std::string(text);
      return true;
    }
    case od::json_type::boolean: {
      bool b = false;
      if (!json_read::boolean(v, b)) return false;
      out = b;
      return true;
    }
    case od::json_type::null: {
      bool null = false;  // the type is read from the first byte; the literal is checked here
      if (v.is_null().get(null) != simdjson::SUCCESS || !null) return false;
      out = nullptr;
      return true;
    }
    case od::json_type::number: {
      od::number_type kind;
      if (v.get_number_type().get(kind) != simdjson::SUCCESS) return false;
      if (kind == od::number_type::signed_integer) {
        int64_t n = 0;
        if (v.get_int64().get(n) != simdjson::SUCCESS) return false;
        out = n;
      } else if (kind == od::number_type::unsigned_integer) {
        uint64_t n = 0;
        if (v.get_uint64().get(n) != simdjson::SUCCESS) return false;
        out = n;
      } else {
        double d = 0;
        if (v.get_double().get(d) != simdjson::SUCCESS) return false;
        out = d;
      }
      return true;
    }
  }
  return false;
}

template <class Json>
bool object_from_text(std::string_view text, json_read::Input& input, Json& out) {
  od::document doc;
  od::object obj;
  return input.parse(text, doc) == simdjson::SUCCESS && doc.get_object().get(obj) == simdjson::SUCCESS &&
         from_object(obj, out, 0) && json_read::finished(doc);
}

template bool from_value(od::value&, nlohmann::json&, size_t);
template bool from_value(od::value&, nlohmann::ordered_json&, size_t);
template bool from_object(od::object&, nlohmann::json&, size_t);
template bool from_object(od::object&, nlohmann::ordered_json&, size_t);
template bool object_from_text(std::string_view, json_read::Input&, nlohmann::json&);
template bool object_from_text(std::string_view, json_read::Input&, nlohmann::ordered_json&);

}  // namespace keyaos::json_tree
