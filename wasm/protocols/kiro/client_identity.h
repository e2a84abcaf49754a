#pragma once
#include <string_view>

namespace keyaos::kiro {

// The Kiro IDE and AWS SDK builds whose user agents the gateway presents.
inline constexpr std::string_view kKiroVersion = "0.10.16";
inline constexpr std::string_view kStreamingSdkVersion = "1.0.27";
inline constexpr std::string_view kOidcSdkVersion = "3.980.0";
inline constexpr std::string_view kUserAgentPlatform = "ua/2.1 os/linux#6.8.0 lang/js md/nodejs#22.21.1";

// Machine ids and invocation ids end up in headers: hex digits and dashes only.
bool is_header_safe_id(std::string_view id);
// Tokens go into JSON bodies and Authorization headers: printable ASCII, no spaces.
bool is_token_text(std::string_view token);

}  // namespace keyaos::kiro
