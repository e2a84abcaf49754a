#pragma once
// Reading the statements of an engine action by name, the way a host that
// knows no SQL would: a statement by its name, an INSERT's value by column.
#include <string>

#include "core/io.h"
#include "core/json.h"

namespace keyaos::testing {

// The first statement called `name` in `list` (an action's statements or background), or null.
inline const Json* statement_named(const Json* list, const std::string& name) {
  if (!list || !list->is_array()) return nullptr;
  for (const auto& s : *list)
    if (str_field(s, "name") == name) return &s;
  return nullptr;
}
inline const Json* background_named(const Action& a, const std::string& name) { return statement_named(field(a.head, "background"), name); }
inline const Json* statement_named(const Action& a, const std::string& name) { return statement_named(field(a.head, "statements"), name); }

// The value an `INSERT ... (columns) VALUES (?, ...)` statement binds to
// `column` in its first row; a "no column" string (never null, never a
// number) when the statement has no such column, so no check passes by it.
inline Json inserted(const Json& statement, const std::string& column) {
  const std::string sql = str_field(statement, "sql");
  const size_t open = sql.find('('), close = sql.find(')', open);
  if (open == std::string::npos || close == std::string::npos) return "no column list";
  size_t index = 0, start = open + 1;
  while (start < close) {
    size_t end = sql.find(',', start);
    if (end == std::string::npos || end > close) end = close;
    std::string name = sql.substr(start, end - start);
    while (!name.empty() && name.front() == ' ') name.erase(0, 1);
    while (!name.empty() && name.back() == ' ') name.pop_back();
    if (name == column) {
      const Json* params = field(statement, "params");
      return params && params->is_array() && index < params->size() ? (*params)[index] : Json("no parameter for " + column);
    }
    ++index;
    start = end + 1;
  }
  return "no column " + column;
}

}  // namespace keyaos::testing
