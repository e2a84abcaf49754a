#include "protocols/kiro/thinking_splitter.h"

namespace keyaos::kiro {

namespace {

constexpr std::string_view kOpen = "<thinking>";
constexpr std::string_view kClose = "</thinking>";
constexpr std::string_view kAfterClose = "\n\n";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Largest cut <= `at` that does not split a UTF-8 sequence of `s`.
size_t utf8_boundary(std::string_view s, size_t at) {
  while (at > 0 && at < s.size() && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;
  return at;
}

}  // namespace

void ThinkingSplitter::push(std::string_view text) {
  if (text.empty()) return;
  if (state_ == State::text) {
    text_(text);
    return;
  }
  held_.append(text.data(), text.size());
  if (state_ == State::detecting) {
    size_t start = 0;
    while (start < held_.size() && is_space(held_[start])) ++start;
    const std::string_view rest = std::string_view(held_).substr(start);
    if (rest.empty()) return;
    if (rest.size() < kOpen.size() && kOpen.substr(0, rest.size()) == rest) return;  // maybe the tag, wait
    if (rest.substr(0, kOpen.size()) != kOpen) {
      state_ = State::text;
      std::string all;
      all.swap(held_);
      text_(all);
      return;
    }
    held_.erase(0, start + kOpen.size());
    state_ = State::thinking;
    strip_newline_ = true;
  }
  drain_thinking();
}

void ThinkingSplitter::drain_thinking() {
  if (strip_newline_ && !held_.empty()) {
    if (held_[0] == '\n') held_.erase(0, 1);
    strip_newline_ = false;
  }
  size_t search_from = 0;
  while (true) {
    const size_t close = held_.find(kClose, search_from);
    if (close == std::string::npos) break;
    const size_t after = close + kClose.size();
    if (held_.size() < after + kAfterClose.size()) {
      // Cannot tell yet whether this tag ends the block.
      if (close > 0) reasoning_(std::string_view(held_).substr(0, close));
      held_.erase(0, close);
      return;
    }
    if (std::string_view(held_).substr(after, kAfterClose.size()) == kAfterClose) {
      if (close > 0) reasoning_(std::string_view(held_).substr(0, close));
      std::string rest = held_.substr(after + kAfterClose.size());
      held_.clear();
      state_ = State::text;
      if (!rest.empty()) text_(rest);
      return;
    }
    search_from = close + 1;  // a quoted tag: part of the thinking
  }
  // Keep a tail that could be the start of a closing tag.
  const size_t keep = kClose.size() - 1;
  if (held_.size() > keep) {
    const size_t cut = utf8_boundary(held_, held_.size() - keep);
    if (cut > 0) {
      reasoning_(std::string_view(held_).substr(0, cut));
      held_.erase(0, cut);
    }
  }
}

void ThinkingSplitter::flush() {
  if (held_.empty()) {
    if (state_ == State::detecting) state_ = State::text;
    return;
  }
  std::string held;
  held.swap(held_);
  if (state_ == State::detecting) {
    state_ = State::text;
    text_(held);
    return;
  }
  if (state_ == State::thinking) {
    state_ = State::text;
    const size_t close = held.rfind(kClose);
    if (close != std::string::npos) {
      size_t after = close + kClose.size();
      bool only_space = true;
      for (size_t i = after; i < held.size(); ++i) only_space = only_space && is_space(held[i]);
      if (only_space) {
        if (close > 0) reasoning_(std::string_view(held).substr(0, close));
        return;
      }
    }
    reasoning_(held);
  }
}

}  // namespace keyaos::kiro
