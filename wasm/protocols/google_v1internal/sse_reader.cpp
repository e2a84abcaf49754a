#include "protocols/google_v1internal/sse_reader.h"

namespace keyaos::google_v1internal {

void SseReader::append(std::string_view bytes) {
  if (line_start_ > 0) {
    buffer_.erase(0, line_start_);
    scanned_ -= line_start_;
    line_start_ = 0;
  }
  buffer_.append(bytes);
}

void SseReader::take_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) {
    event_ready_ = has_data_;
    return;
  }
  if (line.substr(0, 5) != "data:") return;  // event:, id:, retry:, ": comment"
  std::string_view value = line.substr(5);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (has_data_) event_data_ += '\n';
  event_data_ += value;
  has_data_ = true;
}

bool SseReader::next_event(std::string& data) {
  while (true) {
    size_t newline = buffer_.find('\n', scanned_);
    if (newline == std::string::npos) {
      scanned_ = buffer_.size();
      return false;
    }
    take_line(std::string_view(buffer_).substr(line_start_, newline - line_start_));
    line_start_ = scanned_ = newline + 1;
    if (event_ready_) {
      data.swap(event_data_);
      event_data_.clear();
      has_data_ = false;
      event_ready_ = false;
      return true;
    }
  }
}

bool SseReader::flush(std::string& data) {
  if (line_start_ < buffer_.size()) {
    take_line(std::string_view(buffer_).substr(line_start_));
    line_start_ = scanned_ = buffer_.size();
  }
  if (!has_data_) return false;
  data.swap(event_data_);
  event_data_.clear();
  has_data_ = false;
  event_ready_ = false;
  return true;
}

}  // namespace keyaos::google_v1internal
