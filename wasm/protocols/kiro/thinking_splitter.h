#pragma once
#include <functional>
#include <string>
#include <string_view>

namespace keyaos::kiro {

// With thinking switched on through the prompt, Kiro may send the model's
// thinking inline: the reply text opens with "<thinking>…</thinking>\n\n".
// This splits such a leading block off as reasoning; all other text passes
// through. A closing tag counts only when "\n\n" or the end of the reply
// follows it, so a tag quoted inside the thinking does not end it. Output
// boundaries never split a UTF-8 sequence.
class ThinkingSplitter {
 public:
  using Emit = std::function<void(std::string_view)>;
  ThinkingSplitter(Emit text, Emit reasoning) : text_(std::move(text)), reasoning_(std::move(reasoning)) {}

  void push(std::string_view text);
  // Emits whatever is held back (end of reply, or a tool call follows).
  void flush();

 private:
  enum class State { detecting, thinking, text };
  void drain_thinking();

  Emit text_;
  Emit reasoning_;
  State state_ = State::detecting;
  std::string held_;
  bool strip_newline_ = false;
};

}  // namespace keyaos::kiro
