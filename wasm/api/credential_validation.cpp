#include "api/credential_validation.h"

#include "core/text.h"
#include "protocols/openai/errors.h"

namespace keyaos::api {
namespace {

Json key_headers(const catalog::ProviderDef& def, const std::string& secret) {
  Json headers = {{"accept", "application/json"}, {"authorization", "Bearer " + secret}};
  for (const auto& [k, v] : def.extra_headers) headers[ascii_lower(k)] = v;
  return headers;
}

FetchRequest keyed_get(const Gateway& gw, std::string url, const catalog::ProviderDef& def, const std::string& secret, Json credential) {
  FetchRequest request;
  request.url = std::move(url);
  request.headers = key_headers(def, secret);
  request.headers_timeout_ms = gw.config().timeouts.headers_ms;
  request.credential = std::move(credential);
  return request;
}

}  // namespace

bool is_bearer_key(const catalog::ProviderDef& def) {
  if (def.protocol != catalog::Protocol::openai) return false;
  return def.auth.kind == catalog::AuthKind::bearer;
}

Action validation_fetch(const Gateway& gw, const catalog::ProviderDef& def, const std::string& secret, Json credential) {
  const std::string base = gw.base_url(def);
  if (def.validation.method == catalog::ValidationMethod::get)
    return fetch_action(keyed_get(gw, base + def.validation.path, def, secret, std::move(credential)));
  FetchRequest chat = keyed_get(gw, base + "/chat/completions", def, secret, std::move(credential));
  chat.method = "POST";
  chat.headers["content-type"] = "application/json";
  chat.body = dump_json({{"model", def.validation.model},
                         {"messages", Json::array({{{"role", "user"}, {"content", "."}}})},
                         {"max_tokens", 1},
                         {"stream", false}});
  return fetch_action(std::move(chat));
}

Action balance_fetch(const Gateway& gw, const catalog::ProviderDef& def, const std::string& secret) {
  return fetch_action(keyed_get(gw, gw.base_url(def) + (def.credits ? def.credits->path : std::string()), def, secret, nullptr));
}

KeyVerdict key_verdict(int status) {
  if ((status >= 200 && status < 300) || status == 429) return KeyVerdict::valid;
  if (status == 401 || status == 402 || status == 403) return KeyVerdict::rejected;
  return KeyVerdict::unknown;
}

ApiError validation_error(const catalog::ProviderDef& def, KeyVerdict verdict, int status, std::string_view body, int64_t now_ms) {
  std::string upstream = openai::classify_http_error(status, body, "", now_ms).message;
  if (upstream.empty()) upstream = "HTTP " + std::to_string(status);
  if (verdict == KeyVerdict::rejected)
    return ApiError::bad_request(def.name + " rejected this credential: " + upstream, "invalid_credential", "secret");
  return {502,
          "Could not confirm the credential with " + def.name + " (HTTP " + std::to_string(status) + ": " + upstream +
              "). Try again, or add it with \"validate\": false.",
          "upstream_error", "credential_check_failed", {}};
}

}  // namespace keyaos::api
