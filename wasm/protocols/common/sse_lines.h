#pragma once
// Reading the OpenAI SSE the engine itself writes (whole events), for the
// writers that turn it into another API's stream.
#include <string_view>

namespace keyaos {

// Calls on_line(line) for each line of `sse`, without its LF or CRLF; the
// last line may have no end.
template <class OnLine>
void each_sse_line(std::string_view sse, OnLine&& on_line) {
  size_t pos = 0;
  while (pos < sse.size()) {
    const size_t end = sse.find('\n', pos);
    std::string_view line = sse.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? sse.size() : end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    on_line(line);
  }
}

// The value of a `data:` line, one leading space dropped; false for any other line.
inline bool sse_data(std::string_view line, std::string_view& value) {
  if (line.substr(0, 5) != "data:") return false;
  value = line.substr(5);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return true;
}

}  // namespace keyaos
