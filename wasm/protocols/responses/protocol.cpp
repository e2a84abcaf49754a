#include "protocols/responses/protocol.h"

#include "protocols/responses/body_renderer.h"
#include "protocols/responses/request_mapper.h"
#include "protocols/responses/stream_writer.h"

namespace keyaos::responses {

bool OpenAIResponses::map_request(std::string_view client_body, std::string& chat_body, ApiError& error) {
  MappedRequest mapped;
  if (!responses::map_request(client_body, mapped, error)) return false;
  chat_body = std::move(mapped.chat_body);
  tools_ = std::move(mapped.tools);
  return true;
}

std::string OpenAIResponses::render_body(std::string_view chat_completion, const Usage& usage, const ClientResponseContext& context) {
  return responses::render_body(chat_completion, usage, context, tools_);
}

std::unique_ptr<ClientStreamWriter> OpenAIResponses::stream_writer(const ClientResponseContext& context) {
  return std::make_unique<StreamWriter>(context, tools_);
}

}  // namespace keyaos::responses
