#include "protocols/openai/embeddings.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "billing/cost.h"
#include "core/json.h"
#include "core/json_validate.h"
#include "core/limits.h"
#include "core/text.h"
#include "protocols/openai/request_fields.h"
#include "protocols/openai/usage.h"

namespace keyaos::openai {
namespace od = simdjson::ondemand;

namespace {

std::string_view trimmed(std::string_view raw) {
  raw = trim_json_whitespace_end(raw);
  return raw;
}

ApiError input_error(const std::string& message, const char* code = "invalid_value") {
  return ApiError::bad_request(message, code, "input");
}

// One token id: a non-negative integer token (no fraction, no exponent).
bool read_token(od::value v, std::string& out) {
  std::string_view raw = trimmed(v.raw_json_token());
  uint64_t id = 0;
  if (v.get_uint64().get(id) != simdjson::SUCCESS || id > 0xFFFFFFFFull) return false;
  if (raw.find_first_of(".eE") != std::string_view::npos) return false;
  out.append(raw);
  return true;
}

// An array of token ids; `first_raw` says whether it was already entered.
bool read_token_array(od::array arr, std::string& out, size_t& count, ApiError& error) {
  out.push_back('[');
  count = 0;
  for (auto item : arr) {
    od::value v;
    if (item.get(v) != simdjson::SUCCESS) {
      error = input_error("'input' is not valid JSON.", "invalid_json");
      return false;
    }
    if (count) out.push_back(',');
    if (!read_token(v, out)) {
      error = input_error("Token ids in 'input' must be integers between 0 and 4294967295.", "invalid_type");
      return false;
    }
    if (++count > kMaxEmbeddingInputTokens) {
      error = input_error("Each token array in 'input' holds at most " + std::to_string(kMaxEmbeddingInputTokens) + " tokens.");
      return false;
    }
  }
  out.push_back(']');
  if (count == 0) {
    error = input_error("'input' must not contain an empty token array.");
    return false;
  }
  return true;
}

bool check_string(std::string_view text, ApiError& error) {
  if (text.empty()) {
    error = input_error("'input' must not contain an empty string.");
    return false;
  }
  if (text.size() > kMaxEmbeddingInputBytes) {
    error = input_error("Each string in 'input' is at most " + std::to_string(kMaxEmbeddingInputBytes) + " bytes.");
    return false;
  }
  return true;
}

// `input`: a string, an array of strings, a token array, or an array of token arrays.
bool read_input(od::value v, EmbeddingsRequest& out, ApiError& error) {
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) {
    error = input_error("'input' is not valid JSON.", "invalid_json");
    return false;
  }
  const char* shape = "'input' must be a string, an array of strings, an array of token ids, or an array of token arrays.";
  if (type == od::json_type::string) {
    std::string_view raw = trimmed(v.raw_json_token());
    std::string_view text;
    if (v.get_string().get(text) != simdjson::SUCCESS) {
      error = input_error("'input' is not valid JSON.", "invalid_json");
      return false;
    }
    if (!check_string(text, error)) return false;
    out.input.assign(raw);
    out.input_count = 1;
    out.input_tokens = billing::estimate_tokens_from_bytes(static_cast<int64_t>(text.size()));
    return true;
  }
  od::array arr;
  if (type != od::json_type::array || v.get_array().get(arr) != simdjson::SUCCESS) {
    error = input_error(shape, "invalid_type");
    return false;
  }
  // The first element decides the shape: strings, token ids, or token arrays.
  enum class Shape { unknown, strings, tokens, token_arrays } kind = Shape::unknown;
  out.input.assign("[");
  size_t n = 0;
  for (auto item : arr) {
    od::value e;
    od::json_type et;
    if (item.get(e) != simdjson::SUCCESS || e.type().get(et) != simdjson::SUCCESS) {
      error = input_error("'input' is not valid JSON.", "invalid_json");
      return false;
    }
    Shape this_kind = et == od::json_type::string ? Shape::strings
                      : et == od::json_type::number ? Shape::tokens
                      : et == od::json_type::array  ? Shape::token_arrays
                                                    : Shape::unknown;
    if (this_kind == Shape::unknown || (kind != Shape::unknown && this_kind != kind)) {
      error = input_error(shape, "invalid_type");
      return false;
    }
    kind = this_kind;
    if (n) out.input.push_back(',');
    if (kind == Shape::strings) {
      std::string_view raw = trimmed(e.raw_json_token());
      std::string_view text;
      if (e.get_string().get(text) != simdjson::SUCCESS) {
        error = input_error("'input' is not valid JSON.", "invalid_json");
        return false;
      }
      if (!check_string(text, error)) return false;
      out.input.append(raw);
      out.input_tokens += billing::estimate_tokens_from_bytes(static_cast<int64_t>(text.size()));
    } else if (kind == Shape::tokens) {
      if (!read_token(e, out.input)) {
        error = input_error("Token ids in 'input' must be integers between 0 and 4294967295.", "invalid_type");
        return false;
      }
      if (n + 1 > kMaxEmbeddingInputTokens) {
        error = input_error("A token array in 'input' holds at most " + std::to_string(kMaxEmbeddingInputTokens) + " tokens.");
        return false;
      }
    } else {
      od::array inner;
      size_t count = 0;
      if (e.get_array().get(inner) != simdjson::SUCCESS || !read_token_array(inner, out.input, count, error)) {
        if (error.message.empty()) error = input_error(shape, "invalid_type");
        return false;
      }
      out.input_tokens += static_cast<int64_t>(count);
    }
    ++n;
    // A token array is one input; any other array holds one input per element.
    if (kind != Shape::tokens && n > kMaxEmbeddingInputs) {
      error = input_error("'input' holds at most " + std::to_string(kMaxEmbeddingInputs) + " inputs.");
      return false;
    }
  }
  out.input.push_back(']');
  if (n == 0) {
    error = input_error("'input' must not be empty.");
    return false;
  }
  if (kind == Shape::tokens) {
    out.input_count = 1;
    out.input_tokens = static_cast<int64_t>(n);
  } else {
    out.input_count = n;
  }
  return true;
}

}  // namespace

bool parse_embeddings_request(std::string_view body, EmbeddingsRequest& out, ApiError& error) {
  bool has_input = false;
  const bool read = read_request_fields(body, error, [&](std::string_view key, std::string_view raw_key, od::value& v) {
    if (key == "model") return read_model_field(v, out.model, error);
    if (key == "input") {
      if (has_input) {
        error = input_error("'input' is given twice.");
        return FieldVerdict::refused;
      }
      has_input = true;
      return read_input(v, out, error) ? FieldVerdict::next : FieldVerdict::refused;
    }
    if (key == "models") {
      od::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS) {
        error = ApiError::bad_request("'models' must be an array of model ids.", "invalid_type", "models");
        return FieldVerdict::refused;
      }
      for (auto item : arr) {
        std::string_view m;
        if (item.get_string().get(m) != simdjson::SUCCESS) {
          error = ApiError::bad_request("'models' must be an array of model ids.", "invalid_type", "models");
          return FieldVerdict::refused;
        }
        if (m.size() > limits::kMaxModelIdLength || out.fallback_models.size() >= limits::kMaxFallbackModels) {
          error = too_many_fallback_models();
          return FieldVerdict::refused;
        }
        out.fallback_models.emplace_back(m);
      }
      return FieldVerdict::next;
    }
    if (key == "allow_model_fallback") {
      if (v.get_bool().get(out.allow_model_fallback) == simdjson::SUCCESS) return FieldVerdict::next;
      error = ApiError::bad_request("'allow_model_fallback' must be a boolean.", "invalid_type", "allow_model_fallback");
      return FieldVerdict::refused;
    }
    if (key == "provider") return read_provider_preferences(v, out.providers, error);
    std::string_view raw;
    if (v.raw_json().get(raw) != simdjson::SUCCESS || !is_valid_json(raw)) return FieldVerdict::bad_json;
    raw = trimmed(raw);
    if (key == "encoding_format") {
      if (raw == "\"float\"") out.encoding = EncodingFormat::float32;
      else if (raw == "\"base64\"") out.encoding = EncodingFormat::base64;
      else if (raw != "null") {
        error = ApiError::bad_request("'encoding_format' must be \"float\" or \"base64\".", "invalid_value", "encoding_format");
        return FieldVerdict::refused;
      }
      if (raw == "null") return FieldVerdict::next;
    } else if (key == "dimensions") {
      Json d = parse_json(raw);
      if (d.is_null()) return FieldVerdict::next;
      if (!d.is_number_integer() || d.get<int64_t>() < 1 || d.get<int64_t>() > kMaxEmbeddingDimensions) {
        error = ApiError::bad_request("'dimensions' must be an integer between 1 and " + std::to_string(kMaxEmbeddingDimensions) + ".",
                                      "invalid_value", "dimensions");
        return FieldVerdict::refused;
      }
    } else if (key == "user") {
      if (raw.empty() || (raw.front() != '"' && raw != "null") || raw.size() > limits::kMaxModelIdLength + 2) {
        error = ApiError::bad_request("'user' must be a string of at most " + std::to_string(limits::kMaxModelIdLength) + " bytes.",
                                      "invalid_value", "user");
        return FieldVerdict::refused;
      }
    }
    keep_field(out.kept_fields, raw_key, raw);
    return FieldVerdict::next;
  });
  return read && check_required(out.model, has_input, "input", "'input' is required.", error);
}

std::string upstream_embeddings_body(const EmbeddingsRequest& req, std::string_view upstream_model) {
  std::string body;
  body.reserve(req.input.size() + req.kept_fields.size() + upstream_model.size() + 32);
  body += "{\"model\":";
  body += dump_json(Json(std::string(upstream_model)));
  body += ",\"input\":";
  body += req.input;
  if (!req.kept_fields.empty()) {
    body.push_back(',');
    body += req.kept_fields;
  }
  body.push_back('}');
  return body;
}

// ---- vectors ---------------------------------------------------------------

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

std::string floats_to_base64(const std::vector<float>& values) {
  std::string bytes(values.size() * 4, '\0');
  for (size_t i = 0; i < values.size(); ++i) {
    uint32_t bits;
    std::memcpy(&bits, &values[i], 4);
    // Little-endian whatever the host's order.
    for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<char>((bits >> (8 * b)) & 0xFF);
  }
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) | static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  if (size_t rest = bytes.size() - i) {
    uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

bool base64_to_floats(std::string_view text, std::vector<float>& out) {
  out.clear();
  if (text.size() % 4 != 0) return false;
  std::string bytes;
  bytes.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int s[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        s[k] = 0;
        ++pad;
        continue;
      }
      if (pad) return false;  // data after padding
      s[k] = sextet(c);
      if (s[k] < 0) return false;
    }
    uint32_t n = (s[0] << 18) | (s[1] << 12) | (s[2] << 6) | s[3];
    bytes.push_back(static_cast<char>((n >> 16) & 0xFF));
    if (pad < 2) bytes.push_back(static_cast<char>((n >> 8) & 0xFF));
    if (pad < 1) bytes.push_back(static_cast<char>(n & 0xFF));
  }
  if (bytes.size() % 4 != 0) return false;
  out.resize(bytes.size() / 4);
  for (size_t i = 0; i < out.size(); ++i) {
    uint32_t bits = 0;
    for (int b = 0; b < 4; ++b) bits |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i * 4 + b])) << (8 * b);
    std::memcpy(&out[i], &bits, 4);
  }
  return true;
}

std::string format_float(float value) {
  if (!std::isfinite(value)) return "0";  // JSON has no NaN or infinity
  char buf[32];
  for (int digits = 6; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, static_cast<double>(value));
    if (std::strtof(buf, nullptr) == value) break;
  }
  return buf;
}

// ---- answers ---------------------------------------------------------------

namespace {

struct Item {
  int64_t index = -1;
  std::string rendered;  // the vector in the client's format
};

// One `embedding` value, rendered as `want` asks.
bool render_vector(od::value v, bool want_base64, std::string& out, std::string& error) {
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) {
    error = "an embedding is not valid JSON";
    return false;
  }
  if (type == od::json_type::string) {
    std::string_view text;
    if (v.get_string().get(text) != simdjson::SUCCESS) {
      error = "an embedding is not valid JSON";
      return false;
    }
    std::vector<float> values;
    if (!base64_to_floats(text, values)) {
      error = "an embedding is a string but not base64 of float32 values";
      return false;
    }
    if (want_base64) {
      out.push_back('"');
      out.append(text);
      out.push_back('"');
      return true;
    }
    out.push_back('[');
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) out.push_back(',');
      out += format_float(values[i]);
    }
    out.push_back(']');
    return true;
  }
  od::array arr;
  if (type != od::json_type::array || v.get_array().get(arr) != simdjson::SUCCESS) {
    error = "an embedding is neither an array of numbers nor a base64 string";
    return false;
  }
  std::vector<float> values;
  if (!want_base64) out.push_back('[');
  size_t n = 0;
  for (auto item : arr) {
    od::value x;
    double d = 0;
    if (item.get(x) != simdjson::SUCCESS) {
      error = "an embedding is not valid JSON";
      return false;
    }
    const std::string_view raw = trimmed(x.raw_json_token());
    if (x.get_double().get(d) != simdjson::SUCCESS || !std::isfinite(d)) {
      error = "an embedding holds a value that is not a finite number";
      return false;
    }
    if (want_base64) {
      values.push_back(static_cast<float>(d));
    } else {
      if (n) out.push_back(',');
      out.append(raw);  // the upstream's own digits
    }
    ++n;
  }
  if (want_base64) {
    out.push_back('"');
    out += floats_to_base64(values);
    out.push_back('"');
  } else {
    out.push_back(']');
  }
  return true;
}

}  // namespace

bool render_embeddings(std::string_view upstream_body, const EmbeddingsRequest& req, std::string_view model_id,
                       EmbeddingsAnswer& out, std::string& error) {
  const bool want_base64 = req.encoding == EncodingFormat::base64;
  simdjson::padded_string padded(upstream_body);
  od::parser parser;
  od::document doc;
  od::object root;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS || doc.get_object().get(root) != simdjson::SUCCESS) {
    error = "the answer is not a JSON object";
    return false;
  }
  out = EmbeddingsAnswer{};
  std::vector<Item> items;
  bool has_data = false;
  for (auto f : root) {
    od::field field;
    std::string_view key;
    if (std::move(f).get(field) != simdjson::SUCCESS || field.unescaped_key(false).get(key) != simdjson::SUCCESS) {
      error = "the answer is not valid JSON";
      return false;
    }
    od::value& v = field.value();
    if (key == "data") {
      has_data = true;
      od::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS) {
        error = "\"data\" is not an array";
        return false;
      }
      for (auto element : arr) {
        od::object obj;
        if (element.get_object().get(obj) != simdjson::SUCCESS) {
          error = "an item of \"data\" is not an object";
          return false;
        }
        Item item;
        bool has_vector = false;
        for (auto m : obj) {
          od::field mf;
          std::string_view mk;
          if (std::move(m).get(mf) != simdjson::SUCCESS || mf.unescaped_key(false).get(mk) != simdjson::SUCCESS) {
            error = "the answer is not valid JSON";
            return false;
          }
          if (mk == "index") {
            if (mf.value().get_int64().get(item.index) != simdjson::SUCCESS || item.index < 0) {
              error = "an item's \"index\" is not a non-negative integer";
              return false;
            }
          } else if (mk == "embedding") {
            has_vector = true;
            if (!render_vector(mf.value(), want_base64, item.rendered, error)) return false;
          }
        }
        if (!has_vector) {
          error = "an item of \"data\" has no embedding";
          return false;
        }
        if (item.index < 0) item.index = static_cast<int64_t>(items.size());  // no index: its position
        items.push_back(std::move(item));
      }
    } else if (key == "model") {
      std::string_view m;
      if (v.get_string().get(m) == simdjson::SUCCESS) out.served_model.assign(m);
    } else if (key == "usage") {
      read_usage(v, out.usage);
    } else if (key == "error") {
      bool is_null = false;
      if (v.is_null().get(is_null) == simdjson::SUCCESS && is_null) continue;
      error = "the answer is an error";
      return false;
    }
  }
  if (!json_read::finished(doc)) {
    error = "the answer has content after the JSON object";
    return false;
  }
  if (!has_data) {
    error = "the answer has no \"data\"";
    return false;
  }
  // Some providers answer a batch out of order: the client gets input order.
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.index < b.index; });
  if (items.size() != req.input_count) {
    error = "the answer holds " + std::to_string(items.size()) + " embeddings for " + std::to_string(req.input_count) + " inputs";
    return false;
  }
  for (size_t i = 0; i < items.size(); ++i)
    if (items[i].index != static_cast<int64_t>(i)) {
      error = "the answer's indices are not 0 to " + std::to_string(items.size() - 1) + " (each once)";
      return false;
    }
  if (!out.usage.present || out.usage.prompt_tokens <= 0) {
    const auto reported = out.usage.reported_cost_usd;
    out.usage = Usage{};
    out.usage.prompt_tokens = req.input_tokens;
    out.usage.reported_cost_usd = reported;
    out.usage.present = true;
    out.usage.estimated = true;
  }
  // Embeddings have no output: whatever a provider puts there is not billed as completion.
  out.usage.completion_tokens = 0;
  out.usage.reasoning_tokens = 0;
  const std::string model = out.served_model.empty() ? std::string(model_id) : out.served_model;
  std::string& body = out.body;
  size_t size = 128 + model.size();
  for (const auto& item : items) size += item.rendered.size() + 48;
  body.reserve(size);
  // Built by hand, not as a DOM: a batch can hold millions of numbers.
  body += "{\"object\":\"list\",\"data\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) body.push_back(',');
    body += "{\"object\":\"embedding\",\"index\":";
    body += std::to_string(i);
    body += ",\"embedding\":";
    body += items[i].rendered;
    body.push_back('}');
  }
  body += "],\"model\":";
  body += dump_json(Json(model));
  body += ",\"usage\":{\"prompt_tokens\":";
  body += std::to_string(out.usage.prompt_tokens);
  body += ",\"total_tokens\":";
  body += std::to_string(out.usage.prompt_tokens);
  body += "}}";
  return true;
}

}  // namespace keyaos::openai
