#include "protocols/kiro/api_request.h"

#include <utility>

namespace keyaos::kiro {

std::string generate_url(const Credential& credential, std::string_view api_origin) {
  std::string origin = api_origin.empty() ? "https://q." + api_region(credential) + ".amazonaws.com" : std::string(api_origin);
  while (!origin.empty() && origin.back() == '/') origin.pop_back();
  return origin + "/generateAssistantResponse";
}

HeaderList api_headers(std::string_view access_token, const ApiRequestOptions& options) {
  if (!is_token_text(access_token) || !is_header_safe_id(options.machine_id) || !is_header_safe_id(options.invocation_id)) {
    return {};
  }
  const std::string sdk(kStreamingSdkVersion);
  const std::string kiro_ide = "KiroIDE-" + std::string(options.kiro_version) + "-" + std::string(options.machine_id);
  return {
      {"Content-Type", "application/json"},
      {"Accept", "*/*"},
      {"Authorization", "Bearer " + std::string(access_token)},
      {"x-amzn-codewhisperer-optout", "true"},
      {"x-amzn-kiro-agent-mode", "vibe"},
      {"x-amz-user-agent", "aws-sdk-js/" + sdk + " " + kiro_ide},
      {"User-Agent", "aws-sdk-js/" + sdk + " " + std::string(kUserAgentPlatform) + " api/codewhispererstreaming#" + sdk +
                         " m/E " + kiro_ide},
      {"amz-sdk-invocation-id", std::string(options.invocation_id)},
      {"amz-sdk-request", "attempt=1; max=3"},
  };
}

bool build_generate_request(const Credential& credential, std::string body, const ApiRequestOptions& options,
                            UpstreamRequest& out, std::string& error) {
  if (credential.access_token.empty()) {
    error = "the credential has no access token; refresh it first";
    return false;
  }
  HeaderList headers = api_headers(credential.access_token, options);
  if (headers.empty()) {
    error = "the access token, machine id or invocation id cannot be sent in a header";
    return false;
  }
  out.method = "POST";
  out.url = generate_url(credential, options.api_origin);
  out.headers = std::move(headers);
  out.body = std::move(body);
  return true;
}

}  // namespace keyaos::kiro
