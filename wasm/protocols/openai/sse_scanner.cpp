#include "protocols/openai/sse_scanner.h"

#include <utility>

#include "core/json.h"
#include "core/json_read.h"
#include "core/secrets.h"
#include "protocols/openai/errors.h"
#include "protocols/openai/usage.h"

namespace keyaos::openai {
namespace od = simdjson::ondemand;

namespace {
// Buffers grown past this by one large event are given back after it.
constexpr size_t kKeepCapacity = 64 * 1024;
// Deeper nesting than any chunk has is treated as malformed.
constexpr int kMaxDepth = 64;

// On-demand parsing checks only what it visits, so a truncated event such as
// `{"choices":[{"delta":{"content":"x"}` would look fine: walk every value.
bool walk(od::value v, int depth) {
  if (depth > kMaxDepth) return false;
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return false;
  switch (type) {
    case od::json_type::object: {
      od::object o;
      if (v.get_object().get(o) != simdjson::SUCCESS) return false;
      for (auto f : o) {
        std::string_view key;
        od::value value;
        if (f.unescaped_key().get(key) != simdjson::SUCCESS || f.value().get(value) != simdjson::SUCCESS) return false;
        if (!walk(value, depth + 1)) return false;
      }
      return true;
    }
    case od::json_type::array: {
      od::array a;
      if (v.get_array().get(a) != simdjson::SUCCESS) return false;
      for (auto e : a) {
        od::value item;
        if (std::move(e).get(item) != simdjson::SUCCESS || !walk(item, depth + 1)) return false;
      }
      return true;
    }
    case od::json_type::string: {
      std::string_view s;
      return v.get_string().get(s) == simdjson::SUCCESS;
    }
    case od::json_type::number: {
      od::number n;
      return v.get_number().get(n) == simdjson::SUCCESS;
    }
    case od::json_type::boolean: {
      bool b;
      return v.get_bool().get(b) == simdjson::SUCCESS;
    }
    case od::json_type::null: {
      bool is_null = false;
      return v.is_null().get(is_null) == simdjson::SUCCESS && is_null;
    }
  }
  return false;
}

// An event's data is one complete JSON object and nothing after it.
bool well_formed(od::document& doc) {
  od::value root;
  od::json_type type;
  if (doc.get_value().get(root) != simdjson::SUCCESS || root.type().get(type) != simdjson::SUCCESS ||
      type != od::json_type::object)
    return false;
  return walk(root, 0) && json_read::finished(doc);
}
}  // namespace

void SseScanner::feed(std::string_view bytes, std::string* relay) {
  if (overflowed_) return;
  // The current event is pending_ followed by bytes[ev_start, ...); line_start_
  // is an offset into that concatenation.
  size_t ev_start = 0;
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t nl = bytes.find('\n', pos);
    if (nl == std::string_view::npos) break;
    bool blank;
    if (line_start_ < pending_.size()) {
      std::string joined(std::string_view(pending_).substr(line_start_));
      joined.append(bytes.substr(pos, nl - pos));
      blank = line(joined);
    } else {
      blank = line(bytes.substr(pos, nl - pos));
    }
    pos = nl + 1;
    line_start_ = pending_.size() + (pos - ev_start);
    if (line_start_ > kMaxEventBytes) return overflow();
    if (!blank) continue;
    const bool keep = dispatch();
    if (relay && keep && !replacement_.empty()) {
      relay->append(replacement_);
    } else if (relay && keep) {
      relay->append(pending_);
      relay->append(bytes.substr(ev_start, pos - ev_start));
    }
    replacement_.clear();
    pending_.clear();
    line_start_ = 0;
    ev_start = pos;
    release();
  }
  if (pending_.size() + (bytes.size() - ev_start) > kMaxEventBytes) return overflow();
  pending_.append(bytes.substr(ev_start));
}

void SseScanner::end(std::string* relay) {
  if (overflowed_) return;
  if (line_start_ < pending_.size()) line(std::string_view(pending_).substr(line_start_));
  const bool keep = dispatch();
  if (relay && keep && !replacement_.empty()) {
    relay->append(replacement_);
  } else if (relay && keep && !pending_.empty()) {
    relay->append(pending_);
    // Close the event so the client can tell where it ends.
    if (pending_.back() != '\n') relay->push_back('\n');
    if (pending_.size() < 2 || pending_[pending_.size() - 2] != '\n' || pending_.back() != '\n') relay->push_back('\n');
  }
  replacement_.clear();
  pending_.clear();
  line_start_ = 0;
  release();
}

void SseScanner::overflow() {
  overflowed_ = true;
  failed_ = true;
  error_ = {ErrorClass::stream, 502, "upstream sent a stream event larger than " + std::to_string(kMaxEventBytes) + " bytes",
            "upstream_error", "event_too_large", -1};
  std::string().swap(pending_);
  std::string().swap(data_);
  has_data_ = false;
  line_start_ = 0;
  parser_ = od::parser();
}

void SseScanner::release() {
  // swap, not assignment: assigning an empty string keeps the old buffer.
  if (pending_.capacity() > kKeepCapacity) std::string().swap(pending_);
  if (data_.capacity() > kKeepCapacity) std::string().swap(data_);
  if (parser_.capacity() > kKeepCapacity) parser_ = od::parser();
}

bool SseScanner::line(std::string_view l) {
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  if (l.empty()) return true;
  if (l[0] == ':') return false;  // comment / keep-alive
  if (l.substr(0, 5) != "data:") return false;  // event:, id:, retry: carry nothing we need
  std::string_view value = l.substr(5);
  if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  if (has_data_) data_.push_back('\n');
  data_.append(value);
  has_data_ = true;
  return false;
}

bool SseScanner::dispatch() {
  if (!has_data_) return true;  // comments and blank lines pass as they are
  has_data_ = false;
  const bool ok = event();
  data_.clear();
  return ok;
}

bool SseScanner::event() {
  ++events_;
  if (data_ == "[DONE]") {
    done_seen_ = true;
    return true;
  }
  // Parsed in place: the event buffer gets simdjson's padding as spare
  // capacity instead of a copy per event.
  data_.reserve(data_.size() + simdjson::SIMDJSON_PADDING);
  od::document doc;
  od::object obj;
  if (parser_.iterate(data_.data(), data_.size(), data_.capacity()).get(doc) != simdjson::SUCCESS || !well_formed(doc)) {
    // After content a broken event is dropped (the client's SDK would throw
    // on it mid-answer); before content it fails the attempt, which can
    // still fail over.
    if (content_started_) {
      ++dropped_;
      return false;
    }
    if (!failed_) {
      failed_ = true;
      error_ = {ErrorClass::stream, 502, "upstream sent a malformed stream event", "upstream_error", "malformed_event", -1};
    }
    return false;
  }
  doc.rewind();
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return false;
  bool error_event = false;
  for (auto f : obj) {
    std::string_view key;
    if (f.unescaped_key().get(key) != simdjson::SUCCESS) break;
    od::value v;
    if (f.value().get(v) != simdjson::SUCCESS) break;
    if (key == "error") {
      std::string_view raw;
      if (v.raw_json().get(raw) == simdjson::SUCCESS && raw != "null") {
        failed_ = true;
        error_ = classify_stream_error(raw);
        error_event = true;
      }
    } else if (key == "model" && model_.empty()) {
      std::string_view m;
      if (v.get_string().get(m) == simdjson::SUCCESS) model_.assign(m);
    } else if (key == "usage") {
      Usage u;
      if (read_usage(v, u)) usage_ = u;
    } else if (key == "choices") {
      od::array choices;
      if (v.get_array().get(choices) != simdjson::SUCCESS) continue;
      for (auto c : choices) {
        od::object choice;
        if (c.get_object().get(choice) != simdjson::SUCCESS) continue;
        for (auto cf : choice) {
          std::string_view ck;
          if (cf.unescaped_key().get(ck) != simdjson::SUCCESS) break;
          od::value cv;
          if (cf.value().get(cv) != simdjson::SUCCESS) break;
          if (ck == "finish_reason") {
            std::string_view reason;
            if (cv.get_string().get(reason) == simdjson::SUCCESS) {
              // OpenRouter marks a provider failure as finish_reason "error".
              if (reason != "error") finish_seen_ = true;
              finish_reason_.assign(reason);
            }
          } else if (ck == "delta" || ck == "message") {
            od::object delta;
            if (cv.get_object().get(delta) != simdjson::SUCCESS) continue;
            for (auto df : delta) {
              std::string_view dk;
              if (df.unescaped_key().get(dk) != simdjson::SUCCESS) break;
              od::value dv;
              if (df.value().get(dv) != simdjson::SUCCESS) break;
              if (dk == "content" || dk == "reasoning_content" || dk == "reasoning" || dk == "refusal") {
                std::string_view text;
                if (dv.get_string().get(text) == simdjson::SUCCESS && !text.empty()) {
                  content_started_ = true;
                  output_chars_ += static_cast<int64_t>(text.size());
                }
              } else if (dk == "tool_calls" || dk == "function_call") {
                std::string_view raw;
                if (dv.raw_json().get(raw) == simdjson::SUCCESS && raw != "null" && raw != "[]") {
                  content_started_ = true;
                  output_chars_ += static_cast<int64_t>(raw.size());
                }
              }
            }
          }
        }
      }
    }
  }
  if (error_event) client_error_event();
  return true;
}

namespace {
bool redact_strings(Json& j) {
  bool changed = false;
  if (j.is_string()) {
    std::string shown = redact_credential_details(j.get_ref<const std::string&>());
    if (shown != j.get_ref<const std::string&>()) {
      j = std::move(shown);
      changed = true;
    }
  } else if (j.is_structured()) {
    for (auto& item : j) changed |= redact_strings(item);
  }
  return changed;
}
}  // namespace

void SseScanner::client_error_event() {
  Json j = parse_json(data_);
  if (!j.is_object()) return;
  bool changed = redact_strings(j);
  if (error_.error_class == ErrorClass::auth || error_.error_class == ErrorClass::payment) {
    Json& e = j["error"];
    const std::string shown = client_view(error_).message;
    if (e.is_object()) e["message"] = shown;
    else e = {{"message", shown}};
    changed = true;
  }
  // Only a rewritten event loses its own bytes (and its event:/id: lines).
  if (changed) replacement_ = "data: " + dump_json(j) + "\n\n";
}

}  // namespace keyaos::openai
