#include "api/messages.h"

#include "api/chat.h"
#include "api/model_aliases.h"

namespace keyaos::api {
namespace {

class MessagesTask : public Task {
 public:
  MessagesTask(Gateway& gw, HttpRequest req, Caller caller, MessagesClient client)
      : gw_(gw), req_(std::move(req)), caller_(std::move(caller)), client_(std::move(client)) {}

  Action start(const Event& request) override {
    request_ = request;
    if (const Gateway::ModelAliases* cached = gw_.model_aliases(caller_.owner_id, req_.now_ms)) return enter(cached->by_name);
    return run_sql({load_model_aliases_statement(caller_.owner_id)}, [this](const SqlResult& r) {
      // Without its aliases a request still routes by the names themselves.
      if (!r.ok()) return enter({});
      Gateway::ModelAliases loaded = model_aliases_from(r.at(0), req_.now_ms);
      std::map<std::string, std::string> names = loaded.by_name;
      gw_.store_model_aliases(caller_.owner_id, std::move(loaded));
      return enter(names);
    });
  }

 private:
  Action enter(const std::map<std::string, std::string>& aliases) {
    *client_.aliases = aliases;
    inner_ = make_chat_task(gw_, std::move(req_), std::move(caller_), client_.protocol);
    return forward(inner_->start(request_));
  }

  Action forward(Action a) {
    if (!inner_->waiting()) return a;
    return then(std::move(a), [this](const Event& ev) { return forward(inner_->resume(ev)); });
  }

  Gateway& gw_;
  HttpRequest req_;
  Caller caller_;
  MessagesClient client_;
  Event request_;
  std::unique_ptr<Task> inner_;
};

class CountTokensTask : public Task {
 public:
  explicit CountTokensTask(HttpRequest req) : req_(std::move(req)) {}

  Action start(const Event&) override {
    anthropic::MappedRequest mapped;
    ApiError error;
    anthropic::MapOptions options;
    options.require_max_tokens = false;
    anthropic::AnthropicMessages shape;
    if (!anthropic::map_messages_request(req_.body, mapped, error, options))
      return respond_action(shape.error_status(error), {{"content-type", "application/json"}}, shape.error_body(error));
    return json_response(200, {{"input_tokens", anthropic::estimate_input_tokens(mapped)}});
  }

 private:
  HttpRequest req_;
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

std::unique_ptr<Task> make_count_tokens_task(Gateway&, HttpRequest request, Caller) {
  return std::make_unique<CountTokensTask>(std::move(request));
}

}  // namespace keyaos::api
