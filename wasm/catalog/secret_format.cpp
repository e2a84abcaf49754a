#include "catalog/secret_format.h"

#include <nlohmann/json.hpp>

#include "catalog/json_fields.h"

namespace keyaos::catalog {

namespace {

namespace od = simdjson::ondemand;
using namespace json;  // the strict field readers of provider definitions

constexpr const char* kAlphabetNames[] = {"hex", "base62", "base64url", "printable"};

// Secrets are trimmed and never hold spaces: '!' to '~'.
bool visible_ascii(unsigned char c) { return c > 0x20 && c < 0x7f; }

bool named_alphabet_has(std::string_view name, unsigned char c) {
  const bool digit = c >= '0' && c <= '9';
  const bool lower = c >= 'a' && c <= 'z';
  const bool upper = c >= 'A' && c <= 'Z';
  if (name == "hex") return digit || (c >= 'a' && c <= 'f');
  if (name == "base62") return digit || lower || upper;
  if (name == "base64url") return digit || lower || upper || c == '-' || c == '_';
  return name == "printable" && visible_ascii(c);
}

bool read_length(od::value v, const std::string& path, int64_t& out, std::string& error) {
  int64_t n = 0;
  if (auto code = v.get_int64().get(n)) {
    if (code == simdjson::INCORRECT_TYPE || code == simdjson::NUMBER_ERROR || code == simdjson::NUMBER_OUT_OF_RANGE ||
        code == simdjson::BIGINT_ERROR)
      return fail(error, path, "must be an integer from 1 to " + std::to_string(kMaxSecretBodyLength));
    return fail(error, "(document)", "is not valid JSON");
  }
  if (n < 1 || n > kMaxSecretBodyLength)
    return fail(error, path, "must be an integer from 1 to " + std::to_string(kMaxSecretBodyLength));
  out = n;
  return true;
}

bool read_prefixes(od::value v, const std::string& path, std::vector<std::string>& out, std::string& error) {
  return json::for_each_element(v, path, error, [&](size_t index, od::value element) {
    const std::string item = path + "[" + std::to_string(index) + "]";
    if (index >= kMaxSecretPrefixes) return fail(error, path, "may list at most " + std::to_string(kMaxSecretPrefixes) + " prefixes");
    std::string prefix;
    if (!json::read_nonempty_string(element, item, prefix, error)) return false;
    if (prefix.size() > kMaxSecretPrefixLength)
      return fail(error, item, "must be at most " + std::to_string(kMaxSecretPrefixLength) + " characters");
    for (unsigned char c : prefix)
      if (!visible_ascii(c)) return fail(error, item, "must be printable ASCII without spaces");
    for (const std::string& previous : out)
      if (previous == prefix) return fail(error, item, "\"" + prefix + "\" appears twice");
    out.push_back(std::move(prefix));
    return true;
  });
}

bool read_alphabet(od::value v, const std::string& path, SecretFormat& f, std::string& error) {
  const char* expected = "must be one of hex, base62, base64url, printable, or {\"chars\": \"...\"}";
  od::json_type type;
  if (v.type().get(type)) return fail(error, "(document)", "is not valid JSON");
  if (type == od::json_type::string) {
    std::string name;
    if (!json::read_string(v, path, name, error)) return false;
    for (const char* known : kAlphabetNames)
      if (name == known) {
        f.alphabet = name;
        return true;
      }
    return fail(error, path, "\"" + name + "\" " + expected);
  }
  if (type != od::json_type::object) return fail(error, path, expected);
  bool has_chars = false;
  bool ok = json::for_each_field(v, path, error, [&](const std::string& key, od::value field) {
    if (key != "chars") return FieldStep::unknown;
    has_chars = true;
    const std::string chars_path = join(path, key);
    if (!json::read_nonempty_string(field, chars_path, f.chars, error)) return FieldStep::failed;
    for (size_t i = 0; i < f.chars.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(f.chars[i]);
      if (!visible_ascii(c)) return json::step(fail(error, chars_path, "must be printable ASCII without spaces"));
      if (f.chars.find(f.chars[i]) != i)
        return json::step(fail(error, chars_path, std::string("lists '") + f.chars[i] + "' twice"));
    }
    return FieldStep::ok;
  });
  if (!ok) return false;
  if (!has_chars) return fail(error, join(path, "chars"), "missing");
  return true;
}

std::string alphabet_words(const SecretFormat& f) {
  if (!f.chars.empty()) return "characters from \"" + f.chars + "\"";
  if (f.alphabet == "hex") return "lower-case hex characters (0-9, a-f)";
  if (f.alphabet == "base62") return "letters and digits (A-Z, a-z, 0-9)";
  if (f.alphabet == "base64url") return "letters, digits, '-' or '_'";
  return "printable ASCII characters";
}

}  // namespace

bool json::read_secret_format(od::value v, const std::string& path, std::optional<SecretFormat>& out, std::string& error) {
  if (json::is_null(v)) {
    out.reset();
    return true;
  }
  SecretFormat f;
  bool has_alphabet = false;
  bool ok = json::for_each_field(v, path, error, [&](const std::string& key, od::value field) {
    const std::string field_path = join(path, key);
    if (key == "prefixes") return json::step(read_prefixes(field, field_path, f.prefixes, error));
    if (key == "alphabet") {
      has_alphabet = true;
      return json::step(read_alphabet(field, field_path, f, error));
    }
    if (key == "min_length") return json::step(read_length(field, field_path, f.min_length, error));
    if (key == "max_length") {
      if (json::is_null(field)) {
        f.max_length.reset();
        return FieldStep::ok;
      }
      int64_t n = 0;
      if (!read_length(field, field_path, n, error)) return FieldStep::failed;
      f.max_length = n;
      return FieldStep::ok;
    }
    return FieldStep::unknown;
  });
  if (!ok) return false;
  if (!has_alphabet) return fail(error, join(path, "alphabet"), "missing");
  if (f.max_length && *f.max_length < f.min_length)
    return fail(error, join(path, "max_length"), "must be at least min_length (" + std::to_string(f.min_length) + ")");
  out = std::move(f);
  return true;
}

bool secret_matches(const SecretFormat& f, std::string_view secret) {
  auto body_fits = [&f](std::string_view body) {
    const int64_t n = static_cast<int64_t>(body.size());
    if (n < f.min_length || (f.max_length && n > *f.max_length)) return false;
    for (unsigned char c : body) {
      const bool in = f.chars.empty() ? named_alphabet_has(f.alphabet, c) : f.chars.find(static_cast<char>(c)) != std::string::npos;
      if (!in) return false;
    }
    return true;
  };
  if (f.prefixes.empty()) return body_fits(secret);
  for (const std::string& prefix : f.prefixes)
    if (secret.substr(0, prefix.size()) == prefix && body_fits(secret.substr(prefix.size()))) return true;
  return false;
}

nlohmann::json secret_format_json(const SecretFormat& f) {
  nlohmann::json out = nlohmann::json::object();
  out["prefixes"] = f.prefixes;
  if (f.chars.empty()) out["alphabet"] = f.alphabet;
  else out["alphabet"] = {{"chars", f.chars}};
  out["min_length"] = f.min_length;
  out["max_length"] = f.max_length ? nlohmann::json(*f.max_length) : nlohmann::json(nullptr);
  return out;
}

std::string describe_secret_format(const SecretFormat& f) {
  std::string prefixes;
  for (size_t i = 0; i < f.prefixes.size(); ++i) {
    if (i > 0) prefixes += i + 1 == f.prefixes.size() ? " or " : ", ";
    prefixes += f.prefixes[i];
  }
  std::string count;
  if (f.max_length && *f.max_length == f.min_length) count = "exactly " + std::to_string(f.min_length);
  else if (!f.max_length) count = f.min_length == 1 ? "one or more" : "at least " + std::to_string(f.min_length);
  else count = std::to_string(f.min_length) + " to " + std::to_string(*f.max_length);
  const std::string body = count + " " + alphabet_words(f);
  return prefixes.empty() ? body : prefixes + " followed by " + body;
}

}  // namespace keyaos::catalog
