#pragma once
// Reading the chat answers the Responses translator renders: a whole
// chat.completion (body_renderer) or one chat.completion.chunk
// (stream_writer). Both are read leniently with simdjson On-Demand: what
// does not have the expected shape is skipped, never an error.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "simdjson.h"

namespace keyaos::responses::chat_reader {

// Iterates an object's fields as (key, value); stops at the first malformed one.
template <class F>
void each_field(simdjson::ondemand::object obj, F&& f) {
  for (auto field_result : obj) {
    simdjson::ondemand::field field;
    std::string_view key;
    if (std::move(field_result).get(field) != simdjson::SUCCESS || field.unescaped_key(false).get(key) != simdjson::SUCCESS) return;
    f(key, field.value());
  }
}

bool read_string(simdjson::ondemand::value v, std::string& out);

// Calls f(key, value) for each field of the answer's first choice (n = 1:
// later choices are skipped whole).
template <class F>
void each_first_choice_field(simdjson::ondemand::object root, F&& f) {
  each_field(root, [&](std::string_view key, simdjson::ondemand::value v) {
    if (key != "choices") return;
    simdjson::ondemand::array choices;
    if (v.get_array().get(choices) != simdjson::SUCCESS) return;
    bool first = true;
    for (auto c : choices) {
      simdjson::ondemand::object choice;
      if (!first || c.get_object().get(choice) != simdjson::SUCCESS) {
        first = false;
        continue;
      }
      first = false;
      each_field(choice, f);
    }
  });
}

// One entry of a `tool_calls` array: a whole call, or a streamed fragment of one.
struct ToolCallPart {
  int64_t index = -1;  // streamed fragments only
  std::string id, name, arguments;
};

// Appends each object of a `tool_calls` array.
void read_tool_calls(simdjson::ondemand::value v, std::vector<ToolCallPart>& out);

}  // namespace keyaos::responses::chat_reader
