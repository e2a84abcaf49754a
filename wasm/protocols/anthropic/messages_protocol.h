#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "protocols/anthropic/request_mapper.h"
#include "protocols/common/client_protocol.h"

namespace keyaos::anthropic {

// The models to route a client's model name to, in order (the first is
// `model`, the rest the chat body's `models` fallbacks).
using ModelRouter = std::function<std::vector<std::string>(const std::string& client_model)>;

// POST /v1/messages as a ClientProtocol: Anthropic Messages in, the engine's
// OpenAI chat answer rendered back as an Anthropic message or SSE stream.
class AnthropicMessages : public ClientProtocol {
 public:
  explicit AnthropicMessages(ModelRouter router = {});

  std::string_view name() const override { return "messages"; }
  bool map_request(std::string_view client_body, std::string& chat_body, ApiError& error) override;
  std::vector<OptionalChatMember> optional_members() const override { return reasoning_effort_is_optional(); }
  std::string render_body(std::string_view chat_completion, const Usage& usage, const ClientResponseContext& context) override;
  std::unique_ptr<ClientStreamWriter> stream_writer(const ClientResponseContext& context) override;
  std::string error_body(const ApiError& error) const override;
  int error_status(const ApiError& error) const override;

  const MappedRequest& mapped() const { return mapped_; }

 private:
  ModelRouter router_;
  MappedRequest mapped_;
  std::shared_ptr<ToolNames> names_ = std::make_shared<ToolNames>();
};

}  // namespace keyaos::anthropic
