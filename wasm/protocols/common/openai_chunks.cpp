#include "protocols/common/openai_chunks.h"

#include <nlohmann/json.hpp>

namespace keyaos {
// ordered_json keeps OpenAI's field order (id, object, created, model, ...) in chunks.
using json = nlohmann::ordered_json;

namespace {
json usage_object(const Usage& u) {
  json j = {{"prompt_tokens", u.prompt_tokens},
            {"completion_tokens", u.completion_tokens},
            {"total_tokens", u.prompt_tokens + u.completion_tokens}};
  j["prompt_tokens_details"] = {{"cached_tokens", u.cached_tokens}};
  if (u.cache_write_tokens > 0) j["prompt_tokens_details"]["cache_write_tokens"] = u.cache_write_tokens;
  j["completion_tokens_details"] = {{"reasoning_tokens", u.reasoning_tokens}};
  if (u.reported_cost_usd) j["cost"] = *u.reported_cost_usd;
  if (u.estimated) j["estimated"] = true;
  return j;
}
}  // namespace

std::string usage_json(const Usage& usage) { return usage_object(usage).dump(); }

OpenAIChunkWriter::OpenAIChunkWriter(std::string id, int64_t created_s, std::string model)
    : id_(std::move(id)), created_s_(created_s), model_(std::move(model)) {}

void OpenAIChunkWriter::emit_delta(const std::string& delta_json, std::string& out) {
  // Hand-assembled around the delta so the envelope is not re-serialised per chunk.
  json head = {{"id", id_}, {"object", "chat.completion.chunk"}, {"created", created_s_}, {"model", model_}};
  std::string envelope = head.dump();
  envelope.pop_back();  // drop '}'
  out += "data: ";
  out += envelope;
  out += ",\"choices\":[{\"index\":0,\"delta\":";
  out += delta_json;
  out += ",\"logprobs\":null,\"finish_reason\":null}]}\n\n";
}

void OpenAIChunkWriter::content(std::string_view text, std::string& out) {
  json delta = json::object();
  if (!role_sent_) delta["role"] = "assistant";
  role_sent_ = true;
  delta["content"] = std::string(text);
  emit_delta(delta.dump(-1, ' ', false, json::error_handler_t::replace), out);
}

void OpenAIChunkWriter::reasoning(std::string_view text, std::string& out) {
  json delta = json::object();
  if (!role_sent_) delta["role"] = "assistant";
  role_sent_ = true;
  delta["reasoning_content"] = std::string(text);
  emit_delta(delta.dump(-1, ' ', false, json::error_handler_t::replace), out);
}

void OpenAIChunkWriter::tool_call_start(int index, std::string_view id, std::string_view name,
                                        std::string_view arguments, std::string& out) {
  json delta = json::object();
  if (!role_sent_) {
    delta["role"] = "assistant";
    delta["content"] = nullptr;
  }
  role_sent_ = true;
  delta["tool_calls"] = json::array({{{"index", index},
                                      {"id", std::string(id)},
                                      {"type", "function"},
                                      {"function", {{"name", std::string(name)}, {"arguments", std::string(arguments)}}}}});
  emit_delta(delta.dump(-1, ' ', false, json::error_handler_t::replace), out);
}

void OpenAIChunkWriter::tool_call_arguments(int index, std::string_view fragment, std::string& out) {
  json delta = {{"tool_calls", json::array({{{"index", index}, {"function", {{"arguments", std::string(fragment)}}}}})}};
  emit_delta(delta.dump(-1, ' ', false, json::error_handler_t::replace), out);
}

void OpenAIChunkWriter::finish(std::string_view finish_reason, std::string& out) {
  json head = {{"id", id_}, {"object", "chat.completion.chunk"}, {"created", created_s_}, {"model", model_}};
  head["choices"] = json::array({{{"index", 0}, {"delta", json::object()}, {"logprobs", nullptr},
                                  {"finish_reason", std::string(finish_reason)}}});
  out += "data: " + head.dump() + "\n\n";
}

void OpenAIChunkWriter::usage(const Usage& usage, std::string& out) {
  json head = {{"id", id_}, {"object", "chat.completion.chunk"}, {"created", created_s_}, {"model", model_}};
  head["choices"] = json::array();
  head["usage"] = usage_object(usage);
  out += "data: " + head.dump() + "\n\n";
}

void OpenAIChunkWriter::done(std::string& out) { out += "data: [DONE]\n\n"; }

void OpenAIChunkWriter::error_event(const UpstreamError& error, std::string& out) {
  json e = {{"error",
             {{"message", error.message.empty() ? std::string("upstream stream failed") : error.message},
              {"type", error.type.empty() ? std::string("upstream_error") : error.type},
              {"param", nullptr},
              {"code", error.code.empty() ? json(nullptr) : json(error.code)}}}};
  out += "data: " + e.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
}

void OpenAICompletionBuilder::tool_call(int index, std::string_view id, std::string_view name,
                                        std::string_view arguments_fragment) {
  if (index < 0) return;
  if (static_cast<size_t>(index) >= tool_calls_.size()) tool_calls_.resize(index + 1);
  ToolCallAccum& call = tool_calls_[index];
  if (!id.empty()) call.id = std::string(id);
  if (!name.empty()) call.name = std::string(name);
  call.arguments.append(arguments_fragment);
}

std::string OpenAICompletionBuilder::render(std::string_view id, int64_t created_s, std::string_view model,
                                            const Usage& usage) const {
  json message = {{"role", "assistant"}};
  message["content"] = content_.empty() && !tool_calls_.empty() ? json(nullptr) : json(content_);
  if (!reasoning_.empty()) message["reasoning_content"] = reasoning_;
  message["refusal"] = nullptr;
  if (!tool_calls_.empty()) {
    json calls = json::array();
    for (const auto& c : tool_calls_) {
      calls.push_back({{"id", c.id}, {"type", "function"}, {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
    }
    message["tool_calls"] = calls;
  }
  json body = {{"id", std::string(id)},
               {"object", "chat.completion"},
               {"created", created_s},
               {"model", std::string(model)}};
  body["choices"] = json::array({{{"index", 0}, {"message", message}, {"logprobs", nullptr}, {"finish_reason", finish_reason_}}});
  body["usage"] = usage_object(usage);
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace keyaos
