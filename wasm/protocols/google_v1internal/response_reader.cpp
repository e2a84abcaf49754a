#include "protocols/google_v1internal/response_reader.h"

#include "core/json_read.h"

namespace keyaos::google_v1internal {
namespace {

using simdjson::ondemand::array;
using simdjson::ondemand::field;
using simdjson::ondemand::json_type;
using simdjson::ondemand::object;
using simdjson::ondemand::value;

// Compact JSON of a value, keeping the upstream's key order (what
// JSON.stringify gives for parsed args).
bool compact_json(value& v, std::string& out) {
  std::string_view raw;
  if (v.raw_json().get(raw)) return false;
  out.resize(raw.size());
  size_t written = 0;
  if (simdjson::minify(raw.data(), raw.size(), out.data(), written)) return false;
  out.resize(written);
  return true;
}

bool read_function_call(value& v, ResponsePart& part) {
  object call;
  if (v.get_object().get(call)) return false;
  part.kind = ResponsePart::Kind::function_call;
  for (auto result : call) {
    field f;
    std::string_view key;
    if (!json_read::field_key(result, f, key)) return false;
    value fv = f.value();
    if (key == "name") {
      json_read::string(fv, part.function_name);
    } else if (key == "id") {
      json_read::string(fv, part.function_id);
    } else if (key == "args") {
      if (json_read::is(fv, json_type::object) && !compact_json(fv, part.function_args)) return false;
    }
  }
  if (part.function_args.empty()) part.function_args = "{}";
  return true;
}

bool read_part(value& v, ResponseChunk& chunk) {
  object obj;
  if (v.get_object().get(obj)) return false;
  ResponsePart& part = chunk.parts.emplace_back();
  for (auto result : obj) {
    field f;
    std::string_view key;
    if (!json_read::field_key(result, f, key)) return false;
    value fv = f.value();
    if (key == "text") {
      json_read::string(fv, part.text);
    } else if (key == "thought") {
      json_read::boolean(fv, part.thought);
    } else if (key == "thoughtSignature" || key == "thought_signature") {
      json_read::string(fv, part.thought_signature);
    } else if (key == "functionCall" && json_read::is(fv, json_type::object)) {
      if (!read_function_call(fv, part)) return false;
    }
  }
  return true;
}

bool read_content(value& v, ResponseChunk& chunk) {
  object content;
  if (v.get_object().get(content)) return false;
  for (auto result : content) {
    field f;
    std::string_view key;
    if (!json_read::field_key(result, f, key)) return false;
    if (key != "parts") continue;
    value parts_value = f.value();
    array parts;
    if (!json_read::is(parts_value, json_type::array)) continue;
    if (parts_value.get_array().get(parts)) return false;
    for (auto item : parts) {
      value part;
      if (std::move(item).get(part) || !read_part(part, chunk)) return false;
    }
  }
  return true;
}

bool read_candidates(value& v, ResponseChunk& chunk) {
  array candidates;
  if (v.get_array().get(candidates)) return false;
  size_t position = 0;
  for (auto item : candidates) {
    value candidate_value;
    object candidate;
    if (std::move(item).get(candidate_value) || candidate_value.get_object().get(candidate)) return false;
    chunk.has_candidates = true;
    // "index" may follow the content, so parts are read first and dropped
    // when the candidate turns out not to be the first one.
    size_t parts_before = chunk.parts.size();
    std::string_view finish;
    int64_t index = static_cast<int64_t>(position++);
    for (auto result : candidate) {
      field f;
      std::string_view key;
      if (!json_read::field_key(result, f, key)) return false;
      value fv = f.value();
      if (key == "content" && json_read::is(fv, json_type::object)) {
        if (!read_content(fv, chunk)) return false;
      } else if (key == "finishReason") {
        json_read::string(fv, finish);
      } else if (key == "index") {
        json_read::int64(fv, index);
      }
    }
    if (index != 0) {
      chunk.parts.resize(parts_before);
      continue;
    }
    if (!finish.empty()) chunk.finish_reason = finish;
  }
  return true;
}

bool read_usage(value& v, ResponseChunk& chunk) {
  object usage;
  if (v.get_object().get(usage)) return false;
  int64_t prompt = 0, candidates = 0, thoughts = 0, cached = 0, tool_use = 0;
  for (auto result : usage) {
    field f;
    std::string_view key;
    if (!json_read::field_key(result, f, key)) return false;
    value fv = f.value();
    if (key == "promptTokenCount") json_read::int64(fv, prompt);
    else if (key == "candidatesTokenCount") json_read::int64(fv, candidates);
    else if (key == "thoughtsTokenCount") json_read::int64(fv, thoughts);
    else if (key == "cachedContentTokenCount") json_read::int64(fv, cached);
    else if (key == "toolUsePromptTokenCount") json_read::int64(fv, tool_use);
  }
  chunk.has_usage = true;
  chunk.usage = usage_from_metadata(prompt, candidates, thoughts, cached, tool_use);
  return true;
}

bool read_prompt_feedback(value& v, ResponseChunk& chunk) {
  object feedback;
  if (v.get_object().get(feedback)) return false;
  for (auto result : feedback) {
    field f;
    std::string_view key;
    if (!json_read::field_key(result, f, key)) return false;
    value fv = f.value();
    if (key == "blockReason") json_read::string(fv, chunk.block_reason);
  }
  return true;
}

// The fields of a GenerateContentResponse.
bool read_response_field(std::string_view key, value& v, ResponseChunk& chunk) {
  if (key == "candidates" && json_read::is(v, json_type::array)) return read_candidates(v, chunk);
  if (key == "usageMetadata" && json_read::is(v, json_type::object)) return read_usage(v, chunk);
  if (key == "promptFeedback" && json_read::is(v, json_type::object)) return read_prompt_feedback(v, chunk);
  if (key == "responseId") json_read::string(v, chunk.response_id);
  else if (key == "modelVersion") json_read::string(v, chunk.model_version);
  return true;
}

}  // namespace

void ResponseChunk::clear() {
  is_error = false;
  has_candidates = false;
  parts.clear();
  finish_reason = {};
  block_reason = {};
  has_usage = false;
  usage = Usage{};
  response_id = {};
  model_version = {};
  trace_id = {};
}

Usage usage_from_metadata(int64_t prompt, int64_t candidates, int64_t thoughts, int64_t cached,
                          int64_t tool_use_prompt) {
  Usage usage;
  usage.present = true;
  usage.prompt_tokens = prompt + tool_use_prompt;
  usage.completion_tokens = candidates + thoughts;
  usage.cached_tokens = cached;
  usage.reasoning_tokens = thoughts;
  return usage;
}

bool read_response_envelope(object envelope, ResponseChunk& chunk) {
  for (auto result : envelope) {
    field f;
    std::string_view key;
    if (!json_read::field_key(result, f, key)) return false;
    value v = f.value();
    if (key == "response" && json_read::is(v, json_type::object)) {
      object response;
      if (v.get_object().get(response)) return false;
      for (auto inner : response) {
        field rf;
        std::string_view rkey;
        if (!json_read::field_key(inner, rf, rkey)) return false;
        value rv = rf.value();
        if (!read_response_field(rkey, rv, chunk)) return false;
      }
    } else if (key == "traceId") {
      json_read::string(v, chunk.trace_id);
    } else if (key == "error") {
      chunk.is_error = true;
    } else if (!read_response_field(key, v, chunk)) {
      return false;
    }
  }
  return true;
}

bool read_response_chunk(simdjson::ondemand::parser& parser, const char* json, size_t length, size_t capacity,
                         ResponseChunk& chunk) {
  chunk.clear();
  simdjson::ondemand::document doc;
  object envelope;
  if (parser.iterate(json, length, capacity).get(doc) || doc.get_object().get(envelope)) return false;
  return read_response_envelope(envelope, chunk) && json_read::finished(doc);
}

}  // namespace keyaos::google_v1internal
