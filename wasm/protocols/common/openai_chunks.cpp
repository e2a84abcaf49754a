#include "protocols/common/openai_chunks.h"

#include <cstring>

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
// Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF), as
// nlohmann's serializer accepts it.
bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    // ASCII runs, eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > n) return false;
    if (p[i + 1] < lo || p[i + 1] > hi) return false;
    for (size_t k = 2; k < len; ++k)
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return false;
    i += len;
  }
  return true;
}

// A JSON string literal, escaped exactly as nlohmann::json::dump does without
// ensure_ascii, for text already known to be valid UTF-8. Per-chunk text is
// written this way because building a json object per delta dominated the
// cost of translating a stream.
void append_json_string(std::string_view s, std::string& out) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;  // start of the pending unescaped run
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 0xF]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

}  // namespace

std::string usage_json(const Usage& usage) { return usage_object(usage).dump(); }

OpenAIChunkWriter::OpenAIChunkWriter(std::string id, int64_t created_s, std::string model)
    : id_(std::move(id)), created_s_(created_s), model_(std::move(model)) {
  // The envelope is the same on every chunk: serialised once.
  json head = {{"id", id_}, {"object", "chat.completion.chunk"}, {"created", created_s_}, {"model", model_}};
  std::string envelope = head.dump(-1, ' ', false, json::error_handler_t::replace);
  envelope.pop_back();  // drop '}'
  delta_prefix_ = "data: " + envelope + ",\"choices\":[{\"index\":0,\"delta\":";
}

void OpenAIChunkWriter::emit_delta(const std::string& delta_json, std::string& out) {
  out += delta_prefix_;
  out += delta_json;
  out += ",\"logprobs\":null,\"finish_reason\":null}]}\n\n";
}

bool OpenAIChunkWriter::emit_text_delta(std::string_view field, std::string_view text, std::string& out) {
  if (!valid_utf8(text)) return false;  // nlohmann's replacement rules apply
  out += delta_prefix_;
  out += role_sent_ ? "{\"" : "{\"role\":\"assistant\",\"";
  role_sent_ = true;
  out += field;
  out += "\":";
  append_json_string(text, out);
  out += "},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
  return true;
}

void OpenAIChunkWriter::content(std::string_view text, std::string& out) {
  if (emit_text_delta("content", text, out)) return;
  json delta = json::object();
  if (!role_sent_) delta["role"] = "assistant";
  role_sent_ = true;
  delta["content"] = std::string(text);
  emit_delta(delta.dump(-1, ' ', false, json::error_handler_t::replace), out);
}

void OpenAIChunkWriter::reasoning(std::string_view text, std::string& out) {
  if (emit_text_delta("reasoning_content", text, out)) return;
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
