#include "core/task.h"

namespace keyaos {

SqlResult sql_result_from(const Event& event) {
  SqlResult r;
  if (event.type != "rows") {
    r.error = "expected SQL rows, got " + event.type;
    return r;
  }
  r.error = str_field(event.head, "error");
  if (const Json* results = field(event.head, "results"); results && results->is_array())
    for (const auto& rows : *results) r.rows.push_back(rows);
  return r;
}

Action Task::run_sql(std::vector<Statement> statements, std::function<Action(const SqlResult&)> k) {
  Action a;
  a.head = {{"type", "sql"}, {"statements", statements_json(statements)}};
  return then(std::move(a), [k = std::move(k)](const Event& ev) { return k(sql_result_from(ev)); });
}

}  // namespace keyaos
