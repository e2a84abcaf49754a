#pragma once
// The JSON rule of the engine:
// - What can be large or arrives on every request (client chat and
//   embeddings bodies, upstream answers and stream events, provider model
//   lists and balances, OAuth token answers) is read with simdjson
//   On-Demand where it arrives, with the readers below or a layer built on
//   them (catalog/json_fields.h is the strict one for provider definitions).
//   On-Demand does not check what it skips: text forwarded as it came is
//   checked whole with is_valid_json (core/json_validate.h).
// - nlohmann::json (core/json.h) builds what Keyaos writes and carries the
//   host's own event and action heads. It reads only small, bounded
//   documents (the management API's bodies, JSON columns of stored rows,
//   Stripe events, session claims, an upstream's error object) and those a
//   route rewrites as a tree (an error event redacted for the client). Parts
//   of a large document that are rewritten as trees (the tool schemas and
//   call arguments Google's and Kiro's mappers pass on) are converted from
//   On-Demand values (core/json_tree.h); large trees are written with
//   core/json_write.h.
// - A document is finished only when json_read::finished says so: an error
//   deep inside a value can abandon the document early.
//
// These readers take a value of the wrong type as absent instead of as an
// error: upstream payloads are loosely specified, and a field Keyaos cannot
// use is one it does without.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "simdjson.h"

namespace keyaos::json_read {

using simdjson::ondemand::json_type;
using simdjson::ondemand::value;

inline bool type_of(value& v, json_type& type) { return v.type().get(type) == simdjson::SUCCESS; }

inline bool is(value& v, json_type expected) {
  json_type type;
  return type_of(v, type) && type == expected;
}

// A string value; the view stays valid until the parser reads another document.
inline bool string(value& v, std::string_view& out) {
  return is(v, json_type::string) && v.get_string().get(out) == simdjson::SUCCESS;
}

// A string value, copied; `out` is untouched for any other type.
inline bool string(value& v, std::string& out) {
  std::string_view view;
  if (!string(v, view)) return false;
  out.assign(view.data(), view.size());
  return true;
}

inline bool boolean(value& v, bool& out) {
  return is(v, json_type::boolean) && v.get_bool().get(out) == simdjson::SUCCESS;
}

// A number, integer or floating point, as a double.
inline bool number(value& v, double& out) { return is(v, json_type::number) && v.get_double().get(out) == simdjson::SUCCESS; }

// A JSON number, or a decimal string (proto3 JSON writes int64 as strings).
bool int64(value& v, int64_t& out);

// Parses a run of ASCII digits with an optional sign; false on anything else.
bool parse_int64(std::string_view text, int64_t& out);

// Moves an object field out of an iteration result and reads its key.
inline bool field_key(simdjson::simdjson_result<simdjson::ondemand::field>& result, simdjson::ondemand::field& f,
                      std::string_view& key) {
  return std::move(result).get(f) == simdjson::SUCCESS && f.unescaped_key(false).get(key) == simdjson::SUCCESS;
}

// Calls on_member(key, value) for each member of `obj` in document order
// until it returns false; false when the document breaks first.
template <class OnMember>
bool each_member(simdjson::ondemand::object& obj, OnMember&& on_member) {
  for (auto result : obj) {
    simdjson::ondemand::field f;
    std::string_view key;
    if (!field_key(result, f, key)) return false;
    value v = f.value();
    if (!on_member(key, v)) return true;
  }
  return true;
}

// The document was read to its end, with nothing after its value. An error
// deep inside a value can end the iteration early (simdjson then abandons
// the document, and asking a dead document where it stands reads through a
// null parser), so liveness is checked first.
inline bool finished(simdjson::ondemand::document& doc) { return doc.is_alive() && doc.at_end(); }

inline bool object(value& v, simdjson::ondemand::object& out) { return v.get_object().get(out) == simdjson::SUCCESS; }

// Calls on_object(obj) for each element of the array `v` that is an object;
// other elements are passed over. False when `v` is not an array.
template <class OnObject>
bool each_object(value& v, OnObject&& on_object) {
  simdjson::ondemand::array items;
  if (v.get_array().get(items) != simdjson::SUCCESS) return false;
  for (auto item_result : items) {
    value item;
    simdjson::ondemand::object obj;
    if (std::move(item_result).get(item) != simdjson::SUCCESS || !object(item, obj)) continue;
    on_object(obj);
  }
  return true;
}

// The member `key` of `obj`, wherever it stands.
inline bool member(simdjson::ondemand::object& obj, std::string_view key, value& out) {
  return obj.find_field_unordered(key).get(out) == simdjson::SUCCESS;
}

// A parser and a padded copy of the text, kept between documents, so small
// documents (event payloads, token answers, error bodies) cost no allocation
// once warm.
class Input {
 public:
  // Starts reading `text`; `doc` stays valid until the next call.
  simdjson::error_code parse(std::string_view text, simdjson::ondemand::document& doc);

 private:
  simdjson::ondemand::parser parser_;
  std::string scratch_;
};

// How a body opened as an object: read, valid JSON of another type, or not JSON.
enum class Opened { object, not_object, not_json };
Opened open_object(Input& input, std::string_view text, simdjson::ondemand::document& doc,
                   simdjson::ondemand::object& obj);

}  // namespace keyaos::json_read
