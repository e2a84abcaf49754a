#include "protocols/anthropic/messages_protocol.h"

#include "protocols/anthropic/body_renderer.h"
#include "protocols/anthropic/errors.h"
#include "protocols/anthropic/stream_writer.h"

namespace keyaos::anthropic {

AnthropicMessages::AnthropicMessages(ModelRouter router) : router_(std::move(router)) {}

bool AnthropicMessages::map_request(std::string_view client_body, std::string& chat_body, ApiError& error) {
  MapOptions options;
  options.route_models = router_;
  if (!map_messages_request(client_body, mapped_, error, options)) return false;
  *names_ = mapped_.tool_names;
  chat_body = mapped_.chat_body;
  return true;
}

// The answer names the model the client asked for, not the catalogue model it was routed to.
std::string AnthropicMessages::render_body(std::string_view chat_completion, const Usage& usage, const ClientResponseContext& context) {
  return render_message(chat_completion, usage, "msg_" + context.nonce, mapped_.model.empty() ? context.model : mapped_.model,
                        names_.get(), mapped_.stop_sequences);
}

std::unique_ptr<ClientStreamWriter> AnthropicMessages::stream_writer(const ClientResponseContext& context) {
  return std::make_unique<StreamWriter>("msg_" + context.nonce, mapped_.model.empty() ? context.model : mapped_.model, names_,
                                        mapped_.stop_sequences);
}

std::string AnthropicMessages::error_body(const ApiError& error) const {
  return anthropic::error_body(error, mapped_.chat_body.empty() ? 0 : estimate_input_tokens(mapped_));
}

int AnthropicMessages::error_status(const ApiError& error) const {
  // Claude Code compacts the conversation only on a 400 that says so.
  if (is_context_length_error(error)) return 400;
  return error.status;
}

}  // namespace keyaos::anthropic
