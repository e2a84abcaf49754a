#include "protocols/kiro/token_refresh.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/json_read.h"

namespace keyaos::kiro {

namespace {

constexpr int64_t kDefaultExpiresInS = 3600;  // when the service omits expiresIn

std::string origin_or(std::string_view override_origin, std::string fallback) {
  std::string origin = override_origin.empty() ? std::move(fallback) : std::string(override_origin);
  while (!origin.empty() && origin.back() == '/') origin.pop_back();
  return origin;
}

bool contains(std::string_view haystack, std::string_view needle) { return haystack.find(needle) != std::string_view::npos; }


RefreshOutcome failed(ErrorClass cls, int status, std::string message, std::string code, bool dead) {
  RefreshOutcome r;
  r.credential_dead = dead;
  r.error.error_class = cls;
  r.error.http_status = status;
  r.error.message = std::move(message);
  r.error.code = std::move(code);
  switch (cls) {
    case ErrorClass::auth: r.error.type = "authentication_error"; break;
    case ErrorClass::rate_limited: r.error.type = "rate_limit_error"; break;
    default: r.error.type = "upstream_error"; break;
  }
  return r;
}

}  // namespace

bool build_refresh_request(const Credential& c, const RefreshOptions& options, UpstreamRequest& out, std::string& error) {
  if (c.refresh_token.empty()) {
    error = "the credential has no refresh token";
    return false;
  }
  if (!is_valid_region(c.region)) {
    error = "the credential's region is not an AWS region name";
    return false;
  }
  out = UpstreamRequest{};
  out.method = "POST";
  if (c.auth_method == AuthMethod::social) {
    const std::string_view machine_id = options.machine_id.empty() ? std::string_view(c.machine_id) : options.machine_id;
    if (!is_header_safe_id(machine_id)) {
      error = "a social-login refresh needs a machine id (hex digits)";
      return false;
    }
    out.url = origin_or(options.token_origin, "https://prod." + c.region + ".auth.desktop.kiro.dev") + "/refreshToken";
    out.headers = {
        {"Content-Type", "application/json"},
        {"Accept", "application/json, text/plain, */*"},
        {"User-Agent", "KiroIDE-" + std::string(options.kiro_version) + "-" + std::string(machine_id)},
    };
    nlohmann::ordered_json body = {{"refreshToken", c.refresh_token}};
    out.body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    return true;
  }

  if (c.client_id.empty() || c.client_secret.empty()) {
    error = "an IdC refresh needs the clientId and clientSecret of the client registration";
    return false;
  }
  if (!is_header_safe_id(options.invocation_id)) {
    error = "an IdC refresh needs an invocation id (a UUID)";
    return false;
  }
  const std::string sdk(kOidcSdkVersion);
  out.url = origin_or(options.token_origin, "https://oidc." + c.region + ".amazonaws.com") + "/token";
  out.headers = {
      {"Content-Type", "application/json"},
      {"x-amz-user-agent", "aws-sdk-js/" + sdk + " KiroIDE"},
      {"User-Agent", "aws-sdk-js/" + sdk + " " + std::string(kUserAgentPlatform) + " api/sso-oidc#" + sdk + " m/E KiroIDE"},
      {"amz-sdk-invocation-id", std::string(options.invocation_id)},
      {"amz-sdk-request", "attempt=1; max=4"},
  };
  nlohmann::ordered_json body = nlohmann::ordered_json::object();
  body["clientId"] = c.client_id;
  body["clientSecret"] = c.client_secret;
  body["refreshToken"] = c.refresh_token;
  body["grantType"] = "refresh_token";
  out.body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return true;
}

RefreshOutcome parse_refresh_response(int http_status, std::string_view body, int64_t now_ms) {
  // Fields shared by both services' success and error shapes.
  std::string access_token, refresh_token, profile_arn, error_code, error_text, message;
  double expires_in = -1;
  json_read::Input input;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  bool json_ok = !input.parse(body, doc) && !doc.get_object().get(obj);
  if (json_ok) {
    json_ok = json_read::each_member(obj, [&](std::string_view key, simdjson::ondemand::value& value) {
      if (key == "accessToken" || key == "access_token") json_read::string(value, access_token);
      else if (key == "refreshToken" || key == "refresh_token") json_read::string(value, refresh_token);
      else if (key == "profileArn") json_read::string(value, profile_arn);
      else if (key == "expiresIn" || key == "expires_in") json_read::number(value, expires_in);
      else if (key == "error") json_read::string(value, error_code);
      else if (key == "error_description") json_read::string(value, error_text);
      else if (key == "message" || key == "Message") json_read::string(value, message);
      return true;
    });
  }
  if (error_text.empty()) error_text = message;

  if (http_status >= 200 && http_status < 300) {
    if (!json_ok || access_token.empty()) {
      return failed(ErrorClass::server, 502, "the token service answered without an accessToken", "", false);
    }
    if (!is_token_text(access_token) || (!refresh_token.empty() && !is_token_text(refresh_token))) {
      return failed(ErrorClass::server, 502, "the token service answered with a malformed token", "", false);
    }
    RefreshOutcome r;
    r.ok = true;
    r.access_token = std::move(access_token);
    r.refresh_token = std::move(refresh_token);
    r.profile_arn = std::move(profile_arn);
    const double seconds = expires_in > 0 && std::isfinite(expires_in) && expires_in < 1e9 ? expires_in : kDefaultExpiresInS;
    r.expires_at_ms = now_ms + int64_t(seconds * 1000.0);
    return r;
  }

  const std::string detail = error_text.empty() ? std::string(body.substr(0, 200)) : error_text;
  // SSO-OIDC and Kiro's auth service both say invalid_grant for a revoked or
  // expired refresh token; invalid_client means the IdC registration expired.
  const bool dead_grant = error_code == "invalid_grant" || error_code == "invalid_client" ||
                          error_code == "unauthorized_client" || contains(body, "invalid_grant") ||
                          contains(body, "Invalid refresh token");
  if (dead_grant || http_status == 401 || http_status == 403) {
    return failed(ErrorClass::auth, 401, "Kiro credential refresh refused: " + detail,
                  error_code.empty() ? "invalid_grant" : error_code, true);
  }
  if (http_status == 429) return failed(ErrorClass::rate_limited, 429, "Kiro token service throttled: " + detail, error_code, false);
  if (http_status >= 500) return failed(ErrorClass::server, 502, "Kiro token service failed: " + detail, error_code, false);
  return failed(ErrorClass::auth, 401, "Kiro credential refresh failed (HTTP " + std::to_string(http_status) + "): " + detail,
                error_code, false);
}

bool apply_refresh(Credential& c, const RefreshOutcome& outcome) {
  if (!outcome.ok) return false;
  bool persist = false;
  c.access_token = outcome.access_token;
  c.access_token_expires_at_ms = outcome.expires_at_ms;
  if (!outcome.refresh_token.empty() && outcome.refresh_token != c.refresh_token) {
    c.refresh_token = outcome.refresh_token;
    persist = true;
  }
  if (!outcome.profile_arn.empty() && outcome.profile_arn != c.profile_arn) {
    c.profile_arn = outcome.profile_arn;
    persist = true;
  }
  return persist;
}

}  // namespace keyaos::kiro
