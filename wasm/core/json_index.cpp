#include "core/json_index.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/json_scan.h"

namespace keyaos::json_index {
namespace {

using simdjson::error_code;

// Of eight bytes, the high bit of each one the scalar kernel would stop at in
// a string: '"', '\\', below 0x20, or not ASCII (the lowest bit set is the first).
inline uint64_t special_bytes(uint64_t w) {
  return json_scan::special_bytes(w) | (w & 0x8080808080808080ULL);
}

inline bool is_whitespace_or_operator(uint8_t c) {
  switch (c) {
    case '{': case '}': case '[': case ']': case ',': case ':':
    case ' ': case '\r': case '\n': case '\t':
      return true;
    default:
      return false;
  }
}

inline bool is_continuation(uint8_t c) { return (c & 0xc0) == 0x80; }

// The scalar kernel's scan, byte for byte, but for the plain runs in strings.
class Scanner {
 public:
  Scanner(const uint8_t* buf, size_t len, uint32_t* indexes) : buf_(buf), len_(static_cast<uint32_t>(len)), next_(indexes), first_(indexes) {}

  error_code scan(uint32_t& count) {
    bool unclosed_string = false;
    for (; idx_ < len_; idx_++) {
      switch (buf_[idx_]) {
        case '"':
          add();
          unclosed_string |= string();
          break;
        case '{': case '}': case '[': case ']': case ',': case ':':
          add();
          break;
        case ' ': case '\r': case '\n': case '\t':
          break;
        default:  // a number, a literal or an invalid byte: stage 2 reads it
          add();
          while (idx_ + 1 < len_ && !is_whitespace_or_operator(buf_[idx_ + 1])) idx_++;
          break;
      }
    }
    // The second stages read one index past the end (padding, as simdjson's kernels write it).
    next_[0] = len_;
    next_[1] = len_;
    next_[2] = 0;
    count = static_cast<uint32_t>(next_ - first_);
    if (count == 0) return simdjson::EMPTY;
    if (unclosed_string) error_ = simdjson::UNCLOSED_STRING;
    return error_;
  }

 private:
  void add() { *next_++ = idx_; }

  // From the opening quote to the closing one; true when the input ends first.
  bool string() {
    idx_++;
    for (;;) {
      // Plain bytes eight at a time, up to the first one that needs a look.
      while (idx_ + 8 <= len_) {
        uint64_t w;
        std::memcpy(&w, buf_ + idx_, 8);
        if (const uint64_t special = special_bytes(w)) {
          idx_ += json_scan::first_marked_byte(special);
          break;
        }
        idx_ += 8;
      }
      if (idx_ >= len_) return true;
      const uint8_t c = buf_[idx_];
      if (c == '"') return false;
      if (c == '\\') {
        idx_ += 2;
      } else if (c & 0x80) {
        utf8_character();
      } else {
        if (c < 0x20) error_ = simdjson::UNESCAPED_CHARS;
        idx_++;
      }
    }
  }

  // One UTF-8 sequence, with the scalar kernel's checks and its way of going on after an error.
  void utf8_character() {
    const uint8_t c = buf_[idx_];
    if ((c & 0x40) == 0) {  // a continuation byte with nothing before it
      error_ = simdjson::UTF8_ERROR;
      idx_++;
      return;
    }
    const uint32_t length = (c & 0x20) == 0 ? 2 : (c & 0x10) == 0 ? 3 : 4;
    for (uint32_t k = 1; k < length; k++) {
      if (idx_ + k > len_ || !is_continuation(buf_[idx_ + k])) {
        error_ = simdjson::UTF8_ERROR;
        idx_++;
        return;
      }
    }
    const uint8_t second = buf_[idx_ + 1];
    if (length == 2 && c <= 0xc1) error_ = simdjson::UTF8_ERROR;                 // overlong
    if (length == 3 && c == 0xe0 && second <= 0x9f) error_ = simdjson::UTF8_ERROR;  // overlong
    if (length == 3 && c == 0xed && second >= 0xa0) error_ = simdjson::UTF8_ERROR;  // a surrogate
    if (length == 4 && c == 0xf0 && second <= 0x8f) error_ = simdjson::UTF8_ERROR;  // overlong
    if (length == 4 && c == 0xf4 && second >= 0x90) error_ = simdjson::UTF8_ERROR;  // above U+10FFFF
    if (length == 4 && c >= 0xf5) error_ = simdjson::UTF8_ERROR;
    idx_ += length;
  }

  const uint8_t* buf_;
  uint32_t len_;
  uint32_t idx_ = 0;
  uint32_t* next_;
  uint32_t* first_;
  error_code error_ = simdjson::SUCCESS;
};

// The library's scalar parser does everything but the regular first stage:
// the DOM's parse and second stages, and the streaming first stages of
// iterate_many, whose index is copied here for the caller to read. It is
// sized only when one of those is asked for (On-Demand never does): its
// index would take four bytes per byte of input.
class Parser final : public simdjson::internal::dom_parser_implementation {
 public:
  explicit Parser(std::unique_ptr<simdjson::fallback::dom_parser_implementation> library) : library_(std::move(library)) {}

  error_code parse(const uint8_t* buf, size_t len, simdjson::dom::document& doc) noexcept override {
    if (const error_code error = size_library(); error) return error;
    return library_->parse(buf, len, doc);
  }

  error_code stage1(const uint8_t* buf, size_t len, simdjson::stage1_mode mode) noexcept override {
    buf_ = buf;
    len_ = len;
    next_structural_index = 0;
    if (mode == simdjson::stage1_mode::regular) return index(buf, len, structural_indexes.get(), n_structural_indexes);
    if (const error_code error = size_library(); error) return error;
    const error_code error = library_->stage1(buf, len, mode);
    n_structural_indexes = library_->n_structural_indexes;
    std::copy_n(library_->structural_indexes.get(), n_structural_indexes + 3, structural_indexes.get());
    next_structural_index = library_->next_structural_index;
    return error;
  }

  error_code stage2(simdjson::dom::document& doc) noexcept override {
    if (const error_code error = size_library(); error) return error;
    if (const error_code error = library_->stage1(buf_, len_, simdjson::stage1_mode::regular); error) return error;
    return library_->stage2(doc);
  }

  error_code stage2_next(simdjson::dom::document& doc) noexcept override {
    library_->next_structural_index = next_structural_index;
    const error_code error = library_->stage2_next(doc);
    next_structural_index = library_->next_structural_index;
    return error;
  }

  // Every string On-Demand reads goes through here: plain bytes are copied
  // eight at a time and the one-character escapes decoded here; from a \u
  // escape on, the rest of the string is the library's (surrogate pairs,
  // replacement). The input is padded and `dst` has the padding's room after
  // the string, as for the library's SIMD kernels, which also read and write
  // whole words past the string's end.
  uint8_t* parse_string(const uint8_t* src, uint8_t* dst, bool allow_replacement) const noexcept override {
    for (;;) {
      uint64_t w;
      std::memcpy(&w, src, 8);
      std::memcpy(dst, &w, 8);
      const uint64_t stops = json_scan::quote_or_backslash_bytes(w);
      if (!stops) {
        src += 8;
        dst += 8;
        continue;
      }
      const unsigned plain = json_scan::first_marked_byte(stops);
      src += plain;
      dst += plain;
      if (*src == '"') return dst;
      uint8_t unescaped = 0;
      switch (src[1]) {
        case '"': unescaped = '"'; break;
        case '\\': unescaped = '\\'; break;
        case '/': unescaped = '/'; break;
        case 'b': unescaped = '\b'; break;
        case 'f': unescaped = '\f'; break;
        case 'n': unescaped = '\n'; break;
        case 'r': unescaped = '\r'; break;
        case 't': unescaped = '\t'; break;
        case 'u': return library_->parse_string(src, dst, allow_replacement);
        default: return nullptr;  // not an escape
      }
      *dst++ = unescaped;
      src += 2;
    }
  }
  uint8_t* parse_wobbly_string(const uint8_t* src, uint8_t* dst) const noexcept override { return library_->parse_wobbly_string(src, dst); }

  error_code set_capacity(size_t capacity) noexcept override {
    if (capacity > simdjson::SIMDJSON_MAXSIZE_BYTES) return simdjson::CAPACITY;
    // As the library sizes it: every byte may be a structural, plus the three written past the end.
    structural_indexes.reset(new (std::nothrow) uint32_t[SIMDJSON_ROUNDUP_N(capacity, 64) + 2 + 7]);
    if (!structural_indexes) {
      _capacity = 0;
      return simdjson::MEMALLOC;
    }
    n_structural_indexes = 0;
    _capacity = capacity;
    return simdjson::SUCCESS;
  }

  error_code set_max_depth(size_t max_depth) noexcept override {
    if (const error_code error = library_->set_max_depth(max_depth); error) return error;
    _max_depth = max_depth;
    return simdjson::SUCCESS;
  }

 private:
  error_code size_library() { return library_->capacity() < capacity() ? library_->set_capacity(capacity()) : simdjson::SUCCESS; }

  std::unique_ptr<simdjson::fallback::dom_parser_implementation> library_;
  const uint8_t* buf_ = nullptr;
  size_t len_ = 0;
};

class Implementation final : public simdjson::implementation {
 public:
  explicit Implementation(const simdjson::implementation* library)
      : simdjson::implementation("fallback_indexed", "simdjson's scalar kernel, plain string bytes indexed eight at a time",
                                 library->required_instruction_sets()),
        library_(library) {}

  error_code create_dom_parser_implementation(size_t capacity, size_t max_depth,
                                              std::unique_ptr<simdjson::internal::dom_parser_implementation>& dst) const noexcept override {
    // The library's parser starts at no capacity (Parser sizes it when it is used).
    auto parser = std::make_unique<Parser>(std::make_unique<simdjson::fallback::dom_parser_implementation>());
    if (const error_code error = parser->set_capacity(capacity); error) return error;
    if (const error_code error = parser->set_max_depth(max_depth); error) return error;
    dst = std::move(parser);
    return simdjson::SUCCESS;
  }

  error_code minify(const uint8_t* buf, size_t len, uint8_t* dst, size_t& dst_len) const noexcept override {
    return library_->minify(buf, len, dst, dst_len);
  }
  bool validate_utf8(const char* buf, size_t len) const noexcept override { return library_->validate_utf8(buf, len); }

 private:
  const simdjson::implementation* library_;
};

const simdjson::implementation* scalar_library() { return simdjson::get_available_implementations()["fallback"]; }

}  // namespace

error_code index(const uint8_t* buf, size_t len, uint32_t* indexes, uint32_t& count) noexcept {
  return Scanner(buf, len, indexes).scan(count);
}

void install() {
  static const Implementation implementation(scalar_library());
  simdjson::get_active_implementation() = &implementation;
}

bool install_where_scalar() {
  const simdjson::implementation* active = simdjson::get_active_implementation();
  if (std::string_view(active->name()) == "fallback_indexed") return true;
  if (active != scalar_library()) return false;
  install();
  return true;
}

}  // namespace keyaos::json_index
