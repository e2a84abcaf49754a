#pragma once
// On-Demand values as nlohmann trees, for the parts of a large document that
// are rewritten as trees (tool schemas, tool call arguments): the document is
// read once, and only those parts are built. nlohmann::json sorts members;
// nlohmann::ordered_json keeps the document's order, which JSON Schema
// property order needs when it steers structured output.
#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/json_read.h"

namespace keyaos::json_tree {

// `v` as a tree. False on a broken document or nesting deeper than
// limits::kMaxJsonDepth (counted from `depth`). Integers stay integers (signed
// or unsigned); fractions, exponents and integers beyond 64 bits become
// doubles, as nlohmann's own parser reads them. A member given twice keeps the
// last value.
template <class Json>
bool from_value(simdjson::ondemand::value& v, Json& out, size_t depth = 0);

template <class Json>
bool from_object(simdjson::ondemand::object& obj, Json& out, size_t depth = 0);

// `text` as one JSON object, whole (nothing but whitespace after it); false
// for anything else. Parsed with `input`, so views into another document read
// with a different Input stay valid.
template <class Json>
bool object_from_text(std::string_view text, json_read::Input& input, Json& out);

extern template bool from_value(simdjson::ondemand::value&, nlohmann::json&, size_t);
extern template bool from_value(simdjson::ondemand::value&, nlohmann::ordered_json&, size_t);
extern template bool from_object(simdjson::ondemand::object&, nlohmann::json&, size_t);
extern template bool from_object(simdjson::ondemand::object&, nlohmann::ordered_json&, size_t);
extern template bool object_from_text(std::string_view, json_read::Input&, nlohmann::json&);
extern template bool object_from_text(std::string_view, json_read::Input&, nlohmann::ordered_json&);

}  // namespace keyaos::json_tree
