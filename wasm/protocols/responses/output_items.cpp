#include "protocols/responses/output_items.h"

#include "core/json_read.h"
#include "simdjson.h"

namespace keyaos::responses {
namespace od = simdjson::ondemand;

std::string response_id(const ClientResponseContext& context) { return "resp_" + context.nonce; }

std::string item_id(std::string_view prefix, const ClientResponseContext& context, size_t index) {
  return std::string(prefix) + "_" + context.nonce + "_" + std::to_string(index);
}

namespace {

// The `input` of a custom tool's arguments object; false when the upstream
// sent something else (then the raw text is the input).
bool custom_input(std::string_view arguments, std::string& input) {
  simdjson::padded_string padded(arguments);
  od::parser parser;
  od::document doc;
  od::object obj;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS || doc.get_object().get(obj) != simdjson::SUCCESS) return false;
  std::string only_string;
  size_t strings = 0, fields = 0;
  bool found = false;
  for (auto f : obj) {
    od::field field;
    std::string_view key, value;
    if (std::move(f).get(field) != simdjson::SUCCESS || field.unescaped_key(false).get(key) != simdjson::SUCCESS) return false;
    ++fields;
    if (field.value().get_string().get(value) != simdjson::SUCCESS) continue;
    ++strings;
    if (key == kCustomInputField) {
      input.assign(value);
      found = true;
    } else {
      only_string.assign(value);
    }
  }
  if (!json_read::finished(doc)) return false;
  // A model that named the one field differently still meant it as the input.
  if (!found && fields == 1 && strings == 1) {
    input = only_string;
    found = true;
  }
  return found;
}

}  // namespace

ClientCall client_call(const ToolNames& tools, std::string_view chat_name, std::string_view arguments) {
  ClientCall call;
  const ClientTool* tool = tools.find(chat_name);
  call.name = tool ? tool->name : std::string(chat_name);
  if (tool) call.namespace_ = tool->namespace_;
  call.custom = tool && tool->custom;
  if (call.custom) {
    if (!custom_input(arguments, call.input)) call.input.assign(arguments);
  } else {
    call.arguments = arguments.empty() ? std::string("{}") : std::string(arguments);
  }
  return call;
}

Json reasoning_item(const std::string& id, const std::string& text) {
  Json summary = Json::array();
  if (!text.empty()) summary.push_back({{"type", "summary_text"}, {"text", text}});
  return {{"type", "reasoning"}, {"id", id}, {"summary", summary}};
}

Json output_text_part(const std::string& text) {
  return {{"type", "output_text"}, {"text", text}, {"annotations", Json::array()}, {"logprobs", Json::array()}};
}

Json message_item(const std::string& id, const std::string& text, const char* status) {
  Json content = Json::array();
  if (std::string_view(status) != "in_progress") content.push_back(output_text_part(text));
  return {{"type", "message"}, {"id", id}, {"status", status}, {"role", "assistant"}, {"content", content}};
}

Json call_item(const std::string& id, const std::string& call_id, const ClientCall& call, bool done) {
  Json item = {{"id", id}, {"call_id", call_id}, {"name", call.name}};
  if (!call.namespace_.empty()) item["namespace"] = call.namespace_;
  if (call.custom) {
    item["type"] = "custom_tool_call";
    item["input"] = done ? call.input : std::string();
  } else {
    item["type"] = "function_call";
    item["arguments"] = done ? call.arguments : std::string();
    item["status"] = done ? "completed" : "in_progress";
  }
  return item;
}

Json usage_object(const Usage& usage) {
  return {{"input_tokens", usage.prompt_tokens},
          {"input_tokens_details", {{"cached_tokens", usage.cached_tokens}}},
          {"output_tokens", usage.completion_tokens},
          {"output_tokens_details", {{"reasoning_tokens", usage.reasoning_tokens}}},
          {"total_tokens", usage.prompt_tokens + usage.completion_tokens}};
}

Json response_object(const ClientResponseContext& context, const char* status, Json output) {
  return {{"id", response_id(context)},
          {"object", "response"},
          {"created_at", context.created_s},
          {"status", status},
          {"error", nullptr},
          {"incomplete_details", nullptr},
          {"model", context.model},
          {"output", std::move(output)},
          {"parallel_tool_calls", true},
          {"tool_choice", "auto"},
          {"tools", Json::array()},
          {"usage", nullptr}};
}

Outcome outcome_of(std::string_view finish_reason) {
  if (finish_reason == "length") return {"incomplete", "max_output_tokens"};
  if (finish_reason == "content_filter") return {"incomplete", "content_filter"};
  return {};
}

}  // namespace keyaos::responses
