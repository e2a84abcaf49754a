#include "protocols/google_v1internal/endpoints.h"

namespace keyaos::google_v1internal {

std::vector<std::string_view> base_urls(Product product) {
  if (product == Product::antigravity) return {kDailyBaseUrl, kProductionBaseUrl, kDailySandboxBaseUrl};
  return {kProductionBaseUrl};
}

std::string_view generate_path(bool stream) {
  return stream ? "/v1internal:streamGenerateContent?alt=sse" : "/v1internal:generateContent";
}

std::string method_url(std::string_view base_url, std::string_view method) {
  std::string url(base_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/v1internal:";
  url += method;
  return url;
}

std::string generate_url(std::string_view base_url, bool stream) {
  std::string url(base_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += generate_path(stream);
  return url;
}

std::string operation_url(std::string_view base_url, std::string_view operation_name) {
  std::string url(base_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/v1internal/";
  while (!operation_name.empty() && operation_name.front() == '/') operation_name.remove_prefix(1);
  url += operation_name;
  return url;
}

namespace {

std::string bearer(std::string_view access_token) { return "Bearer " + std::string(access_token); }

std::string antigravity_user_agent(const ClientIdentity& identity) {
  return "antigravity/hub/" + identity.antigravity_version + " darwin/arm64";
}

// GeminiCLI/<version>/<model> (<platform>; <arch>; <surface>)
std::string gemini_cli_user_agent(const ClientIdentity& identity, std::string_view model) {
  std::string ua = "GeminiCLI/" + identity.gemini_cli_version;
  if (!model.empty()) {
    ua += '/';
    ua += model;
  }
  ua += " (" + identity.platform + "; " + identity.arch + "; " + identity.surface + ")";
  return ua;
}

}  // namespace

HeaderList generate_headers(Product product, std::string_view access_token, std::string_view model,
                                     const ClientIdentity& identity) {
  std::string ua = product == Product::antigravity ? antigravity_user_agent(identity)
                                                   : gemini_cli_user_agent(identity, model);
  return {{"Authorization", bearer(access_token)}, {"Content-Type", "application/json"}, {"User-Agent", ua}};
}

HeaderList control_plane_headers(Product product, std::string_view access_token,
                                          const ClientIdentity& identity) {
  if (product == Product::antigravity) {
    return {{"Authorization", bearer(access_token)},
            {"Content-Type", "application/json"},
            {"User-Agent", antigravity_user_agent(identity) + " google-api-nodejs-client/10.3.0"},
            {"X-Goog-Api-Client", "gl-node/22.21.1"}};
  }
  return {{"Authorization", bearer(access_token)},
          {"Content-Type", "application/json"},
          {"User-Agent", gemini_cli_user_agent(identity, {})}};
}

}  // namespace keyaos::google_v1internal
