#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace keyaos::store {

// SQL literals, for the few statements that must inline values because D1
// allows at most 100 bound parameters per statement (bulk catalogue upserts).
std::string quote(std::string_view text);
std::string number_or_null(const std::optional<double>& value);

}  // namespace keyaos::store
