#pragma once
#include <string>

// CPU of translating upstream answers to OpenAI SSE: Google v1internal SSE and
// Kiro's AWS Event Stream (decode with CRC checks + translate), for a typical
// short answer and a long one. Returns JSON members (no braces).
std::string translation_bench_fields(int iterations);

// The synthetic answers, shared with nothing else: `words` text pieces.
std::string google_sse_answer(int words);
std::string kiro_eventstream_answer(int words);
