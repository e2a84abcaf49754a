#include "core/json_read.h"

#include <cmath>

#include "core/json_validate.h"

namespace keyaos::json_read {

bool parse_int64(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  bool negative = false;
  size_t i = 0;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    i = 1;
  }
  if (i == text.size()) return false;
  int64_t result = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return false;
    if (result > (INT64_MAX - (c - '0')) / 10) return false;
    result = result * 10 + (c - '0');
  }
  out = negative ? -result : result;
  return true;
}

bool int64(value& v, int64_t& out) {
  json_type type;
  if (!type_of(v, type)) return false;
  if (type == json_type::number) {
    if (v.get_int64().get(out) == simdjson::SUCCESS) return true;
    double d = 0;
    if (v.get_double().get(d) != simdjson::SUCCESS || !std::isfinite(d)) return false;
    if (d >= 9.2e18 || d <= -9.2e18) return false;
    out = static_cast<int64_t>(d);
    return true;
  }
  if (type == json_type::string) {
    std::string_view text;
    return v.get_string().get(text) == simdjson::SUCCESS && parse_int64(text, out);
  }
  return false;
}

simdjson::error_code Input::parse(std::string_view text, simdjson::ondemand::document& doc) {
  // Room for the padding first: reserving after the copy would copy it again.
  scratch_.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  scratch_.assign(text.data(), text.size());
  return parser_.iterate(scratch_.data(), scratch_.size(), scratch_.capacity()).get(doc);
}

Opened open_object(Input& input, std::string_view text, simdjson::ondemand::document& doc,
                   simdjson::ondemand::object& obj) {
  // A text that fails the first stage (broken UTF-8, unclosed strings) gives no document to ask.
  if (input.parse(text, doc) != simdjson::SUCCESS) return Opened::not_json;
  if (doc.get_object().get(obj) == simdjson::SUCCESS) return Opened::object;
  // Rare, so checked in full: a broken array or scalar is not JSON either.
  return is_valid_json(text) ? Opened::not_object : Opened::not_json;
}

}  // namespace keyaos::json_read
