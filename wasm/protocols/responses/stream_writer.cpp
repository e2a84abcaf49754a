#include "protocols/responses/stream_writer.h"

#include "core/json_write.h"
#include "protocols/common/sse_lines.h"
#include "protocols/responses/chat_reader.h"
#include "protocols/responses/errors.h"
#include "protocols/responses/output_items.h"

namespace keyaos::responses {
namespace od = simdjson::ondemand;

using chat_reader::each_field;
using chat_reader::read_string;

StreamWriter::StreamWriter(ClientResponseContext context, ToolNames tools)
    : context_(std::move(context)), tools_(std::move(tools)) {}

void StreamWriter::event(const char* type, Json data, std::string& out) {
  data["type"] = type;
  data["sequence_number"] = sequence_++;
  out += "event: ";
  out += type;
  out += "\ndata: ";
  out += dump_json(data);
  out += "\n\n";
}

// The per-token events are most of a long answer, so they are written
// directly, members in the order event() writes them (nlohmann::json sorts
// them): a text delta has content_index and logprobs, a reasoning summary
// delta summary_index.
void StreamWriter::delta_event(bool reasoning, std::string_view delta, std::string& out) {
  const char* type = reasoning ? "response.reasoning_summary_text.delta" : "response.output_text.delta";
  out += "event: ";
  out += type;
  out += "\ndata: {";
  if (!reasoning) out += R"("content_index":0,)";
  out += R"("delta":)";
  json_write::string(delta, out);
  out += R"(,"item_id":)";
  json_write::string(open_id_, out);
  if (!reasoning) out += R"(,"logprobs":[])";
  out += R"(,"output_index":)";
  out += std::to_string(output_.size());
  out += R"(,"sequence_number":)";
  out += std::to_string(sequence_++);
  if (reasoning) out += R"(,"summary_index":0)";
  out += R"(,"type":")";
  out += type;
  out += "\"}\n\n";
}

void StreamWriter::open(std::string& out) {
  Json response = response_object(context_, "in_progress", Json::array());
  event("response.created", {{"response", response}}, out);
  event("response.in_progress", {{"response", std::move(response)}}, out);
}

void StreamWriter::keepalive(std::string& out) {
  // An SSE comment: every SSE reader skips it, and it keeps idle proxies from closing the stream.
  out += ": keepalive\n\n";
}

void StreamWriter::feed(std::string_view sse, std::string& out) {
  if (ended_) return;
  // Whole events only; each `data:` line of an event is one chunk.
  each_sse_line(sse, [&](std::string_view line) {
    std::string_view data;
    if (sse_data(line, data) && !data.empty() && data != "[DONE]") on_chunk(data, out);
  });
}

void StreamWriter::on_chunk(std::string_view json, std::string& out) {
  simdjson::padded_string padded(json);
  od::document doc;
  od::object root;
  if (parser_.iterate(padded).get(doc) != simdjson::SUCCESS || doc.get_object().get(root) != simdjson::SUCCESS) return;
  // A chunk may carry reasoning, text and tool calls at once: applied in that order.
  // Usage and error events have no choices: the task calls finish() or fail().
  std::string reasoning_text, content, finish;
  std::vector<ToolFragment> fragments;
  chat_reader::each_first_choice_field(root, [&](std::string_view ck, od::value cv) {
    if (ck == "finish_reason") {
      read_string(cv, finish);
      return;
    }
    if (ck != "delta" && ck != "message") return;
    od::object delta;
    if (cv.get_object().get(delta) != simdjson::SUCCESS) return;
    each_field(delta, [&](std::string_view dk, od::value dv) {
      std::string s;
      if (dk == "content" || dk == "refusal") {
        if (read_string(dv, s)) content += s;
      } else if (dk == "reasoning_content" || dk == "reasoning") {
        if (read_string(dv, s)) reasoning_text += s;
      } else if (dk == "tool_calls") {
        chat_reader::read_tool_calls(dv, fragments);
      }
    });
  });
  if (!reasoning_text.empty()) reasoning(reasoning_text, out);
  if (!content.empty()) text(content, out);
  if (!fragments.empty()) close_open(out);
  for (const auto& f : fragments) tool_fragment(f);
  if (!finish.empty()) finish_reason_ = finish;
}

void StreamWriter::reasoning(const std::string& delta, std::string& out) {
  if (open_ != Open::reasoning) {
    close_open(out);
    write_calls(out);
    open_ = Open::reasoning;
    open_id_ = item_id("rs", context_, output_.size());
    open_text_.clear();
    const size_t index = output_.size();
    event("response.output_item.added", {{"output_index", index}, {"item", reasoning_item(open_id_, "")}}, out);
    event("response.reasoning_summary_part.added",
          {{"item_id", open_id_}, {"output_index", index}, {"summary_index", 0}, {"part", {{"type", "summary_text"}, {"text", ""}}}},
          out);
  }
  open_text_ += delta;
  delta_event(true, delta, out);
}

void StreamWriter::text(const std::string& delta, std::string& out) {
  if (open_ != Open::message) {
    close_open(out);
    write_calls(out);
    open_ = Open::message;
    open_id_ = item_id("msg", context_, output_.size());
    open_text_.clear();
    const size_t index = output_.size();
    event("response.output_item.added", {{"output_index", index}, {"item", message_item(open_id_, "", "in_progress")}}, out);
    Json part = output_text_part("");
    event("response.content_part.added", {{"item_id", open_id_}, {"output_index", index}, {"content_index", 0}, {"part", part}}, out);
  }
  open_text_ += delta;
  delta_event(false, delta, out);
}

void StreamWriter::tool_fragment(const ToolFragment& f) {
  PendingCall* call = nullptr;
  for (auto it = calls_.rbegin(); it != calls_.rend() && !call; ++it) {
    // No index: a fragment continues the latest call unless it names a new id.
    if (f.index >= 0 ? it->upstream_index == f.index : (f.id.empty() || it->id == f.id)) call = &*it;
  }
  if (call && call->written) {
    if (f.id.empty() || f.id == call->id) {
      ++dropped_fragments_;  // its call is already out; it cannot grow any more
      return;
    }
    call = nullptr;  // the index is reused for a new call
  }
  if (!call) {
    calls_.push_back({});
    call = &calls_.back();
    call->upstream_index = f.index >= 0 ? static_cast<int>(f.index) : static_cast<int>(calls_.size() - 1);
  }
  if (!f.id.empty() && call->id.empty()) call->id = f.id;
  // Some upstreams repeat the whole name in every fragment; others split it.
  if (!f.name.empty() && call->name != f.name) call->name += f.name;
  call->arguments += f.arguments;
}

void StreamWriter::close_open(std::string& out) {
  if (open_ == Open::none) return;
  const size_t index = output_.size();
  if (open_ == Open::reasoning) {
    event("response.reasoning_summary_text.done",
          {{"item_id", open_id_}, {"output_index", index}, {"summary_index", 0}, {"text", open_text_}}, out);
    event("response.reasoning_summary_part.done",
          {{"item_id", open_id_}, {"output_index", index}, {"summary_index", 0}, {"part", {{"type", "summary_text"}, {"text", open_text_}}}},
          out);
    Json item = reasoning_item(open_id_, open_text_);
    event("response.output_item.done", {{"output_index", index}, {"item", item}}, out);
    output_.push_back(std::move(item));
  } else {
    event("response.output_text.done",
          {{"item_id", open_id_}, {"output_index", index}, {"content_index", 0}, {"text", open_text_}, {"logprobs", Json::array()}}, out);
    event("response.content_part.done",
          {{"item_id", open_id_}, {"output_index", index}, {"content_index", 0}, {"part", output_text_part(open_text_)}}, out);
    Json item = message_item(open_id_, open_text_, "completed");
    event("response.output_item.done", {{"output_index", index}, {"item", item}}, out);
    output_.push_back(std::move(item));
  }
  open_ = Open::none;
  open_text_.clear();
}

void StreamWriter::write_calls(std::string& out) {
  for (auto& pending : calls_) {
    if (pending.written) continue;
    pending.written = true;
    const size_t index = output_.size();
    const ClientCall call = client_call(tools_, pending.name, pending.arguments);
    const std::string id = item_id(call.custom ? "ctc" : "fc", context_, index);
    const std::string call_id = pending.id.empty() ? "call_" + context_.nonce + "_" + std::to_string(index) : pending.id;
    event("response.output_item.added", {{"output_index", index}, {"item", call_item(id, call_id, call, false)}}, out);
    if (call.custom) {
      if (!call.input.empty())
        event("response.custom_tool_call_input.delta", {{"item_id", id}, {"output_index", index}, {"delta", call.input}}, out);
      event("response.custom_tool_call_input.done", {{"item_id", id}, {"output_index", index}, {"input", call.input}}, out);
    } else {
      event("response.function_call_arguments.delta", {{"item_id", id}, {"output_index", index}, {"delta", call.arguments}}, out);
      event("response.function_call_arguments.done",
            {{"item_id", id}, {"output_index", index}, {"name", call.name}, {"arguments", call.arguments}}, out);
    }
    Json item = call_item(id, call_id, call, true);
    event("response.output_item.done", {{"output_index", index}, {"item", item}}, out);
    output_.push_back(std::move(item));
  }
}

void StreamWriter::terminal(const char* type, Json response, std::string& out) {
  ended_ = true;
  event(type, {{"response", std::move(response)}}, out);
}

void StreamWriter::finish(const Usage& usage, std::string& out) {
  if (ended_) return;
  close_open(out);
  write_calls(out);
  const Outcome outcome = outcome_of(finish_reason_);
  Json response = response_object(context_, outcome.status, output_);
  response["usage"] = usage_object(usage);
  if (outcome.incomplete_reason) response["incomplete_details"] = {{"reason", outcome.incomplete_reason}};
  terminal(outcome.incomplete_reason ? "response.incomplete" : "response.completed", std::move(response), out);
}

void StreamWriter::fail(const UpstreamError& error, std::string& out) {
  if (ended_) return;
  // Text already streamed is closed; tool calls still being assembled are
  // not written, so a cut call is never run.
  close_open(out);
  const FailureError failure = failure_error(error);
  Json response = response_object(context_, "failed", output_);
  response["error"] = {{"code", failure.code}, {"message", failure.message}};
  terminal("response.failed", std::move(response), out);
  // Then an `error` event, which the OpenAI SDKs raise as an APIError
  // (Codex has already stopped at response.failed).
  const std::string type = error.type.empty() ? std::string("server_error") : error.type;
  event("error",
        {{"code", failure.code},
         {"message", failure.message},
         {"param", nullptr},
         {"error", {{"type", type}, {"code", failure.code}, {"message", failure.message}, {"param", nullptr}}}},
        out);
}

}  // namespace keyaos::responses
