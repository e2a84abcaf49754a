#pragma once
#include <array>
#include <cstdint>
#include <string_view>

namespace keyaos::kiro {

// Token counts for when Kiro reports none, from character classes rather
// than a vocabulary (no tokenizer ships in the module).
//
// Model, in thousandths of a token:
//   Latin word (ASCII or accented letters), length L  600 + 125·L
//   run of digits, length L                           1000 per started group of 3
//   run of ASCII punctuation/symbols, length L        1000 per started pair
//   single space or tab                               0 (BPE glues it to the next piece)
//   longer whitespace run, or one holding a newline   1000
//   CJK ideograph, kana, hangul, fullwidth form       1000 each
//   other 2-byte letters (Cyrillic, Greek, Arabic…)   400 each
//   other 3-byte characters (Indic, Thai…)            700 each
//   4-byte characters (emoji, rare CJK)               1500 each
// The total is rounded up.
//
// How it compares with real BPE tokenizers (cl100k/o200k-class and Claude's,
// which behave alike at this level):
// - English prose: 1000 words average ≈ 1330 tokens (≈ 4.2 chars/token). A
//   4.7-letter average word costs 0.6 + 4.7/8 ≈ 1.19 here, plus ≈ 0.15 for
//   punctuation, so ≈ 1.33 tokens/word. "The quick brown fox jumps over the
//   lazy dog." is 10 tokens in cl100k; this gives 11.
// - Code (≈ 3 chars/token): identifiers are short words, and operators and
//   brackets are where tokenizers split. "for (int i = 0; i < n; ++i) {" is
//   15-16 tokens in cl100k; this gives 14. Indentation runs count once.
// - CJK: common Chinese characters are about 1 token each in cl100k (rarer
//   ones 2-3, frequent pairs sometimes merge; o200k-class vocabularies ≈ 0.7),
//   so 1 per character sits in the middle. Japanese kana and Korean hangul
//   behave alike.
// Expect ±15% on prose and code and ±30% on CJK; usage built from it is
// flagged `estimated`.
class TokenEstimator {
 public:
  // Text may arrive in pieces split anywhere, even inside a UTF-8 sequence;
  // the count does not depend on the split.
  void add(std::string_view utf8);
  // Tokens so far, rounding the open run and any partial character up.
  int64_t tokens() const;

 private:
  enum class Run : uint8_t { none, word, digits, punct, space };
  static const std::array<Run, 128> kAsciiRuns;
  void add_byte(unsigned char b);
  void add_code_point(uint32_t cp, int utf8_length);
  // Adds `length` characters of class `kind`, closing the run of another class.
  void extend_run(Run kind, int64_t length, bool newline);
  void close_run();
  static int64_t run_cost(Run run, int64_t length, bool newline);

  int64_t milli_ = 0;
  Run run_ = Run::none;
  int64_t run_length_ = 0;
  bool run_newline_ = false;
  uint32_t pending_cp_ = 0;
  int pending_needed_ = 0;  // continuation bytes still expected
  int pending_length_ = 0;  // length of the sequence being assembled
};

// One-shot estimate of a text.
int64_t estimate_tokens(std::string_view utf8);

}  // namespace keyaos::kiro
