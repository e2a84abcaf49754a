#include "store/sql.h"

#include <cmath>

namespace keyaos::store {

Statement statement(const char* name, std::string sql, Json params) {
  Statement s;
  s.name = name;
  s.sql = std::move(sql);
  s.params = std::move(params);
  return s;
}

std::string quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('\'');
  size_t run = 0;  // the plain bytes since the last quote or NUL, copied at once
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\'' && text[i] != '\0') continue;
    out.append(text.data() + run, i - run);
    if (text[i] == '\'') out += "''";  // a NUL is dropped: SQLite text cannot hold it here
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
  out.push_back('\'');
  return out;
}

std::string number_or_null(const std::optional<double>& value) {
  if (!value || !std::isfinite(*value)) return "NULL";
  // The shortest text that reads back as the same double. printf's "%.17g"
  // does the same in many more digits, on software long doubles in wasm.
  return Json(*value).dump();
}

std::string quoted_list(const std::vector<std::string>& items, size_t from, size_t count) {
  std::string out;
  for (size_t i = from; i < items.size() && i - from < count; ++i) {
    if (i > from) out.push_back(',');
    out += quote(items[i]);
  }
  return out;
}

void append_newest_first_page(Statement& s, const PagePosition& after, int64_t limit, const std::string& t) {
  if (after) {
    s.sql += " AND (" + t + "created_at < ? OR (" + t + "created_at = ? AND " + t + "id < ?))";
    s.params.push_back(after->first);
    s.params.push_back(after->first);
    s.params.push_back(after->second);
  }
  s.sql += " ORDER BY " + t + "created_at DESC, " + t + "id DESC LIMIT ?";
  s.params.push_back(limit);
}

}  // namespace keyaos::store
