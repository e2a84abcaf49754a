#pragma once
#include <string>
#include <string_view>

#include "simdjson.h"

namespace keyaos::kiro {

// Reusable simdjson On-Demand parsing of short JSON texts (event payloads,
// token responses, error bodies). Keeps the parser and a padded copy of the
// text between calls so small documents cost no allocation once warm.
class JsonInput {
 public:
  // Starts parsing `text`; `doc` stays valid until the next call.
  simdjson::error_code parse(std::string_view text, simdjson::ondemand::document& doc);

 private:
  simdjson::ondemand::parser parser_;
  std::string scratch_;
};

// Reads a string value; false (and `out` untouched) for any other type.
bool read_string(simdjson::ondemand::value value, std::string& out);
// Reads a number (integer or floating point) as double.
bool read_number(simdjson::ondemand::value value, double& out);

}  // namespace keyaos::kiro
