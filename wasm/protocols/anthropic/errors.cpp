#include "protocols/anthropic/errors.h"

#include <algorithm>
#include <vector>

#include "core/json.h"
#include "core/text.h"

namespace keyaos::anthropic {

const char* error_type_for_status(int status) {
  switch (status) {
    case 400: return "invalid_request_error";
    case 401: return "authentication_error";
    case 402: return "billing_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 504: return "timeout_error";
    case 529: return "overloaded_error";
    default: return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

bool is_context_length_error(const ApiError& error) {
  if (error.code == "context_length_exceeded" || error.code == "context_length") return true;
  if (error.status != 400 && error.status != 413 && error.status != 422) return false;
  static constexpr std::string_view kPhrases[] = {
      "context length", "context_length", "context window", "prompt is too long", "input is too long",
      "too many input tokens", "exceeds the maximum number of tokens", "input length and `max_tokens` exceed",
  };
  for (auto p : kPhrases)
    if (contains_ascii_ci(error.message, p)) return true;
  return false;
}

std::string context_length_message(std::string_view text, int64_t estimated) {
  // Numbers in the message ("maximum context length is 128000 tokens … you
  // requested 130000 tokens (…)"): the largest is the prompt, the next the limit.
  std::vector<int64_t> numbers;
  for (size_t i = 0; i < text.size();) {
    if (text[i] < '0' || text[i] > '9') {
      ++i;
      continue;
    }
    int64_t n = 0;
    size_t j = i;
    while (j < text.size() && ((text[j] >= '0' && text[j] <= '9') || text[j] == ',')) {
      if (text[j] != ',') n = n < 100000000000LL ? n * 10 + (text[j] - '0') : n;
      ++j;
    }
    if (n >= 100) numbers.push_back(n);
    i = j;
  }
  std::sort(numbers.begin(), numbers.end(), std::greater<>());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  int64_t prompt = 0, limit = 0;
  if (numbers.size() >= 2) {
    prompt = numbers[0];
    limit = numbers[1];
  } else if (numbers.size() == 1) {
    limit = numbers[0];
    prompt = std::max(estimated, limit + 1);
  } else {
    prompt = std::max<int64_t>(estimated, 2);
    limit = prompt - 1;
  }
  return "prompt is too long: " + std::to_string(prompt) + " tokens > " + std::to_string(limit) + " maximum";
}

std::string error_json(std::string_view type, std::string_view message) {
  return dump_json(Json{{"type", "error"},
                        {"error", {{"type", std::string(type)}, {"message", std::string(message)}}},
                        {"request_id", nullptr}});
}

std::string error_body(const ApiError& error, int64_t estimated_prompt_tokens) {
  if (is_context_length_error(error))
    return error_json("invalid_request_error", context_length_message(error.message, estimated_prompt_tokens));
  return error_json(error_type_for_status(error.status), error.message);
}

}  // namespace keyaos::anthropic
