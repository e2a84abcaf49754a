#include "protocols/google_v1internal/credentials.h"

#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "protocols/google_v1internal/google_time.h"
#include "core/json_read.h"
#include "simdjson.h"

namespace keyaos::google_v1internal {
namespace {

using simdjson::ondemand::json_type;
using simdjson::ondemand::object;
using simdjson::ondemand::value;

constexpr std::string_view kAccessTokenPrefix = "ya29.";

const char* const kAccessTokenRefused =
    "This is an OAuth access token (ya29.…), which expires within an hour. Paste the refresh token (1//…) "
    "or the whole credentials file instead.";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view text) {
  // A UTF-8 byte order mark sometimes rides along with copied files.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// What a credential JSON may hold, wherever it sits (top level or "token").
struct Fields {
  std::string product;
  std::string refresh_token;
  std::string access_token;
  int64_t expiry_ms = 0;
  std::string project_id;
  std::string email;
  std::string base_url;
  std::string id_token;
};

// Reads one object level; `nested` is the Antigravity "token" object, whose
// expiry_timestamp is in seconds.
bool read_fields(object obj, Fields& f, bool nested) {
  for (auto field_result : obj) {
    simdjson::ondemand::field field;
    std::string_view key, text;
    if (!json_read::field_key(field_result, field, key)) return false;
    value v = field.value();
    int64_t number = 0;
    if (key == "token" && !nested && json_read::is(v, json_type::object)) {
      object token;
      if (v.get_object().get(token) || !read_fields(token, f, true)) return false;
    } else if (key == "refresh_token" || key == "refreshToken") {
      if (json_read::string(v, text) && f.refresh_token.empty()) f.refresh_token = std::string(text);
    } else if (key == "access_token" || key == "accessToken") {
      if (json_read::string(v, text) && f.access_token.empty()) f.access_token = std::string(text);
    } else if (key == "expiry_date") {
      if (json_read::int64(v, number)) f.expiry_ms = number;
    } else if (key == "expiry_timestamp") {
      if (json_read::int64(v, number)) f.expiry_ms = number < 100'000'000'000 ? number * 1000 : number;
    } else if (key == "expiry" || key == "expired") {
      // Go oauth2 token files store an RFC 3339 expiry.
      int64_t ms;
      if (json_read::string(v, text) && parse_rfc3339_ms(text, ms)) f.expiry_ms = ms;
    } else if (key == "project_id" || key == "projectId" || key == "project") {
      if (json_read::string(v, text) && f.project_id.empty()) f.project_id = std::string(text);
    } else if (key == "email") {
      if (json_read::string(v, text) && f.email.empty()) f.email = std::string(text);
    } else if (key == "base_url" && !nested) {
      if (json_read::string(v, text)) f.base_url = std::string(text);
    } else if (key == "product" && !nested) {
      if (json_read::string(v, text)) f.product = std::string(text);
    } else if (key == "id_token") {
      if (json_read::string(v, text)) f.id_token = std::string(text);
    }
  }
  return true;
}

}  // namespace

std::string email_from_id_token(std::string_view id_token) {
  size_t first = id_token.find('.');
  if (first == std::string_view::npos) return {};
  size_t second = id_token.find('.', first + 1);
  if (second == std::string_view::npos) return {};
  std::string payload;
  if (!base64_decode(id_token.substr(first + 1, second - first - 1), payload)) return {};
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(payload);
  simdjson::ondemand::document doc;
  object claims;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(claims)) return {};
  value email;
  std::string_view text;
  if (claims.find_field_unordered("email").get(email) || !json_read::string(email, text)) return {};
  return std::string(text);
}

namespace {

CredentialsParseResult refuse(std::string message) {
  CredentialsParseResult result;
  result.error = std::move(message);
  return result;
}

bool looks_like_refresh_token(std::string_view token) {
  if (!starts_with(token, "1/")) return false;
  for (char c : token) {
    if (is_space(c) || c == '"' || c == '{' || c == '}') return false;
  }
  return token.size() > 3;
}

CredentialsParseResult parse_json(std::string_view text, Product product) {
  // Anything after the last closing brace is terminal noise (zsh prints '%').
  size_t last = text.rfind('}');
  if (last == std::string_view::npos) return refuse("The credentials JSON is incomplete.");
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(text.substr(0, last + 1));
  simdjson::ondemand::document doc;
  object top;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(top)) {
    return refuse("The credentials are not valid JSON.");
  }
  Fields f;
  if (!read_fields(top, f, false) || !json_read::finished(doc)) return refuse("The credentials are not valid JSON.");

  if (f.refresh_token.empty()) {
    if (!f.access_token.empty()) return refuse("The credentials hold no refresh_token, only an access token.");
    return refuse("The credentials hold no refresh_token.");
  }
  if (starts_with(f.refresh_token, kAccessTokenPrefix)) return refuse(kAccessTokenRefused);

  CredentialsParseResult result;
  result.ok = true;
  Credentials& c = result.credentials;
  c.product = product;
  if (!f.product.empty()) parse_product(f.product, c.product);
  c.refresh_token = std::move(f.refresh_token);
  if (starts_with(f.access_token, kAccessTokenPrefix) && f.access_token.size() > kAccessTokenPrefix.size() + 3) {
    c.access_token = std::move(f.access_token);
    c.access_token_expires_at_ms = f.expiry_ms;
  }
  c.project_id = std::move(f.project_id);
  c.email = !f.email.empty() ? std::move(f.email) : email_from_id_token(f.id_token);
  c.base_url = std::move(f.base_url);
  return result;
}

}  // namespace

bool Credentials::access_token_usable(int64_t now_ms, int64_t margin_ms) const {
  return !access_token.empty() && access_token_expires_at_ms > now_ms + margin_ms;
}

CredentialsParseResult parse_credentials(std::string_view pasted, Product product) {
  std::string_view text = trim(pasted);
  if (text.empty()) return refuse("Paste the refresh token or the credentials JSON.");
  if (text.front() == '{') return parse_json(text, product);
  // A token copied together with its JSON quotes.
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = trim(text.substr(1, text.size() - 2));
  if (starts_with(text, kAccessTokenPrefix)) return refuse(kAccessTokenRefused);
  if (!looks_like_refresh_token(text)) {
    return refuse("This does not look like a Google refresh token (they start with 1//) or a credentials JSON file.");
  }
  CredentialsParseResult result;
  result.ok = true;
  result.credentials.product = product;
  result.credentials.refresh_token = std::string(text);
  return result;
}

std::string serialize_credentials(const Credentials& c) {
  nlohmann::ordered_json j;
  j["product"] = std::string(product_name(c.product));
  j["refresh_token"] = c.refresh_token;
  if (!c.access_token.empty()) {
    j["access_token"] = c.access_token;
    j["expiry_date"] = c.access_token_expires_at_ms;
  }
  if (!c.project_id.empty()) j["project_id"] = c.project_id;
  if (!c.email.empty()) j["email"] = c.email;
  if (!c.base_url.empty()) j["base_url"] = c.base_url;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace keyaos::google_v1internal
