#pragma once
// A host for the engine without JavaScript: it answers SQL with fixed rows
// and lets a test or benchmark play the upstream. Used by the Catch2 tests
// and the native benchmark to drive whole requests through keyaos::Engine.
#include <string>
#include <string_view>

#include "core/engine.h"
#include "core/json.h"

namespace keyaos::testing {

inline constexpr const char* kAdminToken = "bench-admin-token";
// A client's streamed chat request, the smallest there is.
inline constexpr const char* kStreamingChatBody = R"({"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]})";

class FakeHost {
 public:
  FakeHost() {
    engine.init(R"({"admin_token":"bench-admin-token","encryption_configured":true})");
    check_schema();
    credentials = Json::array({{{"id", "cred_a"}, {"owner_id", "self"}, {"provider_id", "openai"}, {"secret_hint", "sk-pro...cdef"},
                                {"encrypted_secret", "v2:ciphertext"}, {"price_multiplier", 0.5}, {"quota_nusd", nullptr},
                                {"is_enabled", 1}, {"health", "ok"}, {"dead_reason", nullptr}}});
    offerings = Json::array({{{"provider_id", "openai"}, {"model_id", "openai/gpt-4o-mini"}, {"upstream_model_id", "gpt-4o-mini"},
                              {"input_price", 0.15}, {"output_price", 0.6}, {"cache_read_price", 0.075}, {"cache_write_price", nullptr}}});
  }

  // The rows the host would read back for a statement, by its name: the
  // owner's credentials and the model's offerings; nothing for the rest.
  Json rows_named(const std::string& name) const {
    if (name == "credentials.load_for_routing") return credentials;
    if (name == "catalog.offerings") return offerings;
    return Json::array();
  }

  // The rows the host would read back for each statement of a `sql` action.
  Json rows_for(const Action& sql) const {
    Json results = Json::array();
    const Json* statements = field(sql.head, "statements");
    if (statements && statements->is_array())
      for (const auto& s : *statements) results.push_back(rows_named(str_field(s, "name")));
    return results;
  }

  static std::string event(const Json& head) { return dump_json(head); }

  // The engine checks the D1 schema once per isolate; a warm isolate has done
  // so (here through /health, answered as a current schema), so requests see
  // the same host actions as in production after the first one.
  void check_schema() {
    const uint32_t h = engine.open();
    Action a = engine.step(h, event({{"type", "request"}, {"method", "GET"}, {"path", "/health"}, {"query", ""}, {"headers", Json::object()}, {"now", 1}}), "");
    if (str_field(a.head, "type") == "sql") engine.step(h, event({{"type", "rows"}, {"results", Json::array({Json::array()})}, {"now", 1}}), "");
    engine.close(h);
  }

  Action request(uint32_t handle, std::string_view body, int64_t now, const std::string& nonce) {
    Json ev = {{"type", "request"}, {"method", "POST"}, {"path", "/v1/chat/completions"}, {"query", ""},
               {"headers", {{"authorization", std::string("Bearer ") + kAdminToken}}}, {"now", now}, {"nonce", nonce}};
    return engine.step(handle, event(ev), body);
  }

  // Answers SQL actions until the engine asks for something else.
  Action settle(uint32_t handle, Action action, int64_t now) {
    while (str_field(action.head, "type") == "sql")
      action = engine.step(handle, event({{"type", "rows"}, {"results", rows_for(action)}, {"now", now}}), "");
    return action;
  }

  Action head(uint32_t handle, int status, int64_t now) {
    return engine.step(handle, event({{"type", "upstream_head"}, {"status", status}, {"headers", Json::object()}, {"now", now}}), "");
  }
  // With `relay_fast`, a committed stream's chunks take the host's hot path
  // (Engine::relay_chunk, kx_chunk in the Worker), as the Worker sends them;
  // the engine's answer is shown as the `write` it stands for.
  Action chunk(uint32_t handle, std::string_view bytes, int64_t now) {
    Action w = write_action("");
    if (relay_fast && engine.relay_chunk(handle, now, bytes, w.payload)) {
      ++fast_chunks;
      return w;
    }
    return engine.step(handle, event({{"type", "upstream_chunk"}, {"now", now}}), bytes);
  }
  Action body(uint32_t handle, std::string_view bytes, int64_t now) {
    return engine.step(handle, event({{"type", "upstream_body"}, {"now", now}}), bytes);
  }
  Action stream_end(uint32_t handle, std::string_view rest, int64_t now, bool client_aborted = false) {
    return engine.step(handle, event({{"type", "stream_end"}, {"now", now}, {"client_aborted", client_aborted}}), rest);
  }

  Engine engine;
  bool relay_fast = false;
  int fast_chunks = 0;  // chunks the hot path took
  Json credentials;
  Json offerings;
};

// The kind of action the engine asked for.
inline std::string type_of(const Action& a) { return str_field(a.head, "type"); }

// The `error` object of an answer's JSON body; null when it has none.
inline Json error_of(const Action& a) {
  Json body = parse_json(a.payload);
  const Json* e = field(body, "error");
  return e ? *e : Json();
}

// An OpenAI stream: a role chunk, `parts` as content, a finish chunk, a usage chunk, [DONE].
inline std::string openai_stream(const std::vector<std::string>& parts, int prompt_tokens, int completion_tokens) {
  auto chunk = [](const Json& delta, const Json& finish) {
    Json c = {{"id", "chatcmpl-x"}, {"object", "chat.completion.chunk"}, {"created", 1}, {"model", "gpt-4o-mini"},
              {"choices", Json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}})}};
    return "data: " + dump_json(c) + "\n\n";
  };
  std::string out = chunk({{"role", "assistant"}, {"content", ""}}, nullptr);
  for (const auto& p : parts) out += chunk({{"content", p}}, nullptr);
  out += chunk(Json::object(), "stop");
  Json usage = {{"id", "chatcmpl-x"}, {"object", "chat.completion.chunk"}, {"created", 1}, {"model", "gpt-4o-mini"},
                {"choices", Json::array()},
                {"usage", {{"prompt_tokens", prompt_tokens}, {"completion_tokens", completion_tokens}, {"total_tokens", prompt_tokens + completion_tokens}}}};
  out += "data: " + dump_json(usage) + "\n\ndata: [DONE]\n\n";
  return out;
}

}  // namespace keyaos::testing
