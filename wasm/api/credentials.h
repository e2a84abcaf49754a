#pragma once
#include <memory>

#include "api/chat.h"

namespace keyaos::api {

// /api/credentials: add (encrypted at rest), list (hints only), delete.
std::unique_ptr<Task> make_credentials_task(Gateway& gateway, HttpRequest request, Caller caller);

// The last few characters of a secret (see tail_hint), for /api views only.
std::string secret_hint(const std::string& secret);

}  // namespace keyaos::api
