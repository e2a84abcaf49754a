#include "core/io.h"

#include "core/api_error.h"
#include "core/secrets.h"

#include <array>
#include <utility>

namespace keyaos {
namespace {

constexpr std::array<std::pair<EventType, std::string_view>, 15> kEventNames = {{
    {EventType::request, "request"},
    {EventType::request_body, "request_body"},
    {EventType::rows, "rows"},
    {EventType::crypto, "crypto"},
    {EventType::upstream_head, "upstream_head"},
    {EventType::upstream_error, "upstream_error"},
    {EventType::upstream_body, "upstream_body"},
    {EventType::upstream_chunk, "upstream_chunk"},
    {EventType::upstream_end, "upstream_end"},
    {EventType::stream_end, "stream_end"},
    {EventType::scheduled, "scheduled"},
    {EventType::timer, "timer"},
    {EventType::cancelled, "cancelled"},
    {EventType::keepalive, "keepalive"},
    {EventType::follow_up, "follow_up"},
}};

constexpr std::array<std::pair<ActionType, std::string_view>, 13> kActionNames = {{
    {ActionType::sql, "sql"},
    {ActionType::crypto, "crypto"},
    {ActionType::fetch, "fetch"},
    {ActionType::read_request_body, "read_request_body"},
    {ActionType::read_body, "read_body"},
    {ActionType::read_chunk, "read_chunk"},
    {ActionType::respond, "respond"},
    {ActionType::commit_stream, "commit_stream"},
    {ActionType::write, "write"},
    {ActionType::finish, "finish"},
    {ActionType::done, "done"},
    {ActionType::sleep, "sleep"},
    {ActionType::cancel_upstream, "cancel_upstream"},
}};

// The wire name of `value` in a codec table.
template <class T, size_t N>
std::string_view name_in(const std::array<std::pair<T, std::string_view>, N>& table, T value) {
  for (const auto& [t, text] : table)
    if (t == value) return text;
  return "unknown";
}

Action action_of(ActionType type, Json fields = Json::object(), std::string payload = {}) {
  Action a;
  a.head = std::move(fields);
  a.head["type"] = action_type_name(type);
  a.payload = std::move(payload);
  return a;
}

}  // namespace

EventType event_type_from(std::string_view name) {
  for (const auto& [type, text] : kEventNames)
    if (text == name) return type;
  return EventType::unknown;
}

std::string_view event_type_name(EventType type) { return name_in(kEventNames, type); }

std::string_view action_type_name(ActionType type) { return name_in(kActionNames, type); }

bool is_action(const Action& action, ActionType type) { return str_field(action.head, "type") == action_type_name(type); }

Json statements_json(const std::vector<Statement>& statements) {
  Json arr = Json::array();
  for (const auto& s : statements) arr.push_back({{"name", s.name}, {"sql", s.sql}, {"params", s.params}});
  return arr;
}

Json sealed_credential(std::string_view owner_id, std::string_view credential_id, std::string_view ciphertext) {
  return {{"id", credential_id}, {"ciphertext", ciphertext}, {"aad", credential_aad(owner_id, credential_id)}};
}

Action sql_action(const std::vector<Statement>& statements) {
  return action_of(ActionType::sql, {{"statements", statements_json(statements)}});
}

Action crypto_action(Json items) { return action_of(ActionType::crypto, {{"items", std::move(items)}}); }

Action fetch_action(FetchRequest request) {
  Json fields = {{"url", std::move(request.url)},
                 {"method", std::move(request.method)},
                 {"headers", std::move(request.headers)},
                 {"timeouts", {{"headers_ms", request.headers_timeout_ms}}}};
  if (!request.credential.is_null()) fields["credential"] = std::move(request.credential);
  if (!request.secret_ref.empty()) fields["secret_ref"] = std::move(request.secret_ref);
  return action_of(ActionType::fetch, std::move(fields), std::move(request.body));
}

Action read_request_body_action(int64_t max_bytes) { return action_of(ActionType::read_request_body, {{"max_bytes", max_bytes}}); }

Action read_body_action(int64_t max_bytes, int64_t idle_ms, bool whole) {
  Json fields = {{"max_bytes", max_bytes}, {"idle_ms", idle_ms}};
  if (whole) fields["whole"] = true;
  return action_of(ActionType::read_body, std::move(fields));
}

Action read_chunk_action(int64_t timeout_ms) { return action_of(ActionType::read_chunk, {{"timeout_ms", timeout_ms}}); }

Action respond_action(int status, const Json& headers, std::string body, std::vector<Statement> background) {
  Json fields = {{"status", status}, {"headers", headers}};
  if (!background.empty()) fields["background"] = statements_json(background);
  return action_of(ActionType::respond, std::move(fields), std::move(body));
}

Action engine_failure_action(std::string message) {
  return respond_action(500, Json::object(), ApiError::internal(std::move(message)).body());
}

Action commit_stream_action(int status, const Json& headers, int64_t idle_ms, int64_t keepalive_ms, std::string prefix) {
  Json fields = {{"status", status}, {"headers", headers}, {"idle_ms", idle_ms}};
  if (keepalive_ms > 0) fields["keepalive_ms"] = keepalive_ms;
  return action_of(ActionType::commit_stream, std::move(fields), std::move(prefix));
}

Action write_action(std::string bytes) { return action_of(ActionType::write, Json::object(), std::move(bytes)); }

Action finish_action(const std::vector<Statement>& background, std::string bytes) {
  return action_of(ActionType::finish, {{"background", statements_json(background)}}, std::move(bytes));
}

Action done_action() { return action_of(ActionType::done); }

Action sleep_action(int64_t ms) { return action_of(ActionType::sleep, {{"ms", ms}}); }

Action cancel_upstream_action() { return action_of(ActionType::cancel_upstream); }

}  // namespace keyaos
