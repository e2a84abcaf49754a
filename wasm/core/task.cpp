#include "core/task.h"

namespace keyaos {

SqlResult sql_result_from(const Event& event) {
  SqlResult r;
  if (event.type != EventType::rows) {
    r.error = "expected SQL rows, got " + std::string(event_type_name(event.type));
    return r;
  }
  r.error = str_field(event.head, "error");
  if (const Json* results = field(event.head, "results"); results && results->is_array())
    for (const auto& rows : *results) r.rows.push_back(rows);
  return r;
}

Action Task::run_sql(std::vector<Statement> statements, std::function<Action(const SqlResult&)> k) {
  return then(sql_action(statements), [k = std::move(k)](const Event& ev) { return k(sql_result_from(ev)); });
}

}  // namespace keyaos
