#include "core/json_write.h"

#include "core/json_scan.h"
#include "simdjson.h"

namespace keyaos::json_write {

namespace {

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
    p = json_scan::skip_plain_string_bytes(p, end);
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
