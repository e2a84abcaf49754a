#include "protocols/kiro/credentials.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "protocols/kiro/calendar.h"
#include "protocols/kiro/client_identity.h"
#include "protocols/kiro/json_repair.h"
#include "core/json_read.h"

namespace keyaos::kiro {

namespace {

constexpr std::string_view kTokenFileHint =
    "paste the refresh token (aor…) or the whole ~/.aws/sso/cache/kiro-auth-token.json";

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}


const char* access_token_refusal() {
  return "this is a Kiro access token (aoa…), which expires within the hour and cannot be renewed; "
         "paste the refresh token (aor…) or the whole ~/.aws/sso/cache/kiro-auth-token.json";
}

// Splits "{…}{…}" / "{…}\n{…}" into its top-level objects. Returns false when
// something other than whitespace sits between them or braces do not balance.
bool split_objects(std::string_view text, std::vector<std::string_view>& objects) {
  size_t i = 0;
  while (true) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r' || text[i] == ','))
      ++i;
    if (i == text.size()) return !objects.empty();
    if (text[i] != '{') return false;
    const size_t start = i;
    int depth = 0;
    JsonStringScan scan;
    for (; i < text.size(); ++i) {
      const char c = text[i];
      if (scan.string_byte(c)) continue;
      if (c == '{' || c == '[') ++depth;
      else if (c == '}' || c == ']') {
        if (--depth == 0) break;
      }
    }
    if (i == text.size()) return false;
    objects.push_back(text.substr(start, i - start + 1));
    ++i;
  }
}

// Fields of one pasted object, before they are merged.
struct Fields {
  std::string refresh_token, access_token, expires_at, auth_method, provider, client_id_hash, region, auth_region,
      api_region, client_id, client_secret, profile_arn, machine_id;
  double expires_at_number = 0;
};

std::string* field_slot(Fields& f, std::string_view key) {
  struct Alias {
    std::string_view camel, snake;
    std::string Fields::*slot;
  };
  static const Alias aliases[] = {
      {"refreshToken", "refresh_token", &Fields::refresh_token},
      {"accessToken", "access_token", &Fields::access_token},
      {"expiresAt", "expires_at", &Fields::expires_at},
      {"authMethod", "auth_method", &Fields::auth_method},
      {"provider", "provider", &Fields::provider},
      {"clientIdHash", "client_id_hash", &Fields::client_id_hash},
      {"region", "region", &Fields::region},
      {"authRegion", "auth_region", &Fields::auth_region},
      {"apiRegion", "api_region", &Fields::api_region},
      {"clientId", "client_id", &Fields::client_id},
      {"clientSecret", "client_secret", &Fields::client_secret},
      {"profileArn", "profile_arn", &Fields::profile_arn},
      {"machineId", "machine_id", &Fields::machine_id},
  };
  for (const Alias& a : aliases) {
    if (key == a.camel || key == a.snake) return &(f.*(a.slot));
  }
  return nullptr;
}

bool read_fields(json_read::Input& input, std::string_view text, Fields& f, std::string& error) {
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (input.parse(text, doc) || doc.get_object().get(obj)) {
    error = "the credential JSON is malformed; " + std::string(kTokenFileHint);
    return false;
  }
  const bool sound = json_read::each_member(obj, [&f](std::string_view key, simdjson::ondemand::value& value) {
    std::string* slot = field_slot(f, key);
    double n;
    if (slot == &f.expires_at && json_read::number(value, n)) f.expires_at_number = n;
    else if (slot) json_read::string(value, *slot);
    return true;
  });
  // On-Demand reports trailing garbage and truncation only at the end.
  if (!sound || !json_read::finished(doc)) {
    error = "the credential JSON is malformed; " + std::string(kTokenFileHint);
    return false;
  }
  return true;
}

AuthMethod pick_auth_method(const Fields& f, bool has_client) {
  if (iequals(f.auth_method, "social")) return AuthMethod::social;
  if (iequals(f.auth_method, "idc") || iequals(f.auth_method, "builder-id") || iequals(f.auth_method, "builderid") ||
      iequals(f.auth_method, "iam") || iequals(f.auth_method, "aws_sso_oidc")) {
    return AuthMethod::idc;
  }
  return has_client ? AuthMethod::idc : AuthMethod::social;
}

CredentialParseResult failure(std::string message) {
  CredentialParseResult r;
  r.error = std::move(message);
  return r;
}

CredentialParseResult parse_bare_token(std::string_view token) {
  if (token.size() >= 2 && (token.front() == '"' || token.front() == '\'') && token.back() == token.front()) {
    token = trim(token.substr(1, token.size() - 2));
  }
  if (starts_with(token, "aoa")) return failure(access_token_refusal());
  if (starts_with(token, "ksk_")) {
    return failure("Kiro API keys (ksk_…) are not supported; " + std::string(kTokenFileHint));
  }
  if (!starts_with(token, "aor")) {
    return failure("not a Kiro refresh token (they start with \"aor\"); " + std::string(kTokenFileHint));
  }
  if (!is_token_text(token)) return failure("the refresh token contains spaces or control characters");
  CredentialParseResult r;
  r.ok = true;
  r.credential.refresh_token = std::string(token);
  return r;
}

}  // namespace

const char* auth_method_name(AuthMethod method) { return method == AuthMethod::idc ? "IdC" : "social"; }

bool Credential::access_token_fresh(int64_t now_ms, int64_t margin_ms) const {
  return !access_token.empty() && access_token_expires_at_ms > now_ms + margin_ms;
}

bool is_valid_region(std::string_view region) {
  if (region.empty() || region.size() > 32) return false;
  for (char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

CredentialParseResult parse_credential(std::string_view pasted) {
  const std::string_view text = trim(pasted);
  if (text.empty()) return failure("the credential is empty; " + std::string(kTokenFileHint));
  if (text.front() != '{') return parse_bare_token(text);

  std::vector<std::string_view> objects;
  if (!split_objects(text, objects)) return failure("the credential JSON is malformed; " + std::string(kTokenFileHint));

  // The token file carries the refresh token; a registration file only adds
  // the IdC client, and its own expiresAt (the registration's) is ignored.
  json_read::Input input;
  Fields token;
  std::string client_id, client_secret;
  bool have_token = false;
  for (std::string_view object : objects) {
    Fields f;
    std::string error;
    if (!read_fields(input, object, f, error)) return failure(error);
    if (!f.refresh_token.empty() && !have_token) {
      token = f;
      have_token = true;
    } else if (!f.refresh_token.empty()) {
      return failure("the pasted text holds more than one refresh token; paste one credential at a time");
    } else if (!f.access_token.empty() && !have_token) {
      token = f;  // only an access token: refused below with a precise message
    }
    if (client_id.empty() && !f.client_id.empty()) client_id = f.client_id;
    if (client_secret.empty() && !f.client_secret.empty()) client_secret = f.client_secret;
  }

  if (token.refresh_token.empty()) {
    if (!token.access_token.empty()) return failure(access_token_refusal());
    return failure("the credential JSON has no refreshToken; " + std::string(kTokenFileHint));
  }
  if (starts_with(token.refresh_token, "aoa")) return failure(access_token_refusal());
  if (!is_token_text(token.refresh_token)) return failure("the refreshToken contains spaces or control characters");

  Credential c;
  c.refresh_token = token.refresh_token;
  c.client_id = client_id;
  c.client_secret = client_secret;
  c.auth_method = pick_auth_method(token, !client_id.empty() && !client_secret.empty());
  const std::string& region = !token.auth_region.empty() ? token.auth_region : token.region;
  if (!region.empty()) c.region = region;
  c.api_region = token.api_region;
  if (!is_valid_region(c.region)) return failure("the region \"" + c.region + "\" is not an AWS region name");
  if (!c.api_region.empty() && !is_valid_region(c.api_region)) {
    return failure("the apiRegion \"" + c.api_region + "\" is not an AWS region name");
  }
  c.profile_arn = token.profile_arn;
  if (is_token_text(token.access_token)) c.access_token = token.access_token;
  if (!token.expires_at.empty()) {
    int64_t ms;
    if (parse_iso8601_ms(token.expires_at, ms)) c.access_token_expires_at_ms = ms;
  } else if (token.expires_at_number > 0) {
    // Seconds or milliseconds since the epoch; 1e11 s is the year 5138.
    const double n = token.expires_at_number;
    c.access_token_expires_at_ms = int64_t(n < 1e11 ? n * 1000.0 : n);
  }
  c.provider = token.provider;
  c.client_id_hash = token.client_id_hash;
  c.machine_id = token.machine_id;

  if (c.auth_method == AuthMethod::idc && (c.client_id.empty() || c.client_secret.empty())) {
    std::string file = c.client_id_hash.empty() ? "<clientIdHash>" : c.client_id_hash;
    return failure("an IdC (Builder ID / Identity Center) login also needs clientId and clientSecret, found in "
                   "~/.aws/sso/cache/" + file + ".json; paste that file's JSON right after kiro-auth-token.json");
  }

  CredentialParseResult r;
  r.ok = true;
  r.credential = std::move(c);
  return r;
}

std::string serialize_credential(const Credential& c) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (!c.access_token.empty()) j["accessToken"] = c.access_token;
  j["refreshToken"] = c.refresh_token;
  if (!c.profile_arn.empty()) j["profileArn"] = c.profile_arn;
  if (c.access_token_expires_at_ms > 0) j["expiresAt"] = format_iso8601_ms(c.access_token_expires_at_ms);
  j["authMethod"] = auth_method_name(c.auth_method);
  if (!c.provider.empty()) j["provider"] = c.provider;
  if (!c.client_id_hash.empty()) j["clientIdHash"] = c.client_id_hash;
  j["region"] = c.region;
  if (!c.api_region.empty()) j["apiRegion"] = c.api_region;
  if (!c.client_id.empty()) j["clientId"] = c.client_id;
  if (!c.client_secret.empty()) j["clientSecret"] = c.client_secret;
  if (!c.machine_id.empty()) j["machineId"] = c.machine_id;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string api_region(const Credential& c) {
  if (!c.api_region.empty()) return c.api_region;
  // arn:aws:codewhisperer:<region>:<account>:profile/<id>
  std::string_view arn = c.profile_arn;
  size_t field = 0, start = 0;
  for (size_t i = 0; i <= arn.size(); ++i) {
    if (i == arn.size() || arn[i] == ':') {
      if (field == 3) {
        std::string_view region = arn.substr(start, i - start);
        if (is_valid_region(region)) return std::string(region);
        break;
      }
      ++field;
      start = i + 1;
    }
  }
  return std::string(kDefaultRegion);
}

}  // namespace keyaos::kiro
