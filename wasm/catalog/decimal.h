#pragma once
#include <string_view>

namespace keyaos::catalog {

// Parses a JSON-style decimal number ("0.0000003", "15", "1.5e-7", "-1") and
// multiplies it by 10^scale_exponent without any binary rounding in between:
// the digits are shifted in text, then rounded once to the nearest double.
// So "0.0000003" with scale 6 gives exactly the double the literal 0.3 gives.
// Returns false when the text is not a plain decimal number.
bool parse_decimal_scaled(std::string_view text, int scale_exponent, double& out);

}  // namespace keyaos::catalog
