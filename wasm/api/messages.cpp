#include "api/messages.h"

#include "api/chat.h"
#include "api/model_aliases.h"
#include "api/routing_table.h"
#include "api/upstream_adapter.h"

namespace keyaos::api {
namespace {

// The owner's model aliases as a just-run load read them, kept in the
// isolate's cache. Without them a request still routes by the names themselves.
std::map<std::string, std::string> loaded_model_aliases(Gateway& gw, const std::string& owner_id, int64_t now_ms, const SqlResult& r) {
  if (!r.ok()) return {};
  Gateway::ModelAliases loaded = model_aliases_from(r.at(0), now_ms);
  std::map<std::string, std::string> names = loaded.by_name;
  gw.store_model_aliases(owner_id, std::move(loaded));
  return names;
}

class MessagesTask : public Task {
 public:
  MessagesTask(Gateway& gw, HttpRequest req, Caller caller, MessagesClient client)
      : gw_(gw), req_(std::move(req)), caller_(std::move(caller)), client_(std::move(client)) {}

  Action start(const Event& request) override {
    request_ = request;
    if (const Gateway::ModelAliases* cached = gw_.model_aliases(caller_.owner_id, req_.now_ms)) return enter(cached->by_name);
    return run_sql({load_model_aliases_statement(caller_.owner_id)},
                   [this](const SqlResult& r) { return enter(loaded_model_aliases(gw_, caller_.owner_id, req_.now_ms, r)); });
  }

 private:
  Action enter(const std::map<std::string, std::string>& aliases) {
    *client_.aliases = aliases;
    return hand_over(make_chat_task(gw_, std::move(req_), std::move(caller_), client_.protocol), request_);
  }

  Gateway& gw_;
  HttpRequest req_;
  Caller caller_;
  MessagesClient client_;
  Event request_;
};

// count_tokens asks the upstream for its own count when the cheapest
// candidate for the model speaks a protocol that has one (Google's
// countTokens), and answers the estimate otherwise, or when that call fails:
// a count is advice, so it never fails over, bills or changes health.
class CountTokensTask : public RoutedRequestTask {
 public:
  using RoutedRequestTask::RoutedRequestTask;

  Action start(const Event&) override {
    if (const Gateway::ModelAliases* cached = gw_.model_aliases(caller_.owner_id, req_.now_ms)) return enter(cached->by_name);
    return run_sql({load_model_aliases_statement(caller_.owner_id)},
                   [this](const SqlResult& r) { return enter(loaded_model_aliases(gw_, caller_.owner_id, req_.now_ms, r)); });
  }

 private:
  Action reject(const ApiError& error, Json headers = Json::object()) override {
    headers["content-type"] = "application/json";
    return respond_action(shape_.error_status(error), headers, shape_.error_body(error));
  }

  Action enter(const std::map<std::string, std::string>& aliases) {
    anthropic::MappedRequest mapped;
    ApiError error;
    anthropic::MapOptions options;
    options.require_max_tokens = false;
    options.route_models = [&aliases](const std::string& model) { return messages_route_models(model, aliases); };
    if (!anthropic::map_messages_request(req_.body, mapped, error, options)) return reject(error);
    estimate_ = anthropic::estimate_input_tokens(mapped);
    chat_body_ = std::move(mapped.chat_body);
    if (!openai::parse_chat_request(chat_body_, chat_, error)) return answer(estimate_, "estimate");
    models_.push_back(chat_.model);
    for (const auto& m : chat_.fallback_models) models_.push_back(m);
    return next_model();
  }

  // The first model that routes decides; its cheapest counting candidate counts.
  Action next_model() {
    if (model_index_ >= models_.size()) return answer(estimate_, "estimate");
    return load_routing_table(caller_.owner_id, models_[model_index_], req_.now_ms, [this] { return plan(); });
  }

  Action plan() {
    route(caller_.owner_id, models_[model_index_], chat_, req_.now_ms, route_, /*explain_only=*/true);
    if (route_.match.model_id.empty()) {
      ++model_index_;
      return next_model();
    }
    if (!caller_.may_use(route_.match.model_id)) return answer(estimate_, "estimate");
    for (const auto& c : route_.ranking.candidates) {
      AttemptContext context;
      context.gw = &gw_;
      context.def = gw_.provider(c.credential->owner_id, c.offering->provider_id);
      context.credential = *c.credential;
      context.offering = *c.offering;
      context.chat = &chat_;
      context.client_body = chat_body_;
      context.response_id = "chatcmpl-" + req_.nonce.substr(0, 24);
      context.nonce = req_.nonce;
      context.now_ms = req_.now_ms;
      if (!context.def) continue;
      adapter_ = make_upstream_adapter(context);
      if (!adapter_ || !adapter_->counts_tokens()) continue;
      source_ = c.offering->provider_id;
      return prepared(adapter_->prepare(req_.now_ms));
    }
    return answer(estimate_, "estimate");
  }

  Action prepared(PrepareStep step) {
    switch (step.kind) {
      case PrepareStep::Kind::act:
        return then(std::move(step.action), [this](const Event& ev) {
          now_ms_ = ev.now_ms();
          return prepared(adapter_->advance(ev));
        });
      case PrepareStep::Kind::failed:
        return answer(estimate_, "estimate");
      case PrepareStep::Kind::ready:
        break;
    }
    return then(adapter_->count_tokens_fetch(now_ms_), [this](const Event& ev) {
      const int status = static_cast<int>(int_field(ev.head, "status"));
      if (ev.type != EventType::upstream_head || status < 200 || status >= 300) return answer(estimate_, "estimate");
      Action read = read_body_action(kMaxCountBodyBytes, gw_.config().timeouts.idle_ms, true);
      return then(std::move(read), [this](const Event& body) {
        const int64_t n = body.type == EventType::upstream_body ? adapter_->token_count(body.payload) : -1;
        return n >= 0 ? answer(n, source_) : answer(estimate_, "estimate");
      });
    });
  }

  // `source`: the provider whose count it is, or "estimate".
  Action answer(int64_t tokens, const std::string& source) {
    return respond_action(200, {{"content-type", "application/json"}, {"x-keyaos-token-count", source}},
                          dump_json(Json{{"input_tokens", tokens}}));
  }

  static constexpr int64_t kMaxCountBodyBytes = 64 * 1024;

  anthropic::AnthropicMessages shape_;
  std::string chat_body_;
  openai::ChatRequest chat_;
  std::vector<std::string> models_;
  size_t model_index_ = 0;
  Route route_;
  int64_t estimate_ = 0;
  int64_t now_ms_ = 0;
  std::string source_;
  std::unique_ptr<UpstreamAdapter> adapter_;
};

}  // namespace

MessagesClient make_messages_client() {
  MessagesClient c;
  std::weak_ptr<std::map<std::string, std::string>> aliases = c.aliases;
  c.protocol = std::make_shared<anthropic::AnthropicMessages>([aliases](const std::string& model) {
    auto a = aliases.lock();
    return messages_route_models(model, a ? *a : std::map<std::string, std::string>{});
  });
  return c;
}

std::unique_ptr<Task> make_messages_task(Gateway& gateway, HttpRequest request, Caller caller, MessagesClient client) {
  return std::make_unique<MessagesTask>(gateway, std::move(request), std::move(caller), std::move(client));
}

std::unique_ptr<Task> make_count_tokens_task(Gateway& gateway, HttpRequest request, Caller caller) {
  return std::make_unique<CountTokensTask>(gateway, std::move(request), std::move(caller));
}

}  // namespace keyaos::api
