#include "core/json_write.h"

#include <cstdint>
#include <cstring>

#include "simdjson.h"

namespace keyaos::json_write {

namespace {

// True when one of the 8 bytes of `w` is below 0x20, or is '"' or '\'.
inline bool needs_escape(uint64_t w) {
  constexpr uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  auto has_zero = [&](uint64_t x) { return ((x - ones) & ~x & highs) != 0; };
  const bool control = ((w - ones * 0x20) & ~w & highs) != 0;  // some byte < 0x20
  return control || has_zero(w ^ (ones * '"')) || has_zero(w ^ (ones * '\\'));
}

inline bool plain(unsigned char c) { return c >= 0x20 && c != '"' && c != '\\'; }

void escape(unsigned char c, std::string& out) {
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\t': out += "\\t"; return;
    case '\n': out += "\\n"; return;
    case '\f': out += "\\f"; return;
    case '\r': out += "\\r"; return;
    default: {
      static const char kHex[] = "0123456789abcdef";
      const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(u, sizeof u);
    }
  }
}

}  // namespace

void string(std::string_view text, std::string& out) {
  if (!simdjson::validate_utf8(text.data(), text.size())) {
    // Rare: nlohmann's replacement of each invalid sequence, exactly as dump_json writes it.
    out += nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  // No reserve() here: libc++ grows to exactly what is asked, which made writing
  // many strings quadratic; append's geometric growth is what is wanted.
  out += '"';
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const char* run = p;
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (needs_escape(w)) break;
      p += 8;
    }
    while (p < end && plain(static_cast<unsigned char>(*p))) ++p;
    out.append(run, static_cast<size_t>(p - run));
    if (p < end) escape(static_cast<unsigned char>(*p++), out);
  }
  out += '"';
}

template <class Json>
void tree(const Json& j, std::string& out) {
  switch (j.type()) {
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (!first) out += ',';
        first = false;
        string(it.key(), out);
        out += ':';
        tree(it.value(), out);
      }
      out += '}';
      return;
    }
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const Json& item : j) {
        if (!first) out += ',';
        first = false;
        tree(item, out);
      }
      out += ']';
      return;
    }
    case Json::value_t::string: string(j.template get_ref<const std::string&>(), out); return;
    case Json::value_t::boolean: out += j.template get<bool>() ? "true" : "false"; return;
    case Json::value_t::null: out += "null"; return;
    default:  // numbers (and what Keyaos never builds): nlohmann's own formatting
      out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

template void tree(const nlohmann::json&, std::string&);
template void tree(const nlohmann::ordered_json&, std::string&);

}  // namespace keyaos::json_write
