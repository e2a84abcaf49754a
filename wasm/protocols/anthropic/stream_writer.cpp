#include "protocols/anthropic/stream_writer.h"

#include <cstdint>

#include "core/json_write.h"
#include "protocols/anthropic/chunk_reader.h"
#include "protocols/anthropic/errors.h"
#include "protocols/common/sse_lines.h"

namespace keyaos::anthropic {
namespace {
using ojson = nlohmann::ordered_json;

std::string dump(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace); }

ojson usage_ordered(const Usage& u) {
  const Json j = usage_object(u);
  return {{"input_tokens", j["input_tokens"]},
          {"cache_creation_input_tokens", j["cache_creation_input_tokens"]},
          {"cache_read_input_tokens", j["cache_read_input_tokens"]},
          {"output_tokens", j["output_tokens"]}};
}

// The per-token events are most of a long answer, so they are written
// straight into `out`, framed as event() frames them: the bytes of dumping
// {"type":"content_block_delta","index":i,"delta":{"type":delta_type,field:text}}.
void block_delta(int index, const char* delta_type, const char* field, std::string_view text, std::string& out) {
  out += R"(event: content_block_delta
data: {"type":"content_block_delta","index":)";
  out += std::to_string(index);
  out += R"(,"delta":{"type":")";
  out += delta_type;
  out += R"(",")";
  out += field;
  out += "\":";
  json_write::string(text, out);
  out += "}}\n\n";
}

}  // namespace

std::string stop_reason_for(std::string_view finish_reason, bool tool_emitted, bool stop_sequence_matched) {
  if (tool_emitted) return "tool_use";  // some upstreams say "stop" after a tool call
  if (finish_reason == "length") return "max_tokens";
  if (finish_reason == "content_filter") return "refusal";
  if (stop_sequence_matched) return "stop_sequence";
  return "end_turn";  // stop, tool_calls without a tool block, missing
}

Json usage_object(const Usage& u) {
  const int64_t input = std::max<int64_t>(u.prompt_tokens - u.cached_tokens - u.cache_write_tokens, 0);
  return Json{{"input_tokens", input},
              {"cache_creation_input_tokens", u.cache_write_tokens},
              {"cache_read_input_tokens", u.cached_tokens},
              {"output_tokens", u.completion_tokens}};
}

std::string sanitize_tool_id(std::string_view id, std::string_view fallback) {
  std::string out;
  out.reserve(id.size());
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    out.push_back(ok ? c : '_');
  }
  if (out.empty()) out = std::string(fallback);
  return out;
}

std::string thinking_signature(std::string_view thinking) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : thinking) h = (h ^ c) * 1099511628211ull;
  static const char* kHex = "0123456789abcdef";
  std::string out = "keyaos.";
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(h >> shift) & 0xF]);
  return out;
}

StreamWriter::StreamWriter(std::string message_id, std::string model, std::shared_ptr<const ToolNames> names,
                           std::vector<std::string> stop_sequences)
    : message_id_(std::move(message_id)), model_(std::move(model)), names_(std::move(names)), stop_sequences_(std::move(stop_sequences)) {}

void StreamWriter::event(std::string_view data, std::string_view type, std::string& out) {
  out += "event: ";
  out += type;
  out += "\ndata: ";
  out += data;
  out += "\n\n";
}

void StreamWriter::open(std::string& out) {
  ojson message = {{"id", message_id_},
                   {"type", "message"},
                   {"role", "assistant"},
                   {"model", model_},
                   {"content", ojson::array()},
                   {"stop_reason", nullptr},
                   {"stop_sequence", nullptr},
                   // Real numbers come with message_delta (clients take those over zeros).
                   {"usage", {{"input_tokens", 0}, {"cache_creation_input_tokens", 0}, {"cache_read_input_tokens", 0}, {"output_tokens", 0}}}};
  event(dump({{"type", "message_start"}, {"message", message}}), "message_start", out);
  keepalive(out);
}

void StreamWriter::keepalive(std::string& out) { event("{\"type\":\"ping\"}", "ping", out); }

void StreamWriter::feed(std::string_view sse, std::string& out) {
  if (finished_) return;
  // Whole events: `data:` lines up to a blank line.
  std::string data;
  each_sse_line(sse, [&](std::string_view line) {
    std::string_view value;
    if (line.empty()) {
      if (!data.empty() && data != "[DONE]") chunk(data, out);
      data.clear();
    } else if (sse_data(line, value)) {
      if (!data.empty()) data.push_back('\n');
      data.append(value);
    }
  });
  if (!data.empty() && data != "[DONE]") chunk(data, out);
}

void StreamWriter::chunk(std::string_view json, std::string& out) {
  ChunkDelta d;
  if (!read_chunk(json, d)) return;  // error events and malformed ones: the task decides
  if (!d.reasoning.empty()) on_text(Kind::thinking, d.reasoning, out);
  if (!d.content.empty()) on_text(Kind::text, d.content, out);
  for (const auto& t : d.tools) on_tool(t.index, t.id, t.name, t.arguments, t.has_id, t.has_name, out);
  if (!d.finish_reason.empty()) finish_reason_ = d.finish_reason;
  if (!d.stop_reason.empty())
    for (const auto& s : stop_sequences_)
      if (s == d.stop_reason) matched_stop_ = s;
}

void StreamWriter::on_text(Kind kind, std::string_view text, std::string& out) {
  if (text.empty()) return;
  if (open_ == Kind::tool || !queue_.empty()) {
    if (!queue_.empty() && queue_.back().kind == kind) queue_.back().text.append(text);
    else queue_.push_back({kind, std::string(text), 0});
    return;
  }
  if (open_ != kind) {
    close_block(out);
    open_block(kind, out);
  }
  emit_text(kind, text, out);
}

void StreamWriter::on_tool(int index, std::string_view id, std::string_view name, std::string_view args, bool has_id,
                           bool has_name, std::string& out) {
  size_t slot = tools_.size();
  for (size_t i = 0; i < tools_.size(); ++i)
    if (tools_[i].upstream_index == index) slot = i;
  if (slot == tools_.size()) {
    tools_.push_back({});
    tools_.back().upstream_index = index;
  }
  Tool& t = tools_[slot];
  if (has_id && t.id.empty()) t.id = std::string(id);
  if (has_name && t.name.empty()) t.name = std::string(name);
  if (t.started) {
    if (!args.empty()) block_delta(next_index_ - 1, "input_json_delta", "partial_json", args, out);
    return;
  }
  t.args.append(args);
  if (t.name.empty() || t.queued) return;
  if (open_ == Kind::tool || !queue_.empty()) {
    t.queued = true;
    queue_.push_back({Kind::tool, {}, slot});
    return;
  }
  close_block(out);
  open_tool(slot, out);
}

void StreamWriter::open_block(Kind kind, std::string& out) {
  ojson block = kind == Kind::thinking ? ojson{{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}
                                       : ojson{{"type", "text"}, {"text", ""}};
  event(dump({{"type", "content_block_start"}, {"index", next_index_}, {"content_block", block}}), "content_block_start", out);
  ++next_index_;
  open_ = kind;
  thinking_text_.clear();
}

void StreamWriter::open_tool(size_t slot, std::string& out) {
  Tool& t = tools_[slot];
  const std::string fallback = "toolu_" + sanitize_tool_id(message_id_, "") + "_" + std::to_string(slot);
  t.id = sanitize_tool_id(t.id, fallback);
  const std::string name = names_ ? names_->client_name(t.name) : t.name;
  ojson block = {{"type", "tool_use"}, {"id", t.id}, {"name", name}, {"input", ojson::object()}};
  event(dump({{"type", "content_block_start"}, {"index", next_index_}, {"content_block", block}}), "content_block_start", out);
  ++next_index_;
  open_ = Kind::tool;
  open_tool_ = slot;
  t.started = true;
  tool_emitted_ = true;
  if (!t.args.empty()) {
    block_delta(next_index_ - 1, "input_json_delta", "partial_json", t.args, out);
    t.args.clear();
  }
}

void StreamWriter::emit_text(Kind kind, std::string_view text, std::string& out) {
  const bool thinking = kind == Kind::thinking;
  if (thinking) thinking_text_.append(text);
  block_delta(next_index_ - 1, thinking ? "thinking_delta" : "text_delta", thinking ? "thinking" : "text", text, out);
}

void StreamWriter::close_block(std::string& out) {
  if (open_ == Kind::none) return;
  if (open_ == Kind::thinking) {
    ojson delta = {{"type", "content_block_delta"},
                   {"index", next_index_ - 1},
                   {"delta", {{"type", "signature_delta"}, {"signature", thinking_signature(thinking_text_)}}}};
    event(dump(delta), "content_block_delta", out);
  }
  event(dump({{"type", "content_block_stop"}, {"index", next_index_ - 1}}), "content_block_stop", out);
  open_ = Kind::none;
}

void StreamWriter::finish(const Usage& usage, std::string& out) {
  if (finished_) return;
  close_block(out);
  for (const auto& p : queue_) {
    if (p.kind == Kind::tool) {
      open_tool(p.tool, out);
    } else {
      open_block(p.kind, out);
      emit_text(p.kind, p.text, out);
    }
    close_block(out);
  }
  queue_.clear();
  // A tool whose name never arrived cannot be called; it is left out.
  ojson delta = {{"type", "message_delta"},
                 {"delta",
                  {{"stop_reason", stop_reason_for(finish_reason_, tool_emitted_, !matched_stop_.empty())},
                   {"stop_sequence", matched_stop_.empty() || tool_emitted_ ? ojson(nullptr) : ojson(matched_stop_)}}},
                 {"usage", usage_ordered(usage)}};
  event(dump(delta), "message_delta", out);
  event("{\"type\":\"message_stop\"}", "message_stop", out);
  finished_ = true;
}

void StreamWriter::fail(const UpstreamError& error, std::string& out) {
  if (finished_) return;
  const int status = error.http_status >= 400 ? error.http_status : 502;
  std::string type = error.error_class == ErrorClass::rate_limited ? "rate_limit_error"
                     : error.error_class == ErrorClass::timeout   ? "timeout_error"
                     : error.error_class == ErrorClass::server && status == 529 ? "overloaded_error"
                                                                                 : error_type_for_status(status);
  if (type == "invalid_request_error" && status >= 500) type = "api_error";
  event(error_json(type, error.message.empty() ? "The upstream stream failed." : error.message), "error", out);
  finished_ = true;
}

}  // namespace keyaos::anthropic
