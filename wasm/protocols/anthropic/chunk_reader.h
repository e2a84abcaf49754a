#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace keyaos::anthropic {

// What one OpenAI chat chunk (choice 0) or whole chat.completion carries.
struct ChunkTool {
  int index = 0;
  std::string id, name, arguments;
  bool has_id = false, has_name = false;
};
struct ChunkDelta {
  std::string reasoning;  // reasoning_content, else reasoning (OpenRouter)
  std::string content;
  std::vector<ChunkTool> tools;
  std::string finish_reason;
  std::string stop_reason;  // the matched stop string, where the upstream reports it (vLLM)
};

// A `chat.completion.chunk` (`delta`) or, with `whole`, a `chat.completion`
// (`message`). False for error events and anything that is not a chunk.
bool read_chunk(std::string_view json, ChunkDelta& out, bool whole = false);

}  // namespace keyaos::anthropic
