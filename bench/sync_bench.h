#pragma once
#include <string>

// CPU of one provider's catalogue sync on a realistic ~1 MB OpenRouter model
// list: parse, price from references, decide (shrink guard), build the SQL.
// Returns JSON members (no braces) for the benchmark's report line.
std::string catalog_sync_bench_fields(int iterations);

// The synthetic list: the fixture's model entry repeated under distinct ids
// until the body reaches `bytes`.
std::string synthetic_openrouter_list(size_t bytes, size_t* models = nullptr);
