#include "protocols/kiro/token_estimate.h"

#include <array>

namespace keyaos::kiro {

namespace {

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

// Latin-1 Supplement and Latin Extended-A/B letters: they continue a word.
bool is_accented_latin_letter(uint32_t cp) { return cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7; }

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

void TokenEstimator::extend_run(Run kind, int64_t length, bool newline) {
  if (kind != run_) close_run();
  run_ = kind;
  run_length_ += length;
  run_newline_ = run_newline_ || newline;
}

void TokenEstimator::close_run() {
  milli_ += run_cost(run_, run_length_, run_newline_);
  run_ = Run::none;
  run_length_ = 0;
  run_newline_ = false;
}

void TokenEstimator::add_code_point(uint32_t cp, int utf8_length) {
  const Run kind = cp < 0x80 ? kAsciiRuns[cp] : is_accented_latin_letter(cp) ? Run::word : Run::none;
  if (kind != Run::none) return extend_run(kind, 1, cp == '\n');
  close_run();
  if (cp < 0x80) return;  // control characters
  if (is_cjk(cp)) milli_ += 1000;
  else if (utf8_length == 2) milli_ += 400;
  else if (utf8_length == 3) milli_ += 700;
  else milli_ += 1500;
}

// The run each ASCII byte belongs to (Run::none for control bytes).
const std::array<TokenEstimator::Run, 128> TokenEstimator::kAsciiRuns = [] {
  std::array<Run, 128> runs{};
  for (int c = 0; c < 128; ++c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') runs[c] = Run::word;
    else if (c >= '0' && c <= '9') runs[c] = Run::digits;
    else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') runs[c] = Run::space;
    else if (c > ' ' && c < 0x7F) runs[c] = Run::punct;
  }
  return runs;
}();

void TokenEstimator::add(std::string_view utf8) {
  const auto* p = reinterpret_cast<const unsigned char*>(utf8.data());
  const auto* const end = p + utf8.size();
  while (p < end) {
    // ASCII between characters: a whole run of one class at a time, which is
    // what add_code_point would do byte by byte.
    if (pending_needed_ == 0 && *p < 0x80 && kAsciiRuns[*p] != Run::none) {
      const Run kind = kAsciiRuns[*p];
      const auto* start = p;
      bool newline = false;
      for (; p < end && *p < 0x80 && kAsciiRuns[*p] == kind; ++p) newline = newline || *p == '\n';
      extend_run(kind, p - start, newline);
      continue;
    }
    add_byte(*p++);
  }
}

void TokenEstimator::add_byte(unsigned char b) {
  if (pending_needed_ > 0) {
    if ((b & 0xC0) == 0x80) {
      pending_cp_ = (pending_cp_ << 6) | (b & 0x3F);
      if (--pending_needed_ == 0) add_code_point(pending_cp_, pending_length_);
      return;
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

}  // namespace keyaos::kiro
