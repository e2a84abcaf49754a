#pragma once
// The vocabulary between the engine and its host. The engine never performs
// I/O: it answers every event with one action, and the host (the Worker shim,
// or a test) performs the action and reports the outcome as the next event.
//
// events:  request | rows | crypto | upstream_head | upstream_error | upstream_body
//          | upstream_chunk | upstream_end | stream_end | scheduled | timer
// actions: sql | crypto | fetch | read_body | read_chunk | respond | commit_stream | finish | done
//          | sleep {ms} (then `timer`) | write (bytes for the client of a transformed stream)
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

// One SQL statement with positional parameters (D1 `?` placeholders).
struct Statement {
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
