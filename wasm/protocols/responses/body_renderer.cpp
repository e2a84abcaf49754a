#include "protocols/responses/body_renderer.h"

#include <vector>

#include "protocols/responses/chat_reader.h"
#include "protocols/responses/output_items.h"
#include "simdjson.h"

namespace keyaos::responses {
namespace od = simdjson::ondemand;

namespace {

using chat_reader::each_field;
using chat_reader::read_string;

struct Answer {
  std::string content, reasoning, finish_reason;
  std::vector<chat_reader::ToolCallPart> calls;
};

// content: a string, or (some upstreams) an array of text parts.
void read_content(od::value v, std::string& out) {
  if (read_string(v, out)) return;
  od::array parts;
  if (v.get_array().get(parts) != simdjson::SUCCESS) return;
  for (auto p : parts) {
    od::object part;
    if (p.get_object().get(part) != simdjson::SUCCESS) continue;
    each_field(part, [&](std::string_view key, od::value pv) {
      std::string text;
      if (key == "text" && read_string(pv, text)) out += text;
    });
  }
}

void read_message(od::object message, Answer& a) {
  each_field(message, [&](std::string_view key, od::value v) {
    std::string s;
    if (key == "content") {
      read_content(v, a.content);
    } else if (key == "refusal") {
      if (read_string(v, s) && a.content.empty()) a.content = s;
    } else if (key == "reasoning_content" || key == "reasoning") {
      if (read_string(v, s) && a.reasoning.empty()) a.reasoning = s;
    } else if (key == "tool_calls") {
      chat_reader::read_tool_calls(v, a.calls);
    }
  });
}

Answer read_answer(std::string_view body) {
  Answer a;
  simdjson::padded_string padded(body);
  od::parser parser;
  od::document doc;
  od::object root;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS || doc.get_object().get(root) != simdjson::SUCCESS) return a;
  chat_reader::each_first_choice_field(root, [&](std::string_view key, od::value v) {
    od::object message;
    if (key == "message" && v.get_object().get(message) == simdjson::SUCCESS) read_message(message, a);
    else if (key == "finish_reason") read_string(v, a.finish_reason);
  });
  return a;
}

}  // namespace

std::string render_body(std::string_view chat_completion, const Usage& usage, const ClientResponseContext& context,
                        const ToolNames& tools) {
  const Answer a = read_answer(chat_completion);
  Json output = Json::array();
  if (!a.reasoning.empty()) output.push_back(reasoning_item(item_id("rs", context, output.size()), a.reasoning));
  if (!a.content.empty()) output.push_back(message_item(item_id("msg", context, output.size()), a.content, "completed"));
  for (const auto& c : a.calls) {
    const size_t index = output.size();
    const ClientCall call = client_call(tools, c.name, c.arguments);
    const std::string call_id = c.id.empty() ? "call_" + context.nonce + "_" + std::to_string(index) : c.id;
    output.push_back(call_item(item_id(call.custom ? "ctc" : "fc", context, index), call_id, call, true));
  }
  const Outcome outcome = outcome_of(a.finish_reason);
  Json response = response_object(context, outcome.status, std::move(output));
  if (outcome.incomplete_reason) response["incomplete_details"] = {{"reason", outcome.incomplete_reason}};
  response["usage"] = usage_object(usage);
  response["output_text"] = a.content;
  return dump_json(response);
}

}  // namespace keyaos::responses
