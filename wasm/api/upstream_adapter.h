#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "catalog/provider.h"
#include "core/continuation.h"
#include "core/gateway.h"
#include "core/io.h"
#include "protocols/common/stream_translator.h"
#include "protocols/common/upstream_error.h"
#include "protocols/common/upstream_request.h"
#include "protocols/common/usage.h"
#include "protocols/openai/chat_request.h"
#include "routing/types.h"

namespace keyaos::api {

// One attempt of a chat request on one candidate (offering x credential).
struct AttemptContext {
  Gateway* gw = nullptr;
  const catalog::ProviderDef* def = nullptr;
  routing::Credential credential;
  routing::Offering offering;
  const openai::ChatRequest* chat = nullptr;
  std::string_view client_body;  // the client's JSON body, as received
  std::string response_id;       // "chatcmpl-…" for translated answers
  std::string nonce;             // random hex of the request, for upstream ids
  int attempt_number = 0;
  int64_t now_ms = 0;
};

// What must happen before the chat call can be sent (open the secret, refresh
// the token, discover the project, persist): either an action whose outcome
// goes back to UpstreamAdapter::advance, or the end of the preparation.
struct PrepareStep {
  enum class Kind { act, ready, failed };
  Kind kind = Kind::ready;
  Action action;        // act
  UpstreamError error;  // failed
  static PrepareStep ready() { return {}; }
  static PrepareStep fail(UpstreamError e) {
    PrepareStep s;
    s.kind = Kind::failed;
    s.error = std::move(e);
    return s;
  }
  static PrepareStep act(Action a) {
    PrepareStep s;
    s.kind = Kind::act;
    s.action = std::move(a);
    return s;
  }
};

// A non-streamed upstream answer, in OpenAI terms.
struct BodyResult {
  bool ok = false;
  std::string body;  // chat.completion JSON
  Usage usage;
  std::string served_model;
  UpstreamError error;
};

// Everything protocol-specific about talking to one upstream: the chat flow
// (ranking, failover, health, ledger, headers) stays protocol-neutral.
class UpstreamAdapter {
 public:
  virtual ~UpstreamAdapter() = default;

  virtual PrepareStep prepare(int64_t now_ms) = 0;
  // The outcome of the last PrepareStep::act.
  virtual PrepareStep advance(const Event& event);

  // The chat call itself (a `fetch` action), once prepared.
  virtual Action chat_fetch(int64_t now_ms) = 0;

  // Streams: a translator from the upstream's format to OpenAI SSE. When
  // transforms_stream() is false the upstream already speaks OpenAI SSE: its
  // bytes reach the client unchanged and the translator only watches them.
  virtual StreamTranslator& start_stream(int64_t now_ms) = 0;
  virtual bool transforms_stream() const = 0;
  // The model the upstream says it served (for the ledger), after a stream.
  virtual std::string served_model() const = 0;

  // A 2xx non-streamed answer, read whole.
  virtual BodyResult translate_body(int http_status, std::string_view body, int64_t now_ms) = 0;
  // A non-2xx answer (headers: lower-case names).
  virtual UpstreamError classify_error(int http_status, std::string_view body, const Json& headers, int64_t now_ms) = 0;

  // After an auth failure of the chat call: drops a cached access token so
  // the next attempt refreshes it. False when there is none to drop (a
  // bearer key), and then the credential is simply dead.
  virtual bool drop_access_token() { return false; }

  // Checks a dead credential again with its cheapest proof (an OAuth token
  // refresh, written back as after any refresh): ready when it passes, no
  // chat call follows. Bearer keys are checked with their `validation`.
  virtual PrepareStep revalidate(int64_t now_ms) {
    return PrepareStep::fail({ErrorClass::server, 501, "This credential has no token to refresh.", "server_error", "unsupported_protocol", -1});
  }

  // count_tokens: the upstream's own count of the request's input tokens, a
  // `fetch` sent once prepared (prepare() as for the chat call), and the
  // count read from its 2xx body (-1 when it has none). Only protocols with
  // such a method count; the others leave it to the gateway's estimate.
  virtual bool counts_tokens() const { return false; }
  virtual Action count_tokens_fetch(int64_t now_ms) { (void)now_ms; return {}; }
  virtual int64_t token_count(std::string_view body) const { (void)body; return -1; }

  // The answer reached the client in full: state worth keeping for the next
  // turn of the conversation is kept now.
  virtual void answered() {}

 protected:
  // Sub-flow helper: `act` returns the action and remembers its continuation.
  PrepareStep act(Action action, Continuation<PrepareStep>::Step k) {
    next_.set(std::move(k));
    return PrepareStep::act(std::move(action));
  }

 private:
  Continuation<PrepareStep> next_;
};

// The adapter for the provider's protocol, or nullptr when it has none.
std::unique_ptr<UpstreamAdapter> make_upstream_adapter(const AttemptContext& context);

// A `fetch` action for a request a protocol module built.
Action fetch_action(const UpstreamRequest& request, int64_t headers_timeout_ms);
// The classified failure of a fetch that got no answer (timeout, refused).
UpstreamError transport_error(const Event& event, const std::string& provider_id);

}  // namespace keyaos::api
