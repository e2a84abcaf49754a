#include "protocols/google_v1internal/request_mapper.h"

#include <map>
#include <vector>

#include "core/text.h"
#include "protocols/google_v1internal/thinking_config.h"

namespace keyaos::google_v1internal {
namespace {

using nlohmann::ordered_json;

template <class J>
const J* member(const J& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

template <class J>
std::string_view string_of(const J* v) {
  if (v == nullptr || !v->is_string()) return {};
  return v->template get_ref<const typename J::string_t&>();
}

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

ordered_json text_part(std::string_view text) { return ordered_json{{"text", std::string(text)}}; }

// MIME type from a file name or URL path, for parts that do not state one.
std::string mime_from_name(std::string_view name, std::string_view fallback) {
  size_t query = name.find_first_of("?#");
  if (query != std::string_view::npos) name = name.substr(0, query);
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return std::string(fallback);
  std::string ext = ascii_lower(name.substr(dot + 1));
  static const std::pair<const char*, const char*> kTypes[] = {
      {"png", "image/png"},        {"jpg", "image/jpeg"},      {"jpeg", "image/jpeg"},   {"gif", "image/gif"},
      {"webp", "image/webp"},      {"heic", "image/heic"},     {"heif", "image/heif"},   {"pdf", "application/pdf"},
      {"txt", "text/plain"},       {"md", "text/markdown"},    {"html", "text/html"},    {"csv", "text/csv"},
      {"json", "application/json"}, {"mp3", "audio/mp3"},      {"wav", "audio/wav"},     {"ogg", "audio/ogg"},
      {"flac", "audio/flac"},      {"m4a", "audio/m4a"},       {"mp4", "video/mp4"},     {"webm", "video/webm"},
      {"mov", "video/mov"}};
  for (const auto& [e, mime] : kTypes) {
    if (ext == e) return mime;
  }
  return std::string(fallback);
}

// data:<mime>;base64,<data>
bool parse_data_url(std::string_view url, std::string& mime, std::string_view& data) {
  if (!starts_with(url, "data:")) return false;
  size_t comma = url.find(',');
  if (comma == std::string_view::npos) return false;
  std::string_view meta = url.substr(5, comma - 5);
  if (meta.size() < 7 || meta.substr(meta.size() - 7) != ";base64") return false;
  size_t semicolon = meta.find(';');
  mime = std::string(meta.substr(0, semicolon));
  data = url.substr(comma + 1);
  return true;
}

ordered_json inline_data(std::string_view mime, std::string_view data) {
  return ordered_json{{"inlineData", {{"mimeType", std::string(mime)}, {"data", std::string(data)}}}};
}

// A positive 63-bit decimal, as Antigravity's own client sends: stable for a
// conversation so the upstream can keep its cache.
std::string derived_session_id(std::string_view seed) {
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : seed) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  std::string id(1, '-');
  id += std::to_string(hash & 0x7FFFFFFFFFFFFFFFULL);
  return id;
}

template <class J>
class ChatRequestMapper {
 public:
  ChatRequestMapper(const J& request, const RequestMappingOptions& options) : request_(request), options_(options) {}

  MappedRequest run() {
    MappedRequest result;
    if (!request_.is_object()) return failure("The request body must be a JSON object.", result);
    result.model = !options_.model.empty() ? options_.model : upstream_model_id(string_of(member(request_, "model")));
    if (result.model.empty()) return failure("The request names no model.", result);
    model_ = result.model;

    ordered_json contents = ordered_json::array();
    ordered_json system_parts = ordered_json::array();
    if (!map_messages(contents, system_parts)) return failure(error_, result);
    if (contents.empty()) return failure("The conversation needs at least one user message.", result);

    ordered_json inner = ordered_json::object();
    inner["contents"] = std::move(contents);
    if (!system_parts.empty()) inner["systemInstruction"] = {{"role", "user"}, {"parts", std::move(system_parts)}};
    ordered_json tools = map_tools();
    if (!tools.empty()) inner["tools"] = std::move(tools);
    ordered_json tool_config;
    if (!map_tool_choice(tool_config)) return failure(error_, result);
    if (!tool_config.is_null()) inner["toolConfig"] = std::move(tool_config);
    ordered_json generation = map_generation_config();
    if (!generation.empty()) inner["generationConfig"] = std::move(generation);

    ordered_json envelope = ordered_json::object();
    envelope["model"] = model_;
    if (!options_.project_id.empty()) envelope["project"] = options_.project_id;
    if (options_.product == Product::antigravity) {
      bool image = model_.find("image") != std::string::npos;
      envelope["userAgent"] = "antigravity";
      envelope["requestType"] = image ? "image_gen" : "agent";
      if (!options_.request_uuid.empty()) {
        envelope["requestId"] = image ? "image_gen/" + std::to_string(options_.now_ms) + "/" + options_.request_uuid + "/12"
                                      : "agent-" + options_.request_uuid;
      }
      inner["sessionId"] = !options_.session_id.empty() ? options_.session_id : derived_session_id(first_user_text_);
    } else if (!options_.session_id.empty()) {
      envelope["user_prompt_id"] = options_.session_id + "########" + std::to_string(options_.prompt_index);
      inner["session_id"] = options_.session_id;
    }
    envelope["request"] = std::move(inner);

    result.ok = true;
    result.body = envelope.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
    return result;
  }

 private:
  MappedRequest& failure(std::string message, MappedRequest& result) {
    result.ok = false;
    result.error.error_class = ErrorClass::bad_request;
    result.error.http_status = 400;
    result.error.message = std::move(message);
    result.error.type = "invalid_request_error";
    result.error.code = "invalid_request";
    return result;
  }

  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  // Text of a string content or of the text parts of an array content.
  void collect_texts(const J& content, std::vector<std::string_view>& texts) {
    if (content.is_string()) {
      texts.push_back(content.template get_ref<const typename J::string_t&>());
      return;
    }
    if (!content.is_array()) return;
    for (const auto& part : content) {
      std::string_view type = string_of(member(part, "type"));
      if (type == "text" || (type.empty() && member(part, "text") != nullptr)) {
        std::string_view text = string_of(member(part, "text"));
        if (!text.empty()) texts.push_back(text);
      }
    }
  }

  std::string joined_text(const J* content) {
    std::string out;
    if (content == nullptr) return out;
    std::vector<std::string_view> texts;
    collect_texts(*content, texts);
    for (size_t i = 0; i < texts.size(); ++i) {
      if (i > 0) out += '\n';
      out += texts[i];
    }
    return out;
  }

  bool media_part(std::string_view url, std::string_view fallback_mime, ordered_json& parts) {
    std::string mime;
    std::string_view data;
    if (parse_data_url(url, mime, data)) {
      parts.push_back(inline_data(mime.empty() ? fallback_mime : mime, data));
      return true;
    }
    if (starts_with(url, "data:")) return fail("Inline media must be a base64 data URL.");
    if (url.empty()) return fail("A media part has no URL.");
    parts.push_back({{"fileData", {{"mimeType", mime_from_name(url, fallback_mime)}, {"fileUri", std::string(url)}}}});
    return true;
  }

  bool user_parts(const J& content, ordered_json& parts) {
    if (content.is_string()) {
      std::string_view text = content.template get_ref<const typename J::string_t&>();
      if (!text.empty()) parts.push_back(text_part(text));
      return true;
    }
    if (!content.is_array()) return content.is_null() || fail("Message content must be a string or an array of parts.");
    for (const auto& part : content) {
      std::string_view type = string_of(member(part, "type"));
      if (type == "text") {
        std::string_view text = string_of(member(part, "text"));
        if (!text.empty()) parts.push_back(text_part(text));
      } else if (type == "image_url") {
        const J* image = member(part, "image_url");
        if (image == nullptr) return fail("An image_url part has no image_url.");
        std::string_view url = image->is_string() ? string_of(image) : string_of(member(*image, "url"));
        if (!media_part(url, "image/jpeg", parts)) return false;
      } else if (type == "input_audio") {
        const J* audio = member(part, "input_audio");
        if (audio == nullptr) return fail("An input_audio part has no input_audio.");
        std::string format = ascii_lower(string_of(member(*audio, "format")));
        parts.push_back(inline_data("audio/" + (format.empty() ? std::string("wav") : format),
                                    string_of(member(*audio, "data"))));
      } else if (type == "file") {
        const J* file = member(part, "file");
        if (file == nullptr) return fail("A file part has no file.");
        std::string_view file_data = string_of(member(*file, "file_data"));
        if (file_data.empty()) return fail("Files must be sent inline (file_data); file_id is not supported.");
        std::string fallback = mime_from_name(string_of(member(*file, "filename")), "application/pdf");
        if (starts_with(file_data, "data:")) {
          if (!media_part(file_data, fallback, parts)) return false;
        } else {
          parts.push_back(inline_data(fallback, file_data));
        }
      } else if (type == "refusal") {
        // An earlier refusal carries nothing the model needs.
      } else {
        return fail("Unsupported content part type \"" + std::string(type) + "\".");
      }
    }
    return true;
  }

  ordered_json function_arguments(const J* arguments) {
    if (arguments != nullptr && arguments->is_object()) return ordered_json(*arguments);
    std::string_view text = string_of(arguments);
    size_t start = text.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) return ordered_json::object();
    ordered_json parsed = ordered_json::parse(text.begin(), text.end(), nullptr, false);
    if (parsed.is_object()) return parsed;
    // Not an object (or not JSON): keep what the model wrote rather than drop it.
    return ordered_json{{"arguments", std::string(text)}};
  }

  bool assistant_parts(const J& message, ordered_json& parts) {
    std::string_view reasoning = string_of(member(message, "reasoning_content"));
    if (!reasoning.empty()) parts.push_back({{"text", std::string(reasoning)}, {"thought", true}});
    if (const J* content = member(message, "content")) {
      std::vector<std::string_view> texts;
      collect_texts(*content, texts);
      for (std::string_view text : texts) parts.push_back(text_part(text));
    }
    bool signed_call = false;
    auto add_call = [&](std::string_view id, std::string_view name, const J* arguments) {
      ordered_json call = {{"functionCall", {{"name", std::string(name)}, {"args", function_arguments(arguments)}}}};
      const std::string* recorded = nullptr;
      if (options_.thought_signatures != nullptr && !id.empty()) {
        auto found = options_.thought_signatures->find(id);
        if (found != options_.thought_signatures->end()) recorded = &found->second;
      }
      if (recorded != nullptr) {
        call["thoughtSignature"] = *recorded;
        signed_call = true;
      } else if (!signed_call) {
        // Gemini signs only the first of parallel calls; unsigned history needs the bypass value.
        call["thoughtSignature"] = std::string(kSkipThoughtSignatureValidator);
      }
      parts.push_back(std::move(call));
      if (!id.empty()) call_names_[std::string(id)] = std::string(name);
    };
    if (const J* calls = member(message, "tool_calls")) {
      if (!calls->is_array()) return fail("tool_calls must be an array.");
      for (const auto& call : *calls) {
        const J* function = member(call, "function");
        std::string_view name = function != nullptr ? string_of(member(*function, "name")) : std::string_view();
        if (name.empty()) return fail("A tool call has no function name.");
        add_call(string_of(member(call, "id")), name, member(*function, "arguments"));
      }
    }
    if (const J* legacy = member(message, "function_call")) {
      std::string_view name = string_of(member(*legacy, "name"));
      if (name.empty()) return fail("A function_call has no name.");
      add_call({}, name, member(*legacy, "arguments"));
    }
    return true;
  }

  ordered_json function_response(const J& message, bool legacy_function_role) {
    std::string name;
    std::string_view call_id = string_of(member(message, "tool_call_id"));
    auto known = call_names_.find(std::string(call_id));
    if (!legacy_function_role && known != call_names_.end()) name = known->second;
    if (name.empty()) name = std::string(string_of(member(message, "name")));
    if (name.empty()) name = "unknown_function";
    // gemini-cli's shape: the tool's text under "output".
    return {{"functionResponse", {{"name", name}, {"response", {{"output", joined_text(member(message, "content"))}}}}}};
  }

  bool map_messages(ordered_json& contents, ordered_json& system_parts) {
    const J* messages = member(request_, "messages");
    if (messages == nullptr || !messages->is_array() || messages->empty()) {
      return fail("messages must be a non-empty array.");
    }
    long tool_turn = -1;  // contents index of the user turn collecting tool results
    for (const auto& message : *messages) {
      if (!message.is_object()) return fail("Each message must be an object.");
      std::string_view role = string_of(member(message, "role"));
      if (role == "system" || role == "developer") {
        std::vector<std::string_view> texts;
        if (const J* content = member(message, "content")) collect_texts(*content, texts);
        for (std::string_view text : texts) system_parts.push_back(text_part(text));
      } else if (role == "user") {
        ordered_json parts = ordered_json::array();
        const J* content = member(message, "content");
        if (content != nullptr && !user_parts(*content, parts)) return false;
        if (first_user_text_.empty()) first_user_text_ = joined_text(content);
        if (parts.empty()) continue;
        contents.push_back({{"role", "user"}, {"parts", std::move(parts)}});
        tool_turn = -1;
      } else if (role == "assistant") {
        ordered_json parts = ordered_json::array();
        if (!assistant_parts(message, parts)) return false;
        if (parts.empty()) continue;
        contents.push_back({{"role", "model"}, {"parts", std::move(parts)}});
        tool_turn = -1;
      } else if (role == "tool" || role == "function") {
        ordered_json part = function_response(message, role == "function");
        if (tool_turn >= 0) {
          contents[static_cast<size_t>(tool_turn)]["parts"].push_back(std::move(part));
        } else {
          tool_turn = static_cast<long>(contents.size());
          contents.push_back({{"role", "user"}, {"parts", ordered_json::array({std::move(part)})}});
        }
      } else {
        return fail("Unsupported message role \"" + std::string(role) + "\".");
      }
    }
    return true;
  }

  ordered_json map_tools() {
    ordered_json declarations = ordered_json::array();
    if (const J* tools = member(request_, "tools"); tools != nullptr && tools->is_array()) {
      for (const auto& tool : *tools) {
        std::string_view type = string_of(member(tool, "type"));
        const J* function = member(tool, "function");
        if ((!type.empty() && type != "function") || function == nullptr) continue;
        std::string_view name = string_of(member(*function, "name"));
        if (name.empty()) continue;
        ordered_json declaration = {{"name", std::string(name)}};
        std::string_view description = string_of(member(*function, "description"));
        if (!description.empty()) declaration["description"] = std::string(description);
        // parametersJsonSchema takes full JSON Schema, unlike the OpenAPI subset of `parameters`.
        const J* parameters = member(*function, "parameters");
        if (parameters != nullptr && parameters->is_object()) declaration["parametersJsonSchema"] = ordered_json(*parameters);
        declarations.push_back(std::move(declaration));
      }
    }
    ordered_json tools = ordered_json::array();
    if (!declarations.empty()) tools.push_back({{"functionDeclarations", std::move(declarations)}});
    if (member(request_, "web_search_options") != nullptr) tools.push_back({{"googleSearch", ordered_json::object()}});
    return tools;
  }

  bool map_tool_choice(ordered_json& tool_config) {
    const J* choice = member(request_, "tool_choice");
    if (choice == nullptr) return true;
    ordered_json config = ordered_json::object();
    if (choice->is_string()) {
      std::string_view mode = string_of(choice);
      if (mode == "auto") config["mode"] = "AUTO";
      else if (mode == "none") config["mode"] = "NONE";
      else if (mode == "required") config["mode"] = "ANY";
      else return fail("Unsupported tool_choice \"" + std::string(mode) + "\".");
    } else if (choice->is_object()) {
      std::string_view type = string_of(member(*choice, "type"));
      if (type == "function") {
        const J* function = member(*choice, "function");
        std::string_view name = function != nullptr ? string_of(member(*function, "name")) : std::string_view();
        if (name.empty()) return fail("tool_choice names no function.");
        config["mode"] = "ANY";
        config["allowedFunctionNames"] = ordered_json::array({std::string(name)});
      } else if (type == "allowed_tools") {
        const J* allowed = member(*choice, "allowed_tools");
        std::string_view mode = allowed != nullptr ? string_of(member(*allowed, "mode")) : std::string_view();
        if (mode == "required") {
          ordered_json names = ordered_json::array();
          const J* tools = allowed != nullptr ? member(*allowed, "tools") : nullptr;
          if (tools != nullptr && tools->is_array()) {
            for (const auto& tool : *tools) {
              const J* function = member(tool, "function");
              std::string_view name = function != nullptr ? string_of(member(*function, "name")) : std::string_view();
              if (!name.empty()) names.push_back(std::string(name));
            }
          }
          config["mode"] = "ANY";
          if (!names.empty()) config["allowedFunctionNames"] = std::move(names);
        } else {
          config["mode"] = "AUTO";
        }
      } else {
        return fail("Unsupported tool_choice type \"" + std::string(type) + "\".");
      }
    } else {
      return fail("tool_choice must be a string or an object.");
    }
    tool_config = {{"functionCallingConfig", std::move(config)}};
    return true;
  }

  void copy_number(ordered_json& out, const char* from, const char* to) {
    const J* v = member(request_, from);
    if (v != nullptr && v->is_number()) out[to] = ordered_json(*v);
  }

  void copy_integer(ordered_json& out, const char* from, const char* to) {
    const J* v = member(request_, from);
    if (v != nullptr && (v->is_number_integer() || v->is_number_unsigned())) out[to] = ordered_json(*v);
  }

  ordered_json map_generation_config() {
    ordered_json config = ordered_json::object();
    copy_number(config, "temperature", "temperature");
    copy_number(config, "top_p", "topP");
    copy_number(config, "top_k", "topK");
    if (const J* max = member(request_, "max_completion_tokens"); max != nullptr && max->is_number_integer()) {
      config["maxOutputTokens"] = ordered_json(*max);
    } else if (const J* legacy_max = member(request_, "max_tokens"); legacy_max != nullptr && legacy_max->is_number_integer()) {
      config["maxOutputTokens"] = ordered_json(*legacy_max);
    }
    copy_integer(config, "n", "candidateCount");
    if (const J* stop = member(request_, "stop")) {
      ordered_json sequences = ordered_json::array();
      if (stop->is_string()) sequences.push_back(std::string(string_of(stop)));
      if (stop->is_array()) {
        for (const auto& s : *stop) {
          if (s.is_string()) sequences.push_back(s.template get_ref<const typename J::string_t&>());
        }
      }
      if (!sequences.empty()) config["stopSequences"] = std::move(sequences);
    }
    copy_number(config, "presence_penalty", "presencePenalty");
    copy_number(config, "frequency_penalty", "frequencyPenalty");
    copy_integer(config, "seed", "seed");
    if (const J* format = member(request_, "response_format")) {
      std::string_view type = string_of(member(*format, "type"));
      if (type == "json_object") {
        config["responseMimeType"] = "application/json";
      } else if (type == "json_schema") {
        config["responseMimeType"] = "application/json";
        const J* spec = member(*format, "json_schema");
        const J* schema = spec != nullptr ? member(*spec, "schema") : nullptr;
        if (schema != nullptr && schema->is_object()) config["responseJsonSchema"] = ordered_json(*schema);
      }
    }
    if (const J* logprobs = member(request_, "logprobs"); logprobs != nullptr && logprobs->is_boolean() &&
                                                           logprobs->template get<bool>()) {
      config["responseLogprobs"] = true;
      copy_integer(config, "top_logprobs", "logprobs");
    }
    std::string_view effort = string_of(member(request_, "reasoning_effort"));
    int64_t budget = -1;
    if (const J* reasoning = member(request_, "reasoning"); reasoning != nullptr && reasoning->is_object()) {
      // OpenRouter's form: {"effort": "high"} or {"max_tokens": 2048}.
      if (effort.empty()) effort = string_of(member(*reasoning, "effort"));
      const J* max = member(*reasoning, "max_tokens");
      if (max != nullptr && max->is_number_integer()) budget = max->template get<int64_t>();
    }
    ordered_json thinking = thinking_config(model_, effort, budget);
    if (!thinking.is_null()) config["thinkingConfig"] = std::move(thinking);
    return config;
  }

  const J& request_;
  const RequestMappingOptions& options_;
  std::string model_;
  std::string error_;
  std::string first_user_text_;
  std::map<std::string, std::string> call_names_;  // tool_call_id → function name
};

}  // namespace

std::string upstream_model_id(std::string_view model) {
  size_t slash = model.rfind('/');
  if (slash != std::string_view::npos) model = model.substr(slash + 1);
  return std::string(model);
}

MappedRequest map_chat_request(const nlohmann::json& request, const RequestMappingOptions& options) {
  return ChatRequestMapper<nlohmann::json>(request, options).run();
}

MappedRequest map_chat_request(std::string_view request_body, const RequestMappingOptions& options) {
  ordered_json request = ordered_json::parse(request_body.begin(), request_body.end(), nullptr, false);
  if (request.is_discarded()) {
    MappedRequest result;
    result.error.error_class = ErrorClass::bad_request;
    result.error.http_status = 400;
    result.error.message = "The request body is not valid JSON.";
    result.error.type = "invalid_request_error";
    result.error.code = "invalid_json";
    return result;
  }
  return ChatRequestMapper<ordered_json>(request, options).run();
}

}  // namespace keyaos::google_v1internal
