#pragma once
#include "protocols/common/client_protocol.h"

namespace keyaos::openai {

// OpenAI chat completions, the engine's own language: the client's body is
// the chat request and the engine's answer is the client's.
class ChatClient final : public ClientProtocol {
 public:
  std::string_view name() const override { return "chat"; }
  bool is_chat() const override { return true; }
  bool map_request(std::string_view client_body, std::string& chat_body, ApiError&) override {
    chat_body.assign(client_body);
    return true;
  }
  std::string render_body(std::string_view chat_completion, const Usage&, const ClientResponseContext&) override {
    return std::string(chat_completion);
  }
  // Never asked: the engine's stream is the client's.
  std::unique_ptr<ClientStreamWriter> stream_writer(const ClientResponseContext&) override { return nullptr; }
  std::string error_body(const ApiError& error) const override { return error.body(); }
};

}  // namespace keyaos::openai
