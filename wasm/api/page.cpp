#include "api/page.h"

#include <cstdlib>

#include "core/base64.h"

namespace keyaos::api {

std::string encode_cursor(const Json& row) { return base64url_encode(std::to_string(int_field(row, "created_at")) + ":" + str_field(row, "id")); }

bool decode_cursor(const std::string& text, PageCursor& c) {
  std::string raw;
  if (text.size() > 512 || !base64_decode(text, raw)) return false;
  const size_t colon = raw.find(':');
  if (colon == 0 || colon == std::string::npos || colon + 1 >= raw.size() || colon > 18) return false;
  for (size_t i = 0; i < colon; ++i)
    if (raw[i] < '0' || raw[i] > '9') return false;
  c.created_at = std::atoll(raw.substr(0, colon).c_str());
  c.id = raw.substr(colon + 1);
  return true;
}

std::optional<ApiError> page_query(const HttpRequest& req, PageQuery& out, int64_t default_limit, int64_t max_limit) {
  out.limit = default_limit;
  const std::string limit = query_param(req.query, "limit");
  if (!limit.empty()) {
    bool digits = limit.size() <= 6;
    for (char c : limit) digits = digits && c >= '0' && c <= '9';
    const int64_t n = digits ? std::atoll(limit.c_str()) : 0;
    if (n < 1 || n > max_limit)
      return ApiError::bad_request("'limit' must be an integer from 1 to " + std::to_string(max_limit) + ".", "invalid_limit", "limit");
    out.limit = n;
  }
  const std::string cursor = query_param(req.query, "cursor");
  if (!cursor.empty()) {
    PageCursor c;
    if (!decode_cursor(cursor, c))
      return ApiError::bad_request("'cursor' is not a cursor from this API; pass a page's next_cursor unchanged.", "invalid_cursor", "cursor");
    out.after = std::move(c);
  }
  return std::nullopt;
}

Json page_json(const Json& rows, int64_t limit, const RowJson& row_json, std::string (*cursor_of)(const Json&)) {
  Json data = Json::array();
  for (size_t i = 0; i < rows.size() && static_cast<int64_t>(i) < limit; ++i) data.push_back(row_json(rows[i]));
  const bool more = static_cast<int64_t>(rows.size()) > limit;
  Json next = more ? Json(cursor_of(rows[static_cast<size_t>(limit - 1)])) : Json(nullptr);
  return {{"object", "list"}, {"data", data}, {"has_more", more}, {"next_cursor", next}};
}

}  // namespace keyaos::api
