#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "protocols/common/upstream_request.h"
#include "protocols/google_v1internal/product.h"

// Hosts, method URLs and request headers of the Code Assist API.
namespace keyaos::google_v1internal {

inline constexpr std::string_view kProductionBaseUrl = "https://cloudcode-pa.googleapis.com";
inline constexpr std::string_view kDailyBaseUrl = "https://daily-cloudcode-pa.googleapis.com";
inline constexpr std::string_view kDailySandboxBaseUrl = "https://daily-cloudcode-pa.sandbox.googleapis.com";

// Hosts in the order to try them; the first that answers loadCodeAssist is
// remembered with the credential (Credentials::base_url).
std::vector<std::string_view> base_urls(Product product);

// "/v1internal:streamGenerateContent?alt=sse" or "/v1internal:generateContent".
std::string_view generate_path(bool stream);
// <base>/v1internal:<method>, e.g. method "loadCodeAssist".
std::string method_url(std::string_view base_url, std::string_view method);
std::string generate_url(std::string_view base_url, bool stream);
// Long-running operation poll: GET <base>/v1internal/<operation name>.
std::string operation_url(std::string_view base_url, std::string_view operation_name);

// How the gateway introduces itself; defaults match the published clients.
struct ClientIdentity {
  std::string gemini_cli_version = "0.9.0";
  std::string platform = "linux";  // process.platform of gemini-cli
  std::string arch = "x64";
  std::string surface = "terminal";
  std::string antigravity_version = "2.9.1";  // servers refuse newer models below 2.9.0
};

// Headers of a generate call (name/value pairs, in sending order).
HeaderList generate_headers(Product product, std::string_view access_token, std::string_view model,
                                     const ClientIdentity& identity = {});
// Headers of control-plane calls (loadCodeAssist, onboardUser, fetchAvailableModels).
HeaderList control_plane_headers(Product product, std::string_view access_token,
                                          const ClientIdentity& identity = {});

}  // namespace keyaos::google_v1internal
