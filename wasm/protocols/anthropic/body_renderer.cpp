#include "protocols/anthropic/body_renderer.h"

#include "core/json.h"
#include "core/json_validate.h"
#include "protocols/anthropic/chunk_reader.h"
#include "protocols/anthropic/stream_writer.h"

namespace keyaos::anthropic {

std::string render_message(std::string_view chat_completion, const Usage& usage, std::string_view id, std::string_view model,
                           const ToolNames* names, const std::vector<std::string>& stop_sequences) {
  ChunkDelta d;
  read_chunk(chat_completion, d, true);
  // Built as text: tool inputs are the model's JSON, carried verbatim once checked.
  std::string content = "[";
  auto add = [&](const std::string& block) {
    if (content.size() > 1) content.push_back(',');
    content += block;
  };
  if (!d.reasoning.empty())
    add(dump_json(Json{{"type", "thinking"}, {"thinking", d.reasoning}, {"signature", thinking_signature(d.reasoning)}}));
  if (!d.content.empty()) add(dump_json(Json{{"type", "text"}, {"text", d.content}}));
  int tools = 0;
  for (size_t i = 0; i < d.tools.size(); ++i) {
    const ChunkTool& t = d.tools[i];
    if (t.name.empty()) continue;
    std::string input = "{}";
    size_t start = t.arguments.find_first_not_of(" \t\r\n");
    if (start != std::string::npos && t.arguments[start] == '{' && is_valid_json(t.arguments)) input = t.arguments;
    else if (start != std::string::npos) input = dump_json(Json{{"arguments", t.arguments}});  // not an object: kept, not lost
    const std::string fallback = "toolu_" + sanitize_tool_id(id, "") + "_" + std::to_string(i);
    std::string head = dump_json(Json{{"type", "tool_use"},
                                      {"id", sanitize_tool_id(t.id, fallback)},
                                      {"name", names ? names->client_name(t.name) : t.name}});
    head.pop_back();
    add(head + ",\"input\":" + input + "}");
    ++tools;
  }
  content += "]";
  bool matched = false;
  std::string stop_sequence;
  for (const auto& s : stop_sequences)
    if (!d.stop_reason.empty() && s == d.stop_reason) matched = true, stop_sequence = s;
  const std::string stop_reason = stop_reason_for(d.finish_reason, tools > 0, matched);
  std::string out = "{\"id\":" + dump_json(Json(std::string(id))) + ",\"type\":\"message\",\"role\":\"assistant\",\"model\":" +
                    dump_json(Json(std::string(model))) + ",\"content\":" + content + ",\"stop_reason\":\"" + stop_reason +
                    "\",\"stop_sequence\":" + (matched && tools == 0 ? dump_json(Json(stop_sequence)) : std::string("null")) +
                    ",\"usage\":" + dump_json(usage_object(usage)) + "}";
  return out;
}

}  // namespace keyaos::anthropic
