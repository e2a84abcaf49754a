#include "protocols/kiro/token_estimate.h"

namespace keyaos::kiro {

namespace {

constexpr int64_t kPerMessageOverhead = 4;
constexpr int64_t kReplyPriming = 3;
constexpr int64_t kPerImage = 1000;

bool is_cjk(uint32_t cp) {
  return (cp >= 0x2E80 && cp <= 0x2FDF) ||   // CJK radicals
         (cp >= 0x3000 && cp <= 0x30FF) ||   // CJK punctuation, hiragana, katakana
         (cp >= 0x3100 && cp <= 0x31FF) ||   // bopomofo, kana extensions
         (cp >= 0x3400 && cp <= 0x4DBF) ||   // extension A
         (cp >= 0x4E00 && cp <= 0x9FFF) ||   // unified ideographs
         (cp >= 0xAC00 && cp <= 0xD7AF) ||   // hangul syllables
         (cp >= 0x1100 && cp <= 0x11FF) ||   // hangul jamo
         (cp >= 0xF900 && cp <= 0xFAFF) ||   // compatibility ideographs
         (cp >= 0xFF00 && cp <= 0xFFEF);     // fullwidth forms
}

bool is_latin_letter(uint32_t cp) {
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_' ||
         (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7);
}

}  // namespace

int64_t TokenEstimator::run_cost(Run run, int64_t length, bool newline) {
  switch (run) {
    case Run::none: return 0;
    case Run::word: return 600 + 125 * length;
    case Run::digits: return 1000 * ((length + 2) / 3);
    case Run::punct: return 1000 * ((length + 1) / 2);
    case Run::space: return (length > 1 || newline) ? 1000 : 0;
  }
  return 0;
}

void TokenEstimator::close_run() {
  milli_ += run_cost(run_, run_length_, run_newline_);
  run_ = Run::none;
  run_length_ = 0;
  run_newline_ = false;
}

void TokenEstimator::add_code_point(uint32_t cp, int utf8_length) {
  Run kind = Run::none;
  if (is_latin_letter(cp)) kind = Run::word;
  else if (cp >= '0' && cp <= '9') kind = Run::digits;
  else if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') kind = Run::space;
  else if (cp > ' ' && cp < 0x7F) kind = Run::punct;

  if (kind != Run::none) {
    if (kind != run_) close_run();
    run_ = kind;
    ++run_length_;
    if (cp == '\n') run_newline_ = true;
    return;
  }
  close_run();
  if (cp < 0x80) return;  // control characters
  if (is_cjk(cp)) milli_ += 1000;
  else if (utf8_length == 2) milli_ += 400;
  else if (utf8_length == 3) milli_ += 700;
  else milli_ += 1500;
}

void TokenEstimator::add(std::string_view utf8) {
  for (unsigned char b : utf8) {
    if (pending_needed_ > 0) {
      if ((b & 0xC0) == 0x80) {
        pending_cp_ = (pending_cp_ << 6) | (b & 0x3F);
        if (--pending_needed_ == 0) add_code_point(pending_cp_, pending_length_);
        continue;
      }
      // Broken sequence: count what was there as one character, then go on.
      pending_needed_ = 0;
      add_code_point(0xFFFD, pending_length_);
    }
    if (b < 0x80) {
      add_code_point(b, 1);
    } else if ((b & 0xE0) == 0xC0) {
      pending_cp_ = b & 0x1F;
      pending_needed_ = 1;
      pending_length_ = 2;
    } else if ((b & 0xF0) == 0xE0) {
      pending_cp_ = b & 0x0F;
      pending_needed_ = 2;
      pending_length_ = 3;
    } else if ((b & 0xF8) == 0xF0) {
      pending_cp_ = b & 0x07;
      pending_needed_ = 3;
      pending_length_ = 4;
    } else {
      add_code_point(0xFFFD, 3);  // stray continuation or invalid lead byte
    }
  }
}

int64_t TokenEstimator::tokens() const {
  int64_t milli = milli_ + run_cost(run_, run_length_, run_newline_);
  if (pending_needed_ > 0) milli += 1000;
  return (milli + 999) / 1000;
}

int64_t estimate_tokens(std::string_view utf8) {
  TokenEstimator e;
  e.add(utf8);
  return e.tokens();
}

namespace {

// Text and images of a message's content (string or array of parts).
void add_content(const nlohmann::json& content, int64_t& tokens) {
  if (content.is_string()) {
    tokens += estimate_tokens(content.get_ref<const std::string&>());
    return;
  }
  if (!content.is_array()) return;
  for (const auto& part : content) {
    if (!part.is_object()) continue;
    auto text = part.find("text");
    if (text != part.end() && text->is_string()) tokens += estimate_tokens(text->get_ref<const std::string&>());
    auto type = part.find("type");
    if (type != part.end() && type->is_string() && type->get_ref<const std::string&>() == "image_url") tokens += kPerImage;
  }
}

std::string dump_lenient(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

int64_t estimate_prompt_tokens(const nlohmann::json& request) {
  if (!request.is_object()) return 0;
  int64_t tokens = kReplyPriming;
  auto messages = request.find("messages");
  if (messages != request.end() && messages->is_array()) {
    for (const auto& m : *messages) {
      if (!m.is_object()) continue;
      tokens += kPerMessageOverhead;
      auto content = m.find("content");
      if (content != m.end()) add_content(*content, tokens);
      auto calls = m.find("tool_calls");
      if (calls != m.end() && calls->is_array()) {
        for (const auto& call : *calls) {
          if (!call.is_object()) continue;
          auto fn = call.find("function");
          if (fn == call.end() || !fn->is_object()) continue;
          auto name = fn->find("name");
          auto args = fn->find("arguments");
          if (name != fn->end() && name->is_string()) tokens += estimate_tokens(name->get_ref<const std::string&>());
          if (args != fn->end() && args->is_string()) tokens += estimate_tokens(args->get_ref<const std::string&>());
        }
      }
    }
  }
  auto tools = request.find("tools");
  if (tools != request.end() && tools->is_array()) {
    for (const auto& tool : *tools) tokens += estimate_tokens(dump_lenient(tool));
  }
  return tokens;
}

}  // namespace keyaos::kiro
