#include "catalog/secret_pattern.h"

namespace keyaos::catalog {

namespace {

constexpr size_t kMaxPatternLength = 1024;
constexpr int kMaxNesting = 32;
constexpr unsigned kMaxRepeat = 1000;  // std::regex unrolls counted repeats

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
unsigned hex_value(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  return static_cast<unsigned>(c - 'A' + 10);
}
bool is_syntax_char(char c) {
  switch (c) {
    case '^': case '$': case '\\': case '.': case '*': case '+': case '?':
    case '(': case ')': case '[': case ']': case '{': case '}': case '|': case '/':
      return true;
    default:
      return false;
  }
}

class PatternChecker {
 public:
  PatternChecker(std::string_view pattern, std::string& error) : p_(pattern), error_(error) {}

  bool run() {
    if (p_.empty()) return fail_whole("is empty");
    if (p_.size() > kMaxPatternLength) return fail_whole("is longer than 1024 characters");
    for (char c : p_) {
      unsigned char u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) return fail_whole("contains a control character");
      if (u >= 0x80) return fail_whole("must be ASCII (write other characters as \\uHHHH)");
    }
    if (!disjunction(0)) return false;
    if (pos_ != p_.size()) return fail("has an unmatched ')'");
    return true;
  }

 private:
  // Whole-pattern problems carry no position; syntax errors point at one.
  bool fail_whole(const char* why) {
    error_ = why;
    return false;
  }
  bool fail(const std::string& why) {
    error_ = why + " at position " + std::to_string(pos_);
    return false;
  }
  bool at_end() const { return pos_ >= p_.size(); }
  char peek() const { return p_[pos_]; }

  bool disjunction(int depth) {
    if (depth > kMaxNesting) return fail("nests groups too deeply");
    if (!alternative(depth)) return false;
    while (!at_end() && peek() == '|') {
      ++pos_;
      if (!alternative(depth)) return false;
    }
    return true;
  }

  bool alternative(int depth) {
    while (!at_end() && peek() != '|' && peek() != ')') {
      if (!term(depth)) return false;
    }
    return true;
  }

  bool term(int depth) {
    char c = peek();
    if (c == '^' || c == '$') {
      ++pos_;
      return no_quantifier_follows("an anchor");
    }
    if (c == '\\' && pos_ + 1 < p_.size() && (p_[pos_ + 1] == 'b' || p_[pos_ + 1] == 'B')) {
      pos_ += 2;
      return no_quantifier_follows("a word boundary");
    }
    if (c == '(' && p_.substr(pos_, 3) == "(?=") return lookahead(depth);
    if (c == '(' && p_.substr(pos_, 3) == "(?!") return lookahead(depth);
    if (!atom(depth)) return false;
    return quantifier();
  }

  bool lookahead(int depth) {
    pos_ += 3;
    if (!group_body(depth)) return false;
    return no_quantifier_follows("a lookahead");
  }

  bool no_quantifier_follows(const char* what) {
    if (!at_end() && (peek() == '*' || peek() == '+' || peek() == '?' || peek() == '{')) {
      return fail(std::string("has a quantifier after ") + what);
    }
    return true;
  }

  bool group_body(int depth) {
    if (!at_end() && peek() == ')') return fail("has an empty group");
    if (!disjunction(depth + 1)) return false;
    if (at_end() || peek() != ')') return fail("has an unclosed '('");
    ++pos_;
    return true;
  }

  bool atom(int depth) {
    char c = peek();
    switch (c) {
      case '.':
        ++pos_;
        return true;
      case '(':
        if (p_.substr(pos_, 3) == "(?:") {
          pos_ += 3;
        } else if (pos_ + 1 < p_.size() && p_[pos_ + 1] == '?') {
          return fail("uses a group kind other than (?: (?= (?!");
        } else {
          ++pos_;
        }
        return group_body(depth);
      case '[':
        return character_class();
      case '\\':
        return atom_escape();
      case '*': case '+': case '?': case '{':
        return fail("has a quantifier with nothing to repeat");
      case ']': case '}':
        return fail(std::string("has an unescaped '") + c + "'");
      default:
        ++pos_;
        return true;
    }
  }

  // Reads \xHH or \uHHHH after the backslash and letter; stores the code unit.
  bool hex_escape(size_t digits, unsigned& code) {
    if (pos_ + digits > p_.size()) return fail("has a truncated hex escape");
    code = 0;
    for (size_t k = 0; k < digits; ++k) {
      char h = p_[pos_ + k];
      if (!is_hex(h)) return fail("has a malformed hex escape");
      code = code * 16 + hex_value(h);
    }
    pos_ += digits;
    return true;
  }

  // One escape after '\'. `class_escape` tells whether \d-like escapes were
  // seen (they cannot be range ends); `code` is the character otherwise.
  bool escape(bool in_class, bool& class_escape, unsigned& code) {
    ++pos_;  // the backslash
    if (at_end()) return fail("ends with a lone backslash");
    char c = peek();
    ++pos_;
    class_escape = false;
    switch (c) {
      case 'd': case 'D': case 'w': case 'W': case 's': case 'S':
        class_escape = true;
        return true;
      case 't': code = '\t'; return true;
      case 'n': code = '\n'; return true;
      case 'r': code = '\r'; return true;
      case 'f': code = '\f'; return true;
      case 'v': code = '\v'; return true;
      case 'x': return hex_escape(2, code);
      case 'u': return hex_escape(4, code);
      default:
        break;
    }
    if (is_syntax_char(c) || c == '-') {
      code = static_cast<unsigned char>(c);
      return true;
    }
    --pos_;
    if (c >= '0' && c <= '9') return fail("uses a backreference or octal escape");
    if (in_class && c == 'b') return fail("uses \\b inside a character class");
    return fail(std::string("uses an unsupported escape '\\") + c + "'");
  }

  bool atom_escape() {
    bool class_escape = false;
    unsigned code = 0;
    return escape(false, class_escape, code);
  }

  bool character_class() {
    ++pos_;  // '['
    if (!at_end() && peek() == '^') ++pos_;
    if (!at_end() && peek() == ']') return fail("has an empty character class");
    bool first = true;
    while (true) {
      if (at_end()) return fail("has an unclosed '['");
      if (peek() == ']') {
        ++pos_;
        return true;
      }
      bool low_is_class = false;
      unsigned low = 0;
      if (!class_atom(first, low_is_class, low)) return false;
      first = false;
      // A '-' between two atoms forms a range; a trailing '-' is literal.
      if (!at_end() && peek() == '-' && pos_ + 1 < p_.size() && p_[pos_ + 1] != ']') {
        ++pos_;
        bool high_is_class = false;
        unsigned high = 0;
        if (peek() == '-') return fail("has an ambiguous '-' in a character class");
        if (!class_atom(false, high_is_class, high)) return false;
        if (low_is_class || high_is_class) return fail("has a range with a class escape as an end");
        if (low > high) return fail("has a character range out of order");
      }
    }
  }

  bool class_atom(bool first, bool& is_class, unsigned& code) {
    char c = peek();
    if (c == '\\') return escape(true, is_class, code);
    if (c == '[') return fail("has an unescaped '[' inside a character class");
    if (c == '-' && !first && !(pos_ + 1 < p_.size() && p_[pos_ + 1] == ']')) {
      return fail("has an ambiguous '-' in a character class");
    }
    is_class = false;
    code = static_cast<unsigned char>(c);
    ++pos_;
    return true;
  }

  bool read_count(unsigned& value) {
    size_t start = pos_;
    value = 0;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      value = value * 10 + static_cast<unsigned>(peek() - '0');
      if (value > kMaxRepeat) return fail("repeats more than 1000 times");
      ++pos_;
    }
    if (pos_ == start) return fail("has a malformed {n,m} quantifier");
    return true;
  }

  bool quantifier() {
    if (at_end()) return true;
    char c = peek();
    if (c == '*' || c == '+' || c == '?') {
      ++pos_;
    } else if (c == '{') {
      ++pos_;
      unsigned low = 0;
      if (!read_count(low)) return false;
      unsigned high = low;
      if (!at_end() && peek() == ',') {
        ++pos_;
        if (!at_end() && peek() == '}') {
          high = kMaxRepeat;
        } else if (!read_count(high)) {
          return false;
        }
      }
      if (at_end() || peek() != '}') return fail("has a malformed {n,m} quantifier");
      ++pos_;
      if (low > high) return fail("has a {n,m} quantifier with n > m");
    } else {
      return true;
    }
    if (!at_end() && peek() == '?') ++pos_;  // lazy
    if (!at_end() && (peek() == '*' || peek() == '+' || peek() == '?' || peek() == '{')) {
      return fail("has a quantifier with nothing to repeat");
    }
    return true;
  }

  std::string_view p_;
  std::string& error_;
  size_t pos_ = 0;
};

}  // namespace

bool check_secret_pattern(std::string_view pattern, std::string& error) {
  PatternChecker checker(pattern, error);
  return checker.run();
}

}  // namespace keyaos::catalog
