#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace keyaos::kiro {

// UTC calendar helpers for token expiry stamps and monthly quota resets.

// Parses "2026-08-22T10:32:45.144Z" (fraction optional, "Z" or "±HH:MM").
// Returns false when the text is not such a timestamp.
bool parse_iso8601_ms(std::string_view text, int64_t& epoch_ms);
// Formats as "2026-08-22T10:32:45.144Z".
std::string format_iso8601_ms(int64_t epoch_ms);
// 00:00:00 UTC on the first day of the month after the one holding `epoch_ms`.
int64_t next_month_start_ms(int64_t epoch_ms);

}  // namespace keyaos::kiro
