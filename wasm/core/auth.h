#pragma once
#include <string>
#include <string_view>

#include "core/json.h"

namespace keyaos {

// The bearer token of a request: `Authorization: Bearer <t>` or `x-api-key: <t>`.
std::string request_token(const Json& headers);

// Compares without an early exit, so timing reveals nothing about the secret.
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace keyaos
