#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/io.h"

namespace keyaos::store {

// A named statement; every statement the engine runs is built by one of the
// store/ repositories through this.
Statement statement(const char* name, std::string sql, Json params = Json::array());

// SQL literals, for the few statements that must inline values because D1
// allows at most 100 bound parameters per statement (bulk catalogue upserts).
std::string quote(std::string_view text);
std::string number_or_null(const std::optional<double>& value);

// `('a','b',...)`-style list of quoted literals (without the parentheses).
std::string quoted_list(const std::vector<std::string>& items, size_t from = 0, size_t count = SIZE_MAX);

// A keyset page newest first: appends " AND" the rows after `after` (a
// (created_at, id) position), then ORDER BY created_at DESC, id DESC LIMIT.
// `table` prefixes the columns ("e." or ""). The statement's SQL must end in
// a WHERE clause already.
using PagePosition = std::optional<std::pair<int64_t, std::string>>;
void append_newest_first_page(Statement& s, const PagePosition& after, int64_t limit, const std::string& table = {});

}  // namespace keyaos::store
