#pragma once
#include <string>
#include <string_view>

#include "protocols/kiro/client_identity.h"
#include "protocols/kiro/credentials.h"
#include "protocols/common/upstream_request.h"

namespace keyaos::kiro {

struct ApiRequestOptions {
  std::string_view api_origin;     // replaces https://q.<region>.amazonaws.com, e.g. for a mock
  std::string_view machine_id;     // 64 hex chars, stable per credential
  std::string_view invocation_id;  // a fresh UUID per request
  std::string_view kiro_version = kKiroVersion;
};

// https://q.<region>.amazonaws.com/generateAssistantResponse, the region being
// the credential's API region.
std::string generate_url(const Credential& credential, std::string_view api_origin = {});

// Headers of a generateAssistantResponse call, in the Kiro IDE's order. Host
// and Connection are left to the HTTP client, which derives or owns them.
// Returns an empty list when an id or the token is unfit for a header.
HeaderList api_headers(std::string_view access_token, const ApiRequestOptions& options);

// The whole call: URL, headers and the mapped body.
bool build_generate_request(const Credential& credential, std::string body, const ApiRequestOptions& options,
                            UpstreamRequest& out, std::string& error);

}  // namespace keyaos::kiro
