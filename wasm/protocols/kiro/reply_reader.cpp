#include "protocols/kiro/reply_reader.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "protocols/kiro/errors.h"
#include "protocols/kiro/json_repair.h"

namespace keyaos::kiro {

namespace {

using aws_eventstream::Message;

constexpr int kMaxNesting = 2;

bool read_int(simdjson::ondemand::value value, int64_t& out) {
  double d;
  if (!json_read::number(value, d) || !std::isfinite(d) || d < 0 || d > 1e15) return false;
  out = int64_t(std::llround(d));
  return true;
}

}  // namespace

ReplyReader::ReplyReader(ReplySink& sink, const ReplyOptions& options)
    : sink_(sink), options_(options), decoder_(options.limits) {
  if (options_.thinking) {
    splitter_ = std::make_unique<ThinkingSplitter>(
        [this](std::string_view text) {
          if (text.empty()) return;
          content_started_ = true;
          output_tokens_.add(text);
          sink_.text(text);
        },
        [this](std::string_view text) { emit_reasoning(text); });
  }
  update_usage();
}

void ReplyReader::emit_text(std::string_view text) {
  if (text.empty()) return;
  if (splitter_) {
    splitter_->push(text);
    return;
  }
  content_started_ = true;
  output_tokens_.add(text);
  sink_.text(text);
}

void ReplyReader::emit_reasoning(std::string_view text) {
  if (text.empty()) return;
  content_started_ = true;
  output_tokens_.add(text);
  reasoning_tokens_.add(text);
  sink_.reasoning(text);
}

void ReplyReader::fail(UpstreamError error) {
  if (failed_) return;
  failed_ = true;
  error_ = std::move(error);
}

void ReplyReader::fail_stream(std::string message) {
  UpstreamError e;
  e.error_class = ErrorClass::stream;
  e.http_status = 502;
  e.message = std::move(message);
  e.type = "upstream_error";
  e.code = "stream_error";
  fail(std::move(e));
}

void ReplyReader::feed(std::string_view bytes) {
  if (failed_ || finished_) return;
  messages_.clear();
  const bool decoded = decoder_.feed(bytes, messages_) == aws_eventstream::DecodeStatus::ok;
  // Messages before a corrupt one were intact: deliver them first.
  for (const Message& m : messages_) {
    handle_message(m, 0);
    if (failed_) break;
  }
  messages_.clear();
  if (!decoded) fail_stream("Kiro " + decoder_.error());
  update_usage();
}

void ReplyReader::handle_message(const Message& message, int depth) {
  ++events_;
  const std::string_view message_type = message.string_header(":message-type");
  if (message_type == "exception" || message_type == "error") {
    std::string text, reason;
    std::string_view type = message.string_header(":exception-type");
    if (message_type == "error") {
      type = message.string_header(":error-code");
      text = std::string(message.string_header(":error-message"));
    }
    simdjson::ondemand::document doc;
    simdjson::ondemand::object obj;
    if (!message.payload.empty() && !json_.parse(message.payload, doc) && !doc.get_object().get(obj)) {
      json_read::each_member(obj, [&](std::string_view key, simdjson::ondemand::value& value) {
        if ((key == "message" || key == "Message") && text.empty()) json_read::string(value, text);
        else if (key == "reason") json_read::string(value, reason);
        return true;
      });
    }
    if (type.empty()) type = message_type == "error" ? "InternalServerError" : "UnknownException";
    fail(classify_stream_error(type, text, reason, options_.now_ms));
    return;
  }
  if (message.string_header(":content-type") == "application/vnd.amazon.eventstream") {
    if (depth >= kMaxNesting) {
      fail_stream("Kiro event stream nests deeper than " + std::to_string(kMaxNesting) + " levels");
      return;
    }
    std::vector<Message> inner;
    std::string error;
    if (aws_eventstream::decode_all(message.payload, inner, error, options_.limits) != aws_eventstream::DecodeStatus::ok) {
      fail_stream("Kiro nested " + error);
      return;
    }
    for (const Message& m : inner) {
      handle_message(m, depth + 1);
      if (failed_) return;
    }
    return;
  }
  handle_event(message.string_header(":event-type"), message.payload);
}

void ReplyReader::handle_event(std::string_view event_type, std::string_view payload) {
  // Some failures arrive as ordinary events whose JSON names an exception type.
  if (payload.find("_type\"") != std::string_view::npos) {
    std::string type, text, reason;
    simdjson::ondemand::document doc;
    simdjson::ondemand::object obj;
    if (!json_.parse(payload, doc) && !doc.get_object().get(obj)) {
      json_read::each_member(obj, [&](std::string_view key, simdjson::ondemand::value& value) {
        if (key == "_type" || key == "__type") json_read::string(value, type);
        else if (key == "message" || key == "Message") json_read::string(value, text);
        else if (key == "reason") json_read::string(value, reason);
        return true;
      });
    }
    if (type.find("Exception") != std::string::npos || type.find("Error") != std::string::npos) {
      fail(classify_stream_error(type, text, reason, options_.now_ms));
      return;
    }
  }
  if (event_type == "assistantResponseEvent") on_text_event(payload);
  else if (event_type == "reasoningContentEvent") on_reasoning_event(payload);
  else if (event_type == "toolUseEvent") on_tool_event(payload);
  else if (event_type == "contextUsageEvent") on_context_usage(payload);
  else if (event_type == "meteringEvent") on_metering(payload);
  else if (event_type == "messageMetadataEvent" || event_type == "metadataEvent") on_metadata(payload);
  else if (event_type == "messageStopEvent") on_stop(payload);
  // followupPromptEvent, supplementaryWebLinksEvent, codeReferenceEvent,
  // invalidStateEvent …: IDE extras with nothing for an API client.
}

std::string ReplyReader::string_member(std::string_view payload, std::string_view name) {
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  std::string text;
  if (json_.parse(payload, doc) || doc.get_object().get(obj)) return text;
  json_read::each_member(obj, [&](std::string_view key, simdjson::ondemand::value& value) {
    if (key == name) json_read::string(value, text);
    return true;
  });
  return text;
}

void ReplyReader::on_text_event(std::string_view payload) { emit_text(string_member(payload, "content")); }

void ReplyReader::on_reasoning_event(std::string_view payload) {
  std::string text = string_member(payload, "text");
  if (splitter_) splitter_->flush();
  emit_reasoning(text);
}

void ReplyReader::on_tool_event(std::string_view payload) {
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (json_.parse(payload, doc) || doc.get_object().get(obj)) return;
  std::string name, id, input;
  bool stop = false;
  const bool sound = json_read::each_member(obj, [&](std::string_view key, simdjson::ondemand::value& value) {
    if (key == "name") json_read::string(value, name);
    else if (key == "toolUseId") json_read::string(value, id);
    else if (key == "stop") json_read::boolean(value, stop);
    else if (key == "input" && !json_read::string(value, input)) {
      // Some replies carry the whole input as a JSON object.
      std::string_view raw;
      if (!json_read::is(value, simdjson::ondemand::json_type::null) && value.raw_json().get(raw) == simdjson::SUCCESS)
        input.assign(raw.data(), raw.size());
    }
    return true;
  });
  if (!sound) return;

  size_t index = tools_.size();
  if (id.empty()) {
    // An event without an id continues the open call.
    if (!tools_.empty() && !tools_.back().stopped) index = tools_.size() - 1;
  } else {
    for (size_t i = 0; i < tools_.size(); ++i) {
      if (tools_[i].id == id) index = i;
    }
  }
  if (index < tools_.size() && tools_[index].stopped) return;  // a replay of a finished call

  if (index == tools_.size()) {
    if (splitter_) splitter_->flush();
    ToolCall call;
    call.id = id.empty() ? "tooluse_" + std::to_string(index) : id;
    call.name = name;
    call.arguments = input;
    tools_.push_back(std::move(call));
    content_started_ = true;
    output_tokens_.add(name);
    output_tokens_.add(input);
    sink_.tool_call_start(int(index), tools_[index].id, tools_[index].name, input);
  } else if (!input.empty()) {
    tools_[index].arguments += input;
    output_tokens_.add(input);
    sink_.tool_call_arguments(int(index), input);
  }
  if (stop) close_tool(index);
}

void ReplyReader::close_tool(size_t index) {
  ToolCall& call = tools_[index];
  if (call.stopped) return;
  call.stopped = true;
  // The client will parse the arguments: never leave them empty or cut short.
  const std::string suffix = call.arguments.empty() ? std::string("{}") : json_completion_suffix(call.arguments);
  if (suffix.empty()) return;
  call.arguments += suffix;
  output_tokens_.add(suffix);
  sink_.tool_call_arguments(int(index), suffix);
}

void ReplyReader::on_context_usage(std::string_view payload) {
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (json_.parse(payload, doc) || doc.get_object().get(obj)) return;
  json_read::each_member(obj, [this](std::string_view key, simdjson::ondemand::value& value) {
    double pct;
    if (key == "contextUsagePercentage" && json_read::number(value, pct) && std::isfinite(pct) && pct > 0 && pct <= 100) {
      // A percentage (0-100) of the model's context window.
      const int64_t tokens = int64_t(std::llround(pct / 100.0 * double(options_.context_window)));
      if (tokens > context_prompt_tokens_) context_prompt_tokens_ = tokens;
    }
    return true;
  });
}

void ReplyReader::on_metering(std::string_view payload) {
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (json_.parse(payload, doc) || doc.get_object().get(obj)) return;
  json_read::each_member(obj, [this](std::string_view key, simdjson::ondemand::value& value) {
    double credits;
    if (key == "usage" && json_read::number(value, credits) && std::isfinite(credits) && credits > 0) credits_ += credits;
    return true;
  });
}

void ReplyReader::on_metadata(std::string_view payload) {
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (json_.parse(payload, doc) || doc.get_object().get(obj)) return;
  int64_t input = -1, uncached = -1, output = -1, cache_read = -1, cache_write = -1;
  double pct = -1;
  auto read_usage = [&](simdjson::ondemand::object& usage) {
    json_read::each_member(usage, [&](std::string_view key, simdjson::ondemand::value& value) {
      if (key == "inputTokens") read_int(value, input);
      else if (key == "uncachedInputTokens") read_int(value, uncached);
      else if (key == "outputTokens") read_int(value, output);
      else if (key == "cacheReadInputTokens") read_int(value, cache_read);
      else if (key == "cacheWriteInputTokens") read_int(value, cache_write);
      else if (key == "contextUsagePercentage") json_read::number(value, pct);
      return true;
    });
  };
  const bool sound = json_read::each_member(obj, [&](std::string_view key, simdjson::ondemand::value& value) {
    simdjson::ondemand::object inner;
    if (key != "tokenUsage" || value.get_object().get(inner)) return true;
    read_usage(inner);
    return false;  // the rest of the document is not needed
  });
  if (!sound) return;
  if (input < 0 && uncached < 0 && output < 0 && cache_read < 0) {
    // Flat shape: the usage fields sit at the top level.
    if (json_.parse(payload, doc) || doc.get_object().get(obj)) return;
    read_usage(obj);
  }
  if (input < 0 && (uncached >= 0 || cache_read >= 0 || cache_write >= 0)) {
    input = (uncached > 0 ? uncached : 0) + (cache_read > 0 ? cache_read : 0) + (cache_write > 0 ? cache_write : 0);
  }
  if (input >= 0) reported_input_ = input;
  if (output >= 0) reported_output_ = output;
  if (cache_read >= 0) reported_cache_read_ = cache_read;
  if (cache_write >= 0) reported_cache_write_ = cache_write;
  if (pct > 0 && pct <= 100) {
    const int64_t tokens = int64_t(std::llround(pct / 100.0 * double(options_.context_window)));
    if (tokens > context_prompt_tokens_) context_prompt_tokens_ = tokens;
  }
}

void ReplyReader::on_stop(std::string_view payload) {
  stop_event_seen_ = true;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (json_.parse(payload, doc) || doc.get_object().get(obj)) return;
  json_read::each_member(obj, [this](std::string_view key, simdjson::ondemand::value& value) {
    if (key == "stopReason") json_read::string(value, stop_reason_);
    return true;
  });
}

bool ReplyReader::finish() {
  if (finished_) return !failed_;
  finished_ = true;
  if (!failed_ && !decoder_.finish()) fail_stream("Kiro " + decoder_.error());
  if (!failed_ && events_ == 0) fail_stream("Kiro closed the stream without sending any event");
  if (!failed_) {
    if (splitter_) splitter_->flush();
    // Calls never stopped were cut off: make their arguments parse anyway,
    // and leave them open so the finish reason says "length".
    for (size_t i = 0; i < tools_.size(); ++i) {
      if (tools_[i].stopped) continue;
      const std::string suffix = tools_[i].arguments.empty() ? std::string("{}") : json_completion_suffix(tools_[i].arguments);
      if (suffix.empty()) continue;
      tools_[i].arguments += suffix;
      output_tokens_.add(suffix);
      sink_.tool_call_arguments(int(i), suffix);
    }
  }
  update_usage();
  return !failed_;
}

std::string ReplyReader::finish_reason() const {
  std::string reason;
  for (char c : stop_reason_) reason.push_back(c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c);
  if (reason == "max_tokens" || reason == "length") return "length";
  if (reason == "content_filtered" || reason == "guardrail_intervened" || reason == "content_filter") {
    return "content_filter";
  }
  bool any_open = false, any_done = false;
  for (const ToolCall& call : tools_) (call.stopped ? any_done : any_open) = true;
  if (any_open) return "length";
  if (any_done) return "tool_calls";
  return "stop";
}

void ReplyReader::update_usage() {
  Usage u;
  u.present = true;
  bool estimated = false;
  if (reported_input_ >= 0) {
    u.prompt_tokens = reported_input_;
  } else if (context_prompt_tokens_ > 0) {
    u.prompt_tokens = context_prompt_tokens_;
    estimated = true;
  } else {
    u.prompt_tokens = options_.prompt_tokens_estimate;
    estimated = true;
  }
  if (reported_output_ >= 0) {
    u.completion_tokens = reported_output_;
  } else {
    u.completion_tokens = output_tokens_.tokens();
    estimated = true;
  }
  u.reasoning_tokens = std::min(reasoning_tokens_.tokens(), u.completion_tokens);
  u.cached_tokens = std::min(reported_cache_read_, u.prompt_tokens);
  u.cache_write_tokens = std::min(reported_cache_write_, u.prompt_tokens - u.cached_tokens);
  u.estimated = estimated;
  usage_ = u;
}

}  // namespace keyaos::kiro
