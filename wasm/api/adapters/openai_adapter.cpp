#include "api/adapters/openai_adapter.h"

#include "billing/cost.h"
#include "core/secrets.h"
#include "core/text.h"
#include "protocols/google_v1internal/count_tokens.h"
#include "protocols/openai/errors.h"
#include "protocols/openai/usage.h"

namespace keyaos::api {

Action OpenAIAdapter::keyed_fetch(std::string url, Json headers, const std::optional<std::string>& auth_header) const {
  headers["content-type"] = "application/json";
  if (auth_header) headers[ascii_lower(*auth_header)] = "${secret}";
  else headers["authorization"] = "Bearer ${secret}";
  for (const auto& [k, v] : ctx_.def->extra_headers) headers[ascii_lower(k)] = v;
  FetchRequest post;
  post.url = std::move(url);
  post.method = "POST";
  post.headers = std::move(headers);
  post.credential = sealed_credential(ctx_.credential.owner_id, ctx_.credential.id, ctx_.credential.ciphertext);
  post.headers_timeout_ms = ctx_.gw->config().timeouts.headers_ms;
  return fetch_action(std::move(post));
}

Action OpenAIAdapter::chat_fetch(int64_t) {
  const catalog::ProviderDef& def = *ctx_.def;
  const openai::ChatRequest& chat = *ctx_.chat;
  std::string upstream_model = catalog::to_upstream_model_id(def, ctx_.offering.model_id, ctx_.offering.upstream_model_id);
  Action a = keyed_fetch(ctx_.gw->base_url(def) + "/chat/completions", {{"accept", chat.stream ? "text/event-stream" : "application/json"}},
                         std::nullopt);
  a.payload = openai::upstream_chat_body(chat, upstream_model);
  return a;
}

Action OpenAIAdapter::count_tokens_fetch(int64_t) {
  const catalog::ProviderDef& def = *ctx_.def;
  const catalog::CountTokensDef& count = *def.count_tokens;
  const std::string upstream_model = catalog::to_upstream_model_id(def, ctx_.offering.model_id, ctx_.offering.upstream_model_id);
  const std::string base = ctx_.gw->base_url(def);
  std::string path = count.path;
  path.replace(path.find("{model}"), 7, percent_encode(upstream_model));
  Action a = keyed_fetch((count.from_origin ? url_origin(base) : base) + path, {{"accept", "application/json"}}, count.auth_header);
  a.payload = google_v1internal::gemini_count_tokens_body(ctx_.client_body, upstream_model);  // format "gemini", the only one
  return a;
}

int64_t OpenAIAdapter::token_count(std::string_view body) const { return google_v1internal::read_total_tokens(body); }

StreamTranslator& OpenAIAdapter::start_stream(int64_t) {
  stream_ = std::make_unique<openai::PassThroughTranslator>(ctx_.chat->prompt_bytes);
  return *stream_;
}

BodyResult OpenAIAdapter::translate_body(int, std::string_view body, int64_t) {
  BodyResult r;
  openai::CompletionSummary answer;
  if (!openai::read_completion(body, answer)) {
    r.error = {ErrorClass::stream, 502, "Upstream " + ctx_.offering.provider_id + " answered with a body that is not JSON.",
               "upstream_error", "malformed_response", -1};
    return r;
  }
  if (!answer.error_json.empty()) {
    r.error = openai::classify_stream_error(answer.error_json);
    return r;
  }
  r.usage = answer.usage;
  if (!r.usage.present) {
    r.usage.prompt_tokens = billing::estimate_tokens_from_bytes(ctx_.chat->prompt_bytes);
    r.usage.completion_tokens = billing::estimate_tokens_from_bytes(static_cast<int64_t>(answer.content.size()));
    r.usage.estimated = true;
  }
  r.served_model = std::move(answer.model);
  r.body.assign(body);  // unchanged: the upstream already answers in OpenAI's shape
  r.ok = true;
  return r;
}

UpstreamError OpenAIAdapter::classify_error(int http_status, std::string_view body, const Json& headers, int64_t now_ms) {
  return openai::classify_http_error(http_status, body, str_field(headers, "retry-after"), now_ms);
}

}  // namespace keyaos::api
