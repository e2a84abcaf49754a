#include "core/io.h"

namespace keyaos {

Json statements_json(const std::vector<Statement>& statements) {
  Json arr = Json::array();
  for (const auto& s : statements) arr.push_back({{"name", s.name}, {"sql", s.sql}, {"params", s.params}});
  return arr;
}

Action respond_action(int status, const Json& headers, std::string body, std::vector<Statement> background) {
  Action a;
  a.head = {{"type", "respond"}, {"status", status}, {"headers", headers}};
  if (!background.empty()) a.head["background"] = statements_json(background);
  a.payload = std::move(body);
  return a;
}

}  // namespace keyaos
