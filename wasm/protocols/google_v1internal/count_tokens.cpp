#include "protocols/google_v1internal/count_tokens.h"

#include "core/json.h"
#include "core/text.h"
#include "core/json_read.h"
#include "protocols/google_v1internal/request_mapper.h"

namespace keyaos::google_v1internal {
namespace od = simdjson::ondemand;

std::string count_tokens_body(std::string_view envelope, std::string_view upstream_model) {
  simdjson::padded_string padded(envelope);
  od::parser parser;
  od::document doc;
  od::object request;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS || doc["request"].get_object().get(request) != simdjson::SUCCESS) return {};
  std::string_view contents;
  std::string preamble;  // system instruction texts and tool declarations
  for (auto result : request) {
    od::field f;
    std::string_view key;
    if (!json_read::field_key(result, f, key)) return {};
    od::value& v = f.value();
    if (key == "contents") {
      if (v.raw_json().get(contents) != simdjson::SUCCESS) return {};
    } else if (key == "systemInstruction") {
      od::array parts;
      if (v["parts"].get_array().get(parts) != simdjson::SUCCESS) continue;
      for (auto part : parts) {
        std::string_view text;
        if (part["text"].get_string().get(text) == simdjson::SUCCESS) preamble.append(text).push_back('\n');
      }
    } else if (key == "tools") {
      std::string_view raw;
      if (v.raw_json().get(raw) == simdjson::SUCCESS) preamble.append(raw).push_back('\n');
    }
  }
  while (!contents.empty() && contents.back() != ']') contents.remove_suffix(1);
  if (contents.size() < 2 || contents.front() != '[') return {};
  std::string body = "{\"request\":{\"model\":" + dump_json(Json("models/" + std::string(upstream_model))) + ",\"contents\":[";
  std::string_view rest = contents.substr(1, contents.size() - 2);
  if (!preamble.empty()) {
    body += "{\"role\":\"user\",\"parts\":[{\"text\":" + dump_json(Json(preamble)) + "}]}";
    if (rest.find_first_not_of(" \t\r\n") != std::string_view::npos) body.push_back(',');
  }
  body.append(rest);
  body += "]}}";
  return body;
}

std::string gemini_count_tokens_body(std::string_view chat_body, std::string_view upstream_model) {
  RequestMappingOptions options;
  options.model = std::string(upstream_model);
  const MappedRequest mapped = map_chat_request(chat_body, options);
  if (!mapped.ok) return {};
  simdjson::padded_string padded(mapped.body);
  od::parser parser;
  od::document doc;
  od::object request;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS || doc["request"].get_object().get(request) != simdjson::SUCCESS) return {};
  std::string body = "{\"generateContentRequest\":{\"model\":" + dump_json(Json("models/" + std::string(upstream_model)));
  bool has_contents = false;
  for (auto result : request) {
    od::field f;
    std::string_view key, raw;
    if (!json_read::field_key(result, f, key)) return {};
    // The members of a GenerateContentRequest that are part of the prompt.
    if (key != "contents" && key != "systemInstruction" && key != "tools" && key != "toolConfig") continue;
    if (f.value().raw_json().get(raw) != simdjson::SUCCESS) return {};
    raw = trim_json_whitespace_end(raw);
    has_contents = has_contents || key == "contents";
    body += ",\"" + std::string(key) + "\":";
    body.append(raw);
  }
  if (!has_contents) return {};
  body += "}}";
  return body;
}

int64_t read_total_tokens(std::string_view body) {
  simdjson::padded_string padded(body);
  od::parser parser;
  od::document doc;
  od::value total;
  int64_t n = -1;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS || doc["totalTokens"].get(total) != simdjson::SUCCESS) return -1;
  if (!json_read::int64(total, n) || n < 0) return -1;
  return n;
}

}  // namespace keyaos::google_v1internal
