#pragma once
// The vocabulary between the engine and its host. The engine never performs
// I/O: it answers every event with one action, and the host (the Worker shim,
// or a test) performs the action and reports the outcome as the next event.
// This file is the protocol's one description: worker-shim/index.js follows
// it, and tests/scripts/host-protocol.test.js checks that both sides name
// the same events and actions.
//
// events:  request | request_body | rows | crypto | upstream_head | upstream_error
//          | upstream_body | upstream_chunk | upstream_end | stream_end | scheduled | timer
//          | cancelled | keepalive | follow_up
// actions: sql | crypto | fetch | read_request_body | read_body | read_chunk | respond
//          | commit_stream | write | finish | done | sleep | cancel_upstream
//
// sql {statements: [{name, sql, params}]} (name: see Statement) is answered by
// rows {results: [[row, ...], ...], error?}; sleep {ms} by timer;
// cancel_upstream by cancelled.
//
// crypto {items: [{op, ...}]} is answered by crypto {values: [...]}, one value
// per item in order (an op the host does not know gets {error}, never a gap):
//   seal {text, aad} -> {ciphertext, sha256}; open {ciphertext, aad} -> {plaintext} | {error};
//   reseal {ciphertext, aad} -> {ciphertext} | {error}; sha256 {text} -> {sha256};
//   random {bytes} -> {hex}; verify_rs256 {data, signature (base64url), jwk | spki_pem} -> {valid};
//   hmac_sha256 {key_ref, text} -> {hex} (lower-case) | {error}: an HMAC under a
//   secret the host holds, named by reference; the only key_ref is
//   "stripe_webhook" (STRIPE_WEBHOOK_SECRET), and an unknown or unset one gets {error}.
//
// fetch {url, method, headers, timeouts: {headers_ms}, credential?, secret_ref?}
// + the body is answered by upstream_head {status, headers, elapsed_ms} or
// upstream_error {kind, message}. With `credential` (a sealed secret, see
// FetchRequest) the host opens it into the headers' `${secret}`; with
// secret_ref "stripe" the host adds `Authorization: Bearer <STRIPE_SECRET_KEY>`
// (only to a URL under STRIPE_API_BASE_URL; otherwise, or with the key unset,
// it answers upstream_error {kind: "credential"}), so the engine never holds the key.
//
// Follow-ups: a respond/finish/done whose head has `follow_up` ({type:
// "auto_topup", owner_id}) asks the host, once its `background` batch is
// written, to open a new task with the event follow_up {follow_up, nonce,
// now} and drive it to `done` (in the background, like `scheduled`).
//
// Bodies and streams, and what each buffer may hold:
// - request {body_pending: true}: the host has not read the client's body.
//   The engine decides auth from the headers alone and asks for the body
//   with read_request_body {max_bytes} only for an authenticated caller; the
//   host answers request_body {too_large} with the bytes (at most max_bytes;
//   an oversized body is drained and dropped so the client still gets the
//   413). A host may instead send the body with `request` (tests do).
// - read_body {max_bytes, idle_ms, whole}: read an upstream body, holding at
//   most max_bytes. idle_ms is the longest gap between bytes, never a
//   deadline for the whole body. Past max_bytes the body is
//   cut there, or with `whole` the read fails (upstream_error kind
//   "too_large"). A failed read reports upstream_error {kind, bytes}.
// - read_chunk {timeout_ms}: one chunk of a stream, before it is committed.
// - commit_stream {status, headers, idle_ms} + the prefix for the client:
//   the host sends the prefix at once, then hands every upstream chunk to
//   the engine and writes the bytes it gets back (translated bytes, or an
//   OpenAI upstream's own well-formed events: the engine meters them as they
//   pass and keeps only the event being assembled). A chunk goes first to the
//   hot path, the exports kx_chunk_buffer/kx_chunk (no event or action to
//   encode: the answer is the client's bytes); only when that declines does
//   the host send it as upstream_chunk and write the `write` it gets back.
//   The host keeps no copy of the stream. When the upstream ends,
//   breaks or stalls for idle_ms, it sends stream_end {client_aborted,
//   upstream_error} (optionally with a last block of bytes not yet handed
//   over) and writes the `finish` payload, then runs its background SQL.
//   With keepalive_ms, a client stream nothing was written to for that long
//   gets the `write` the engine answers to a `keepalive` event (Anthropic's
//   `ping`); keepalives never count as upstream activity.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"

namespace keyaos {

// The events above, one codec (event_type_from / event_type_name). A host
// that sends a type not listed here gets a 500 `unknown engine event`; the
// shim, for its part, throws on an action it does not know.
enum class EventType : uint8_t {
  unknown,
  request,
  request_body,
  rows,
  crypto,
  upstream_head,
  upstream_error,
  upstream_body,
  upstream_chunk,
  upstream_end,
  stream_end,
  scheduled,
  timer,
  cancelled,
  keepalive,
  follow_up,
};
EventType event_type_from(std::string_view name);
std::string_view event_type_name(EventType type);

enum class ActionType : uint8_t {
  sql,
  crypto,
  fetch,
  read_request_body,
  read_body,
  read_chunk,
  respond,
  commit_stream,
  write,
  finish,
  done,
  sleep,
  cancel_upstream,
};
std::string_view action_type_name(ActionType type);

struct Event {
  EventType type = EventType::unknown;
  Json head;            // the event's fields
  std::string payload;  // bytes: a request or upstream body, a chunk
  int64_t now_ms() const { return int_field(head, "now"); }
};

struct Action {
  Json head;            // {"type": ..., fields}: built by the functions below
  std::string payload;  // bytes: a body to send or to write
};
bool is_action(const Action& action, ActionType type);

// One SQL statement with positional parameters (D1 `?` placeholders). Built
// by wasm/store/ only; `name` ("credentials.list") says which statement it is,
// so tests answer it without reading SQL and a host may name it in an error
// log (never with its parameters).
struct Statement {
  std::string name;
  std::string sql;
  Json params = Json::array();
};

// Results of a statement batch, one row list per statement, in order.
struct SqlResult {
  std::vector<Json> rows;  // each a JSON array of row objects
  std::string error;       // non-empty when the batch failed (nothing was applied)
  bool ok() const { return error.empty(); }
  const Json& at(size_t i) const {
    static const Json kEmpty = Json::array();
    return i < rows.size() && rows[i].is_array() ? rows[i] : kEmpty;
  }
};

Json statements_json(const std::vector<Statement>& statements);

// A fetch's request. `credential` ({id, ciphertext, aad}) is a sealed secret
// the host opens into the `${secret}` placeholders of the headers; null for
// none. `secret_ref` names a secret only the host holds ("stripe").
struct FetchRequest {
  std::string url;
  std::string method = "GET";
  Json headers = Json::object();  // lower-case names
  int64_t headers_timeout_ms = 0;
  Json credential;
  std::string secret_ref;
  std::string body;
};

// The `credential` of a fetch keyed by a stored credential.
Json sealed_credential(std::string_view owner_id, std::string_view credential_id, std::string_view ciphertext);

// The actions, each with the fields the host reads (see the top of this file).
Action sql_action(const std::vector<Statement>& statements);
Action crypto_action(Json items);
Action fetch_action(FetchRequest request);
Action read_request_body_action(int64_t max_bytes);
// `whole`: past max_bytes the read fails instead of cutting the body.
Action read_body_action(int64_t max_bytes, int64_t idle_ms, bool whole);
Action read_chunk_action(int64_t timeout_ms);
// Headers as a JSON object of lower-case names.
Action respond_action(int status, const Json& headers, std::string body, std::vector<Statement> background = {});
// A 500 for a host that broke the protocol (an unknown event or handle, an
// event no step waits for), in OpenAI's error shape.
Action engine_failure_action(std::string message);
// keepalive_ms 0: the client's API has no keepalive frame.
Action commit_stream_action(int status, const Json& headers, int64_t idle_ms, int64_t keepalive_ms, std::string prefix);
Action write_action(std::string bytes);
Action finish_action(const std::vector<Statement>& background, std::string bytes);
Action done_action();
Action sleep_action(int64_t ms);
Action cancel_upstream_action();

}  // namespace keyaos
