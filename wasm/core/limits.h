#pragma once
// Every bound on what one request may ask of the engine, and on what the
// isolate keeps between requests. A request over a request bound gets a 400
// in OpenAI's shape; a cache at its cap drops entries (never grows).
//
// Request bounds
//   kMaxJsonDepth           64 nested arrays/objects in any JSON body (/v1 and /api)
//   kMaxModelIdLength       256 bytes for `model` and each `models` entry
//   kMaxFallbackModels      16 entries in `models`
//   kMaxProviderListEntries 64 entries in each `provider` list (only/ignore/order)
//   kMaxOutputTokens        1,000,000 for max_tokens / max_completion_tokens
//   kMaxChoices             128 for `n` (OpenAI's own limit)
//   kMaxModelAliases        64 model aliases per owner (/api/model-aliases)
//   body size               8 MiB (worker-shim/index.js MAX_BODY_BYTES, answered 413)
//
// Isolate caches
//   offerings by requested model  kMaxOfferingCacheEntries (1,024): expired entries and
//                                 misses are dropped first, then the whole cache
//   API keys by hash (misses too) kMaxApiKeyCacheEntries (10,000), then cleared
//   OAuth credentials             4,096 (core/oauth_cache.h)
//   Gemini thought signatures     512 per OAuth credential, then cleared (api/adapters/google_v1internal_adapter.cpp)
//   owners' credentials           kMaxOwnerCacheEntries (512) owners; the one loaded longest ago goes
//   shared pool (Platform)        kMaxPoolCredentials (2,000) usable credentials, cheapest multiplier first
//   cooldowns                     one per credential x catalogue model (routing/health.h)
//   opened secrets (shim)         1,000, then cleared (worker-shim/index.js)
#include <cstddef>
#include <cstdint>

namespace keyaos::limits {

// Parsers skip nested values without a limit and several walks (schema
// normalisation, dumps) recurse, so depth is capped before any of them runs.
inline constexpr size_t kMaxJsonDepth = 64;
inline constexpr size_t kMaxModelIdLength = 256;
// Each fallback model may cost a D1 round trip.
inline constexpr size_t kMaxFallbackModels = 16;
inline constexpr size_t kMaxProviderListEntries = 64;
inline constexpr int64_t kMaxOutputTokens = 1000000;
inline constexpr int64_t kMaxChoices = 128;

inline constexpr size_t kMaxModelAliases = 64;
inline constexpr size_t kMaxOwnerCacheEntries = 512;
inline constexpr size_t kMaxPoolCredentials = 2000;
inline constexpr size_t kMaxOfferingCacheEntries = 1024;
inline constexpr size_t kMaxApiKeyCacheEntries = 10000;

}  // namespace keyaos::limits
