#pragma once
#include <string>
#include <string_view>

namespace keyaos::google_v1internal {

// Splits a Server-Sent Events byte stream into event data. Lines may end in
// CRLF (Google's framing) or LF; bytes may arrive split anywhere. An event's
// `data:` lines are joined with '\n'; other fields and comments are ignored.
class SseReader {
 public:
  void append(std::string_view bytes);
  // Moves the next complete event's data into `data`; false when none is complete.
  bool next_event(std::string& data);
  // End of stream: the last event even without its closing blank line.
  bool flush(std::string& data);

 private:
  void take_line(std::string_view line);

  std::string buffer_;      // bytes not yet consumed
  size_t line_start_ = 0;   // start of the first unconsumed line in buffer_
  size_t scanned_ = 0;      // buffer_ before this holds no '\n' past line_start_
  std::string event_data_;  // data of the event being assembled
  bool has_data_ = false;
  bool event_ready_ = false;
};

}  // namespace keyaos::google_v1internal
