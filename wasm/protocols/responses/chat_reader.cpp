#include "protocols/responses/chat_reader.h"

namespace keyaos::responses::chat_reader {
namespace od = simdjson::ondemand;

bool read_string(od::value v, std::string& out) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return false;
  out.assign(s);
  return true;
}

void read_tool_calls(od::value v, std::vector<ToolCallPart>& out) {
  od::array calls;
  if (v.get_array().get(calls) != simdjson::SUCCESS) return;
  for (auto c : calls) {
    od::object co;
    if (c.get_object().get(co) != simdjson::SUCCESS) continue;
    ToolCallPart part;
    each_field(co, [&](std::string_view key, od::value cv) {
      if (key == "index") {
        int64_t i = 0;
        if (cv.get_int64().get(i) == simdjson::SUCCESS) part.index = i;
      } else if (key == "id") {
        read_string(cv, part.id);
      } else if (key == "function") {
        od::object fn;
        if (cv.get_object().get(fn) != simdjson::SUCCESS) return;
        each_field(fn, [&](std::string_view fk, od::value fv) {
          if (fk == "name") read_string(fv, part.name);
          else if (fk == "arguments") read_string(fv, part.arguments);
        });
      }
    });
    out.push_back(std::move(part));
  }
}

}  // namespace keyaos::responses::chat_reader
