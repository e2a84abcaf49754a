#pragma once
// OpenAI's POST /v1/embeddings: the request as the gateway reads and
// forwards it, and the answer as it is given back to the client.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/api_error.h"
#include "protocols/common/usage.h"
#include "protocols/openai/chat_request.h"

namespace keyaos::openai {

// What one request may ask for. OpenAI's own caps: 2,048 inputs, and each
// input within a model's context (8,192 tokens for its models).
inline constexpr size_t kMaxEmbeddingInputs = 2048;
inline constexpr size_t kMaxEmbeddingInputBytes = 128 * 1024;  // one string input
inline constexpr size_t kMaxEmbeddingInputTokens = 32768;      // one token-array input
inline constexpr int64_t kMaxEmbeddingDimensions = 65536;

enum class EncodingFormat { unset, float32, base64 };

struct EmbeddingsRequest {
  std::string model;
  std::vector<std::string> fallback_models;  // `models`: refused unless allow_model_fallback
  bool allow_model_fallback = false;         // `allow_model_fallback: true`
  ProviderPreferences providers;             // `provider`, as on chat
  EncodingFormat encoding = EncodingFormat::unset;
  size_t input_count = 0;    // vectors the answer must hold
  int64_t input_tokens = 0;  // estimate: string bytes / 4, token arrays counted
  std::string input;         // the `input` value, re-joined from its raw tokens
  std::string kept_fields;   // `"k":v,...` of the other fields sent upstream, verbatim
};

// Parses and validates; on failure fills `error` (400 with param) and returns false.
bool parse_embeddings_request(std::string_view body, EmbeddingsRequest& out, ApiError& error);

// The body for an OpenAI-compatible upstream: routing fields removed, `model` replaced.
std::string upstream_embeddings_body(const EmbeddingsRequest& req, std::string_view upstream_model);

// The client's answer from an upstream's 2xx body: `data` sorted by index,
// one vector per input, every vector in the format the client asked for
// (float when unset, as OpenAI's API does), usage as prompt/total tokens.
struct EmbeddingsAnswer {
  std::string body;
  Usage usage;  // the upstream's, or estimated from the input when it sent none
  std::string served_model;
};
bool render_embeddings(std::string_view upstream_body, const EmbeddingsRequest& req, std::string_view model_id,
                       EmbeddingsAnswer& out, std::string& error);

// Little-endian float32 vectors in standard base64, as OpenAI sends them.
std::string floats_to_base64(const std::vector<float>& values);
bool base64_to_floats(std::string_view text, std::vector<float>& out);
// The shortest decimal that reads back as the same float32.
std::string format_float(float value);

}  // namespace keyaos::openai
