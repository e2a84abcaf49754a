#include "protocols/openai/sse_scanner.h"

#include "protocols/openai/errors.h"
#include "protocols/openai/usage.h"

namespace keyaos::openai {
namespace od = simdjson::ondemand;

void SseScanner::feed(std::string_view bytes) {
  size_t start = 0;
  while (start < bytes.size()) {
    size_t nl = bytes.find('\n', start);
    if (nl == std::string_view::npos) {
      partial_.append(bytes.substr(start));
      return;
    }
    std::string_view piece = bytes.substr(start, nl - start);
    if (!partial_.empty()) {
      partial_.append(piece);
      std::string whole;
      whole.swap(partial_);
      line(whole);
    } else {
      line(piece);
    }
    start = nl + 1;
  }
}

void SseScanner::end() {
  if (!partial_.empty()) {
    std::string rest;
    rest.swap(partial_);
    line(rest);
  }
  dispatch();
}

void SseScanner::line(std::string_view l) {
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  if (l.empty()) {
    dispatch();
    return;
  }
  if (l[0] == ':') return;  // comment / keep-alive
  if (l.substr(0, 5) != "data:") return;  // event:, id:, retry: carry nothing we need
  std::string_view value = l.substr(5);
  if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  if (has_data_) data_.push_back('\n');
  data_.append(value);
  has_data_ = true;
}

void SseScanner::dispatch() {
  if (!has_data_) return;
  has_data_ = false;
  event();
  data_.clear();
}

void SseScanner::event() {
  ++events_;
  if (data_ == "[DONE]") {
    done_seen_ = true;
    return;
  }
  // Parsed in place: the event buffer gets simdjson's padding as spare
  // capacity instead of a copy per event.
  data_.reserve(data_.size() + simdjson::SIMDJSON_PADDING);
  od::document doc;
  od::object obj;
  if (parser_.iterate(data_.data(), data_.size(), data_.capacity()).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(obj) != simdjson::SUCCESS) {
    if (!failed_) {
      failed_ = true;
      error_ = {ErrorClass::stream, 502, "upstream sent a malformed stream event", "upstream_error", "malformed_event", -1};
    }
    return;
  }
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
}

}  // namespace keyaos::openai
