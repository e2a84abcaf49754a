#include "core/secrets.h"

#include <algorithm>

namespace keyaos {
namespace {

bool printable(unsigned char c) { return c >= 0x20 && c <= 0x7e; }

bool token_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
         c == '+' || c == '=' || c == '*' || c == '~';
}

bool email_local_char(unsigned char c) { return token_char(c) || c == '%' || c == '\''; }

}  // namespace

std::string secret_format_error(std::string_view secret) {
  const bool file = !secret.empty() && secret.front() == '{';
  if (secret.size() > (file ? kMaxSecretFileBytes : kMaxPlainSecretBytes))
    return "'secret' is too long (at most " + std::to_string(file ? kMaxSecretFileBytes : kMaxPlainSecretBytes) + " bytes).";
  for (unsigned char c : secret) {
    if (printable(c)) continue;
    if (file && (c == '\t' || c == '\n' || c == '\r')) continue;
    if (c >= 0x80) return "'secret' must be printable ASCII; it contains a non-ASCII character.";
    return "'secret' must be printable ASCII; it contains a line break or a control character.";
  }
  return "";
}

std::string tail_hint(std::string_view secret, std::string_view prefix) {
  const size_t n = std::min<size_t>(4, secret.size() / 4);
  if (n == 0) return std::string(prefix) + "***";
  std::string tail(secret.substr(secret.size() - n));
  for (char& c : tail)
    if (!printable(static_cast<unsigned char>(c))) c = '?';
  return std::string(prefix) + "..." + tail;
}

std::string credential_aad(std::string_view owner_id, std::string_view credential_id) {
  return "keyaos:credential:" + std::string(owner_id) + ":" + std::string(credential_id);
}

std::string redact_credential_details(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (!email_local_char(c)) {
      out.push_back(text[i++]);
      continue;
    }
    size_t j = i;
    while (j < text.size() && email_local_char(static_cast<unsigned char>(text[j]))) ++j;
    // A sentence's full stop is not part of the token before it.
    if (j < text.size() ? text[j] != '@' : true)
      while (j > i + 1 && text[j - 1] == '.') --j;
    // An e-mail address: the run, '@', a domain with a dot.
    if (j < text.size() && text[j] == '@') {
      size_t k = j + 1;
      bool dot = false;
      while (k < text.size() && (token_char(static_cast<unsigned char>(text[k])) && text[k] != '*')) dot |= text[k++] == '.';
      if (dot && k > j + 2) {
        out += "[redacted]";
        i = k;
        continue;
      }
    }
    std::string_view run = text.substr(i, j - i);
    // Random keys have long segments mixing digits and letters; model ids
    // and words ("claude-sonnet-4-5-20250929") have short ones.
    bool keyish = false;
    size_t seg = 0;
    bool digit = false, letter = false;
    for (size_t r = 0; r <= run.size(); ++r) {
      const unsigned char ch = r < run.size() ? static_cast<unsigned char>(run[r]) : '-';
      if (ch == '-' || ch == '.' || ch == '_' || ch == '~') {
        keyish |= seg >= 16 && digit && letter;
        seg = 0;
        digit = letter = false;
        continue;
      }
      ++seg;
      digit |= ch >= '0' && ch <= '9';
      letter |= (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
    }
    const bool masked = run.find("***") != std::string_view::npos;
    const bool prefixed = run.size() >= 8 && (run.substr(0, 3) == "sk-" || run.substr(0, 3) == "aor" || run.substr(0, 3) == "aoa" ||
                                               run.substr(0, 5) == "ya29.");
    if (masked || keyish || prefixed) out += "[redacted]";
    else out.append(run);
    i = j;
  }
  return out;
}

}  // namespace keyaos
