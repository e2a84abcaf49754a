#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "protocols/common/client_protocol.h"
#include "protocols/responses/tool_names.h"

namespace keyaos::responses {

// POST /v1/responses (Codex CLI, the OpenAI SDKs' responses.create/stream):
// the request is mapped to a chat body once; the answer is rendered back as
// Responses events or a `response` object, with tool names mapped back.
class OpenAIResponses : public ClientProtocol {
 public:
  std::string_view name() const override { return "responses"; }
  bool map_request(std::string_view client_body, std::string& chat_body, ApiError& error) override;
  std::vector<OptionalChatMember> optional_members() const override { return reasoning_effort_is_optional(); }
  std::string render_body(std::string_view chat_completion, const Usage& usage, const ClientResponseContext& context) override;
  std::unique_ptr<ClientStreamWriter> stream_writer(const ClientResponseContext& context) override;
  std::string error_body(const ApiError& error) const override { return error.body(); }

 private:
  ToolNames tools_;
};

}  // namespace keyaos::responses
