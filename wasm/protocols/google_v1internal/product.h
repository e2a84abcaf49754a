#pragma once
#include <string_view>

namespace keyaos::google_v1internal {

// The two Google clients that speak the Code Assist "v1internal" protocol.
// They share the wire format but differ in OAuth client, hosts and headers.
enum class Product { gemini_cli, antigravity };

// "gemini-cli" / "antigravity", as stored with a credential.
std::string_view product_name(Product product);
// Accepts the names above (and "gemini" for the CLI); false when unknown.
bool parse_product(std::string_view name, Product& product);

}  // namespace keyaos::google_v1internal
