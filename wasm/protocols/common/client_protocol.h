#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/api_error.h"
#include "core/json.h"
#include "protocols/common/upstream_error.h"
#include "protocols/common/usage.h"

namespace keyaos {

// The API a client speaks to the gateway (OpenAI chat, Anthropic Messages,
// OpenAI Responses). The engine itself works in one language, OpenAI chat
// completions: an inbound request is mapped to a chat body once, routed,
// failed over and billed as any chat request, and the engine's answer (the
// upstream translators' OpenAI `chat.completion.chunk` SSE, or a whole
// `chat.completion`) is rendered back in the client's API. One object per
// request, so what the request mapping learnt (shortened tool names, the
// client's model name) is there when the answer is rendered.

// What a renderer knows about the response it writes.
struct ClientResponseContext {
  std::string nonce;  // the request's random hex: ids are built from it ("msg_<nonce>", "resp_<nonce>")
  std::string model;  // the model name the client asked for
  int64_t created_s = 0;
  int64_t now_ms = 0;
};

// Renders the engine's OpenAI SSE as the client's stream, incrementally.
class ClientStreamWriter {
 public:
  virtual ~ClientStreamWriter() = default;

  // Opening frames sent when the response is committed, before any content
  // (Anthropic `message_start`, Responses `response.created`). May be empty.
  virtual void open(std::string& out) = 0;
  // Whole `data: …\n\n` events of the engine's OpenAI chunk stream (never a
  // partial event). `data: [DONE]` and error events may appear; the writer
  // ignores them: the task calls finish() or fail().
  virtual void feed(std::string_view openai_sse, std::string& out) = 0;
  // The answer is complete; `usage` is the request's billed usage.
  // Appends the terminal frames (Anthropic `message_delta` + `message_stop`,
  // Responses `response.completed` / `response.incomplete`).
  virtual void finish(const Usage& usage, std::string& out) = 0;
  // The stream failed after it was committed: the terminal error frame in the
  // client's shape (`error` is already what the client may see).
  virtual void fail(const UpstreamError& error, std::string& out) = 0;
  // A frame to send while the upstream is silent, or nothing.
  virtual void keepalive(std::string& out) { (void)out; }
};

// A member the mapping put in the chat body as a best-effort translation of
// the client's wish (Anthropic `thinking`, the Responses `reasoning.effort`
// → `reasoning_effort`), with the words an upstream's refusal of it names.
// The client never asked for this exact parameter, so an upstream that
// refuses it gets the request once more without it rather than a failure.
struct OptionalChatMember {
  std::string_view name;           // top-level member of the chat body
  std::string_view refusal_words;  // lower case, space-separated: an upstream error naming one refers to it
};

// `thinking` (Anthropic) and `reasoning.effort` (Responses) both become
// `reasoning_effort`, which models without reasoning may refuse.
inline std::vector<OptionalChatMember> reasoning_effort_is_optional() { return {{"reasoning_effort", "reasoning_effort reasoning thinking"}}; }

class ClientProtocol {
 public:
  virtual ~ClientProtocol() = default;

  // Recorded on the request's log row: "chat", "messages", "responses".
  virtual std::string_view name() const = 0;

  // Maps the client's body to an OpenAI /v1/chat/completions body. Returns
  // false and fills `error` (its status and message; error_body() shapes it)
  // when the body is not a valid request of this API.
  virtual bool map_request(std::string_view client_body, std::string& chat_body, ApiError& error) = 0;
  // True when the client's body is already a chat body (no mapping, no copy).
  virtual bool is_chat() const { return false; }
  // The members of the mapped body an upstream may refuse (see OptionalChatMember).
  virtual std::vector<OptionalChatMember> optional_members() const { return {}; }

  // The whole engine answer (`chat.completion` JSON) rendered for the client.
  virtual std::string render_body(std::string_view chat_completion, const Usage& usage, const ClientResponseContext& context) = 0;
  virtual std::unique_ptr<ClientStreamWriter> stream_writer(const ClientResponseContext& context) = 0;

  // An error answered before any response byte (status may be remapped,
  // headers such as retry-after added), in the client's API shape.
  virtual std::string error_body(const ApiError& error) const = 0;
  virtual int error_status(const ApiError& error) const { return error.status; }
};

}  // namespace keyaos
