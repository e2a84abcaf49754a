#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "api/http.h"
#include "core/json.h"

namespace keyaos::api {

// Cursor pages over rows ordered newest first by (created_at, id): a cursor
// is the last row's (created_at, id), base64url-encoded, since rows can share
// a millisecond and created_at alone is not a position.
struct PageCursor {
  int64_t created_at = 0;
  std::string id;
};

std::string encode_cursor(const Json& row);
bool decode_cursor(const std::string& text, PageCursor& cursor);

// `limit` and `cursor` of a list route: limit 1..max (default_limit when
// absent), a cursor from a previous page. Returns the refusal when either is
// not one.
struct PageQuery {
  int64_t limit = 20;
  std::optional<PageCursor> after;
};
std::optional<ApiError> page_query(const HttpRequest& request, PageQuery& out, int64_t default_limit = 20, int64_t max_limit = 100);

// {object:"list", data, has_more, next_cursor} from rows read with limit + 1;
// `cursor_of` makes the cursor of a page's last row (default encode_cursor).
using RowJson = std::function<Json(const Json&)>;
Json page_json(const Json& rows, int64_t limit, const RowJson& row_json, std::string (*cursor_of)(const Json&) = encode_cursor);

}  // namespace keyaos::api
