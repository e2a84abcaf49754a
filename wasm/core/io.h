#pragma once
// The vocabulary between the engine and its host. The engine never performs
// I/O: it answers every event with one action, and the host (the Worker shim,
// or a test) performs the action and reports the outcome as the next event.
//
// events:  request | request_body | rows | crypto | upstream_head | upstream_error
//          | upstream_body | upstream_chunk | upstream_end | stream_end | scheduled | timer
//          | cancelled | keepalive | follow_up
// actions: sql {statements: [{name, sql, params}]} (name: see Statement) | crypto | fetch | read_request_body | read_body | read_chunk | respond
//          | commit_stream | write | finish | done | sleep {ms} (then `timer`)
//          | cancel_upstream (then `cancelled`)
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
// fetch {url, method, headers, timeouts, secret_ref?} + the body: with
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
//   most max_bytes. idle_ms (alias timeout_ms) is the longest gap between
//   bytes, never a deadline for the whole body. Past max_bytes the body is
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
#include <vector>

#include "core/json.h"

namespace keyaos {

struct Event {
  std::string type;
  Json head;            // the event's fields
  std::string payload;  // bytes: a request or upstream body, a chunk
  int64_t now_ms() const { return int_field(head, "now"); }
};

struct Action {
  Json head;            // {"type": ..., fields}
  std::string payload;  // bytes: a body to send or to write
};

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

// Headers as a JSON object of lower-case names.
Action respond_action(int status, const Json& headers, std::string body, std::vector<Statement> background = {});

}  // namespace keyaos
