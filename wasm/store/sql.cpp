#include "store/sql.h"

#include <cmath>
#include <cstdio>

namespace keyaos::store {

std::string quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "''";
    else if (c == '\0') continue;  // SQLite text cannot hold NUL here
    else out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string number_or_null(const std::optional<double>& value) {
  if (!value || !std::isfinite(*value)) return "NULL";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", *value);
  return buf;
}

}  // namespace keyaos::store
