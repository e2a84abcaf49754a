#include "protocols/google_v1internal/product.h"

namespace keyaos::google_v1internal {

std::string_view product_name(Product product) {
  return product == Product::antigravity ? "antigravity" : "gemini-cli";
}

bool parse_product(std::string_view name, Product& product) {
  if (name == "gemini-cli" || name == "gemini_cli" || name == "gemini") {
    product = Product::gemini_cli;
    return true;
  }
  if (name == "antigravity") {
    product = Product::antigravity;
    return true;
  }
  return false;
}

}  // namespace keyaos::google_v1internal
