#pragma once
#include <memory>

#include "api/caller.h"
#include "api/http.h"
#include "core/gateway.h"
#include "core/task.h"
#include "protocols/anthropic/messages_protocol.h"

namespace keyaos::api {

// The Anthropic protocol object for one /v1/messages request, routing model
// names through the owner's aliases once the task has loaded them.
struct MessagesClient {
  std::shared_ptr<std::map<std::string, std::string>> aliases = std::make_shared<std::map<std::string, std::string>>();
  std::shared_ptr<anthropic::AnthropicMessages> protocol;
};
MessagesClient make_messages_client();

// POST /v1/messages: loads the owner's model aliases (cached), then runs the
// chat task with the Anthropic protocol.
std::unique_ptr<Task> make_messages_task(Gateway& gateway, HttpRequest request, Caller caller, MessagesClient client);
// POST /v1/messages/count_tokens: {"input_tokens": N}, the upstream's own
// count when the model's cheapest candidate has one (Google countTokens),
// else estimated from the mapped chat body (anthropic::estimate_input_tokens);
// the header x-keyaos-token-count names the provider or says "estimate".
std::unique_ptr<Task> make_count_tokens_task(Gateway& gateway, HttpRequest request, Caller caller);

}  // namespace keyaos::api
