#pragma once
#include <memory>
#include <string>

#include "api/caller.h"
#include "api/http.h"
#include "core/gateway.h"
#include "core/task.h"
#include "protocols/common/client_protocol.h"

namespace keyaos::api {

// A chat request from a client speaking `client`'s API (/v1/chat/completions,
// /v1/messages, /v1/responses): map, rank, try, fail over, stream, bill.
std::unique_ptr<Task> make_chat_task(Gateway& gateway, HttpRequest request, Caller caller,
                                     std::shared_ptr<ClientProtocol> client);

}  // namespace keyaos::api
