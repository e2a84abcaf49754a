#pragma once
#include <memory>

#include "api/chat.h"

namespace keyaos::api {

inline constexpr const char* kApiKeyPrefix = "sk-keyaos-";

// /api/api-keys: keys for /v1 clients, stored as SHA-256 hashes and shown once.
std::unique_ptr<Task> make_api_keys_task(Gateway& gateway, HttpRequest request, Caller caller);

}  // namespace keyaos::api
