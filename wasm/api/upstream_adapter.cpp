#include "api/upstream_adapter.h"

#include "api/adapters/google_v1internal_adapter.h"
#include "api/adapters/kiro_adapter.h"
#include "api/adapters/openai_adapter.h"
#include "core/text.h"

namespace keyaos::api {

PrepareStep UpstreamAdapter::advance(const Event& event) {
  return next_.resume(event, [] {
    return PrepareStep::fail({ErrorClass::server, 500, "upstream preparation lost its state", "server_error", "internal_error", -1});
  });
}

std::unique_ptr<UpstreamAdapter> make_upstream_adapter(const AttemptContext& context) {
  if (!context.def) return nullptr;
  switch (context.def->protocol) {
    case catalog::Protocol::openai:
      return std::make_unique<OpenAIAdapter>(context);
    case catalog::Protocol::google_v1internal:
      if (context.def->auth.kind != catalog::AuthKind::google_oauth) return nullptr;
      return std::make_unique<GoogleV1InternalAdapter>(context);
    case catalog::Protocol::aws_eventstream:
      if (context.def->auth.kind != catalog::AuthKind::kiro_oauth) return nullptr;
      return std::make_unique<KiroAdapter>(context);
  }
  return nullptr;
}

Action fetch_action(const UpstreamRequest& request, int64_t headers_timeout_ms) {
  FetchRequest fetch;
  for (const auto& h : request.headers) fetch.headers[ascii_lower(h.name)] = h.value;
  fetch.url = request.url;
  fetch.method = request.method.empty() ? "POST" : request.method;
  fetch.headers_timeout_ms = headers_timeout_ms;
  fetch.body = request.body;
  return keyaos::fetch_action(std::move(fetch));
}

UpstreamError transport_error(const Event& event, const std::string& provider_id) {
  // The host could not open the sealed key (wrong ENCRYPTION_KEY, or a
  // ciphertext sealed for another row): nothing was sent upstream.
  if (str_field(event.head, "kind") == "credential")
    return {ErrorClass::server, 502, "The credential could not be decrypted (was ENCRYPTION_KEY changed, or the stored value altered?).",
            "upstream_error", "credential_unreadable", -1};
  const bool timeout = str_field(event.head, "kind") == "timeout";
  return {timeout ? ErrorClass::timeout : ErrorClass::network, timeout ? 504 : 502,
          "Upstream " + provider_id + ": " + str_field(event.head, "message", "connection failed"), "upstream_error",
          timeout ? "upstream_timeout" : "upstream_unreachable", -1};
}

}  // namespace keyaos::api
