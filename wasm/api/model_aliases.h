#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/caller.h"
#include "api/http.h"
#include "core/gateway.h"
#include "core/task.h"

namespace keyaos::api {

// /api/model-aliases: GET lists, PUT /:alias {model} sets, DELETE /:alias
// removes an owner's mapping from a client's model name (such as an
// Anthropic name Claude Code asks for) to a catalogue model. Stored in
// `settings` as `model_alias:<alias>`.
std::unique_ptr<Task> make_model_aliases_task(Gateway& gateway, HttpRequest request, Caller caller);

Statement load_model_aliases_statement(const std::string& owner_id);
Gateway::ModelAliases model_aliases_from(const Json& rows, int64_t now_ms);

// The models to route a client's model name to, in order: the owner's alias
// (for the name, or the name without its date), the name itself, and for an
// Anthropic name its canonical catalogue form.
std::vector<std::string> messages_route_models(const std::string& client_model, const std::map<std::string, std::string>& aliases);

}  // namespace keyaos::api
