#include "protocols/kiro/json_input.h"

namespace keyaos::kiro {

simdjson::error_code JsonInput::parse(std::string_view text, simdjson::ondemand::document& doc) {
  scratch_.assign(text.data(), text.size());
  scratch_.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  return parser_.iterate(scratch_.data(), scratch_.size(), scratch_.capacity()).get(doc);
}

bool read_string(simdjson::ondemand::value value, std::string& out) {
  simdjson::ondemand::json_type type;
  if (value.type().get(type) || type != simdjson::ondemand::json_type::string) return false;
  std::string_view s;
  if (value.get_string().get(s)) return false;
  out.assign(s.data(), s.size());
  return true;
}

bool read_number(simdjson::ondemand::value value, double& out) {
  simdjson::ondemand::json_type type;
  if (value.type().get(type) || type != simdjson::ondemand::json_type::number) return false;
  return !value.get_double().get(out);
}

}  // namespace keyaos::kiro
