#include "protocols/google_v1internal/request_mapper.h"

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "core/json_read.h"
#include "core/json_tree.h"
#include "core/json_write.h"
#include "core/text.h"
#include "protocols/google_v1internal/thinking_config.h"

namespace keyaos::google_v1internal {
namespace {

namespace od = simdjson::ondemand;
using json_read::each_member;
using nlohmann::ordered_json;

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

// Reading: one On-Demand pass over the client's body, in its order. A member
// given twice counts as the last, as a tree parse would take it; a message or
// part is read whole before it is mapped (its role or type may follow its
// content). String views point into the parser's buffer, which lives as long
// as the mapping.

// A value's string, or empty for any other type (taken as absent).
std::string_view string_or_empty(od::value& v) {
  std::string_view text;
  json_read::string(v, text);
  return text;
}

// Present and not null: what the mapping takes as given.
bool given(od::value& v) {
  od::json_type type;
  return json_read::type_of(v, type) && type != od::json_type::null;
}

bool is_integer(od::value& v) {
  od::number_type kind;
  return json_read::is(v, od::json_type::number) && v.get_number_type().get(kind) == simdjson::SUCCESS &&
         (kind == od::number_type::signed_integer || kind == od::number_type::unsigned_integer);
}

// A number copied as written (an integer stays one); nullopt for any other type.
// False on a broken document.
bool read_number(od::value& v, bool integer_only, std::optional<ordered_json>& out) {
  out.reset();
  if (!json_read::is(v, od::json_type::number) || (integer_only && !is_integer(v))) return true;
  ordered_json n;
  if (!json_tree::from_value(v, n)) return false;
  out = std::move(n);
  return true;
}

// One element of an array content.
struct Part {
  std::string_view type;
  bool has_text = false;  // a non-null "text"
  std::string_view text;
  bool has_image = false;
  std::string_view image_url;  // image_url as a string, or its "url"
  bool has_audio = false;
  std::string_view audio_data, audio_format;
  bool has_file = false;
  std::string_view file_data, file_name;
};

struct Content {
  enum class Kind { absent, text, parts, other } kind = Kind::absent;
  std::string_view text;
  std::vector<Part> parts;
};

// Calls on_member(key, value) for each member of `v` when it is an object; any other value is passed over.
template <class OnMember>
void each_member_of(od::value& v, OnMember&& on_member) {
  od::object obj;
  if (json_read::object(v, obj)) each_member(obj, on_member);
}

Part read_part(od::value& v) {
  Part p;
  each_member_of(v, [&](std::string_view key, od::value& f) {
    if (key == "type") {
      p.type = string_or_empty(f);
    } else if (key == "text") {
      p.has_text = given(f);
      p.text = string_or_empty(f);
    } else if (key == "image_url") {
      p.has_image = given(f);
      p.image_url = {};
      if (!json_read::string(f, p.image_url))
        each_member_of(f, [&](std::string_view k, od::value& u) {
          if (k == "url") p.image_url = string_or_empty(u);
          return true;
        });
    } else if (key == "input_audio") {
      p.has_audio = given(f);
      p.audio_data = p.audio_format = {};
      each_member_of(f, [&](std::string_view k, od::value& a) {
        if (k == "data") p.audio_data = string_or_empty(a);
        else if (k == "format") p.audio_format = string_or_empty(a);
        return true;
      });
    } else if (key == "file") {
      p.has_file = given(f);
      p.file_data = p.file_name = {};
      each_member_of(f, [&](std::string_view k, od::value& a) {
        if (k == "file_data") p.file_data = string_or_empty(a);
        else if (k == "filename") p.file_name = string_or_empty(a);
        return true;
      });
    }
    return true;
  });
  return p;
}

Content read_content(od::value& v) {
  Content c;
  od::json_type type;
  if (!json_read::type_of(v, type) || type == od::json_type::null) return c;
  if (type == od::json_type::string) {
    c.kind = Content::Kind::text;
    c.text = string_or_empty(v);
    return c;
  }
  od::array parts;
  if (type != od::json_type::array || v.get_array().get(parts) != simdjson::SUCCESS) {
    c.kind = Content::Kind::other;
    return c;
  }
  c.kind = Content::Kind::parts;
  for (auto result : parts) {
    od::value part;
    if (std::move(result).get(part) != simdjson::SUCCESS) break;
    c.parts.push_back(read_part(part));
  }
  return c;
}

struct ToolCall {
  std::string_view id, name;
  std::optional<ordered_json> arguments_object;  // arguments given as an object
  std::string_view arguments_text;               // arguments given as a string
};

// A function (a tool call's, or the legacy function_call): its name and arguments.
bool read_function(od::value& v, ToolCall& call) {
  bool ok = true;
  each_member_of(v, [&](std::string_view key, od::value& f) {
    if (key == "name") {
      call.name = string_or_empty(f);
    } else if (key == "arguments") {
      call.arguments_object.reset();
      call.arguments_text = {};
      if (json_read::is(f, od::json_type::object)) {
        ordered_json tree;
        if (!(ok = json_tree::from_value(f, tree))) return false;
        call.arguments_object = std::move(tree);
      } else {
        call.arguments_text = string_or_empty(f);
      }
    }
    return true;
  });
  return ok;
}

struct Message {
  std::string_view role, reasoning, tool_call_id, name;
  Content content;
  bool has_tool_calls = false, tool_calls_array = false;
  std::vector<ToolCall> tool_calls;
  bool has_function_call = false;
  ToolCall function_call;
};

bool read_message(od::object& obj, Message& m) {
  bool ok = true;
  each_member(obj, [&](std::string_view key, od::value& v) {
    if (key == "role") m.role = string_or_empty(v);
    else if (key == "content") m.content = read_content(v);
    else if (key == "reasoning_content") m.reasoning = string_or_empty(v);
    else if (key == "tool_call_id") m.tool_call_id = string_or_empty(v);
    else if (key == "name") m.name = string_or_empty(v);
    else if (key == "tool_calls") {
      m.has_tool_calls = given(v);
      m.tool_calls_array = json_read::is(v, od::json_type::array);
      m.tool_calls.clear();
      od::array calls;
      if (m.tool_calls_array && v.get_array().get(calls) == simdjson::SUCCESS) {
        for (auto result : calls) {
          od::value item;
          if (std::move(result).get(item) != simdjson::SUCCESS) return ok = false;
          ToolCall call;
          each_member_of(item, [&](std::string_view k, od::value& f) {
            if (k == "id") {
              call.id = string_or_empty(f);
            } else if (k == "function") {
              call = ToolCall{call.id, {}, {}, {}};
              ok = read_function(f, call);
            }
            return ok;
          });
          if (!ok) return false;
          m.tool_calls.push_back(std::move(call));
        }
      }
    } else if (key == "function_call") {
      m.has_function_call = given(v);
      m.function_call = ToolCall{};
      ok = read_function(v, m.function_call);
    }
    return ok;
  });
  return ok;
}

// The request's members other than messages, as read.
struct Settings {
  std::string_view model;
  std::vector<ordered_json> declarations;  // tools[].function, as functionDeclarations
  bool web_search = false;
  ordered_json tool_config;  // null when tool_choice is absent
  std::string tool_choice_error;
  std::optional<ordered_json> temperature, top_p, top_k, max_completion_tokens, max_tokens, n, presence_penalty,
      frequency_penalty, seed, top_logprobs;
  ordered_json stop_sequences = ordered_json::array();
  std::string_view format_type;
  std::optional<ordered_json> format_schema;
  bool logprobs = false;
  std::string_view reasoning_effort, nested_effort;
  int64_t reasoning_budget = -1;
};

// A tools[] entry as a function declaration; nullopt when it declares none.
// False on a broken document.
bool read_tool(od::value& v, std::optional<ordered_json>& declaration) {
  std::string_view type;
  bool has_function = false;
  std::string_view name, description;
  std::optional<ordered_json> parameters;
  bool ok = true;
  each_member_of(v, [&](std::string_view key, od::value& f) {
    if (key == "type") {
      type = string_or_empty(f);
    } else if (key == "function") {
      has_function = given(f);
      name = description = {};
      parameters.reset();
      each_member_of(f, [&](std::string_view k, od::value& fv) {
        if (k == "name") {
          name = string_or_empty(fv);
        } else if (k == "description") {
          description = string_or_empty(fv);
        } else if (k == "parameters") {
          parameters.reset();
          if (json_read::is(fv, od::json_type::object)) {
            ordered_json schema;
            if (!(ok = json_tree::from_value(fv, schema))) return false;
            parameters = std::move(schema);
          }
        }
        return true;
      });
    }
    return ok;
  });
  if (!ok || (!type.empty() && type != "function") || !has_function || name.empty()) return ok;
  ordered_json d = {{"name", std::string(name)}};
  if (!description.empty()) d["description"] = std::string(description);
  // parametersJsonSchema takes full JSON Schema, unlike the OpenAPI subset of `parameters`.
  if (parameters) d["parametersJsonSchema"] = std::move(*parameters);
  declaration = std::move(d);
  return true;
}

// tool_choice as toolConfig, or the reason it cannot be.
void read_tool_choice(od::value& v, Settings& s) {
  s.tool_config = nullptr;
  s.tool_choice_error.clear();
  od::json_type type;
  if (!json_read::type_of(v, type) || type == od::json_type::null) return;
  ordered_json config = ordered_json::object();
  if (type == od::json_type::string) {
    std::string_view mode = string_or_empty(v);
    if (mode == "auto") config["mode"] = "AUTO";
    else if (mode == "none") config["mode"] = "NONE";
    else if (mode == "required") config["mode"] = "ANY";
    else {
      s.tool_choice_error = "Unsupported tool_choice \"" + std::string(mode) + "\".";
      return;
    }
  } else if (type == od::json_type::object) {
    std::string_view choice_type, function_name, allowed_mode;
    std::vector<std::string_view> allowed_names;
    auto function_name_of = [](od::value& f, std::string_view& name) {
      name = {};
      each_member_of(f, [&](std::string_view k, od::value& n) {
        if (k == "name") name = string_or_empty(n);
        return true;
      });
    };
    each_member_of(v, [&](std::string_view key, od::value& f) {
      if (key == "type") {
        choice_type = string_or_empty(f);
      } else if (key == "function") {
        function_name_of(f, function_name);
      } else if (key == "allowed_tools") {
        allowed_mode = {};
        allowed_names.clear();
        each_member_of(f, [&](std::string_view k, od::value& a) {
          if (k == "mode") {
            allowed_mode = string_or_empty(a);
          } else if (k == "tools") {
            allowed_names.clear();
            json_read::each_object(a, [&](od::object& tool) {
              std::string_view name;
              each_member(tool, [&](std::string_view tk, od::value& tf) {
                if (tk == "function") function_name_of(tf, name);
                return true;
              });
              if (!name.empty()) allowed_names.push_back(name);
            });
          }
          return true;
        });
      }
      return true;
    });
    if (choice_type == "function") {
      if (function_name.empty()) {
        s.tool_choice_error = "tool_choice names no function.";
        return;
      }
      config["mode"] = "ANY";
      config["allowedFunctionNames"] = ordered_json::array({std::string(function_name)});
    } else if (choice_type == "allowed_tools") {
      if (allowed_mode == "required") {
        config["mode"] = "ANY";
        if (!allowed_names.empty()) {
          ordered_json names = ordered_json::array();
          for (std::string_view name : allowed_names) names.push_back(std::string(name));
          config["allowedFunctionNames"] = std::move(names);
        }
      } else {
        config["mode"] = "AUTO";
      }
    } else {
      s.tool_choice_error = "Unsupported tool_choice type \"" + std::string(choice_type) + "\".";
      return;
    }
  } else {
    s.tool_choice_error = "tool_choice must be a string or an object.";
    return;
  }
  s.tool_config = {{"functionCallingConfig", std::move(config)}};
}

// Reads a member of the request other than messages into `s`; false on a broken document.
bool read_setting(std::string_view key, od::value& v, Settings& s) {
  if (key == "model") {
    s.model = string_or_empty(v);
  } else if (key == "tools") {
    s.declarations.clear();
    od::array tools;
    if (!json_read::is(v, od::json_type::array) || v.get_array().get(tools) != simdjson::SUCCESS) return true;
    for (auto result : tools) {
      od::value tool;
      std::optional<ordered_json> declaration;
      if (std::move(result).get(tool) != simdjson::SUCCESS || !read_tool(tool, declaration)) return false;
      if (declaration) s.declarations.push_back(std::move(*declaration));
    }
  } else if (key == "web_search_options") {
    s.web_search = given(v);
  } else if (key == "tool_choice") {
    read_tool_choice(v, s);
  } else if (key == "temperature") {
    return read_number(v, false, s.temperature);
  } else if (key == "top_p") {
    return read_number(v, false, s.top_p);
  } else if (key == "top_k") {
    return read_number(v, false, s.top_k);
  } else if (key == "max_completion_tokens") {
    return read_number(v, true, s.max_completion_tokens);
  } else if (key == "max_tokens") {
    return read_number(v, true, s.max_tokens);
  } else if (key == "n") {
    return read_number(v, true, s.n);
  } else if (key == "presence_penalty") {
    return read_number(v, false, s.presence_penalty);
  } else if (key == "frequency_penalty") {
    return read_number(v, false, s.frequency_penalty);
  } else if (key == "seed") {
    return read_number(v, true, s.seed);
  } else if (key == "top_logprobs") {
    return read_number(v, true, s.top_logprobs);
  } else if (key == "stop") {
    s.stop_sequences = ordered_json::array();
    std::string_view text;
    if (json_read::string(v, text)) {
      s.stop_sequences.push_back(std::string(text));
    } else if (json_read::is(v, od::json_type::array)) {
      od::array items;
      if (v.get_array().get(items) != simdjson::SUCCESS) return false;
      for (auto result : items) {
        od::value item;
        if (std::move(result).get(item) != simdjson::SUCCESS) return false;
        if (json_read::string(item, text)) s.stop_sequences.push_back(std::string(text));
      }
    }
  } else if (key == "response_format") {
    s.format_type = {};
    s.format_schema.reset();
    bool ok = true;
    each_member_of(v, [&](std::string_view k, od::value& f) {
      if (k == "type") {
        s.format_type = string_or_empty(f);
      } else if (k == "json_schema") {
        s.format_schema.reset();
        each_member_of(f, [&](std::string_view sk, od::value& schema) {
          if (sk != "schema") return true;
          s.format_schema.reset();
          if (!json_read::is(schema, od::json_type::object)) return true;
          ordered_json tree;
          if (!(ok = json_tree::from_value(schema, tree))) return false;
          s.format_schema = std::move(tree);
          return true;
        });
      }
      return ok;
    });
    return ok;
  } else if (key == "logprobs") {
    s.logprobs = false;
    json_read::boolean(v, s.logprobs);
  } else if (key == "reasoning_effort") {
    s.reasoning_effort = string_or_empty(v);
  } else if (key == "reasoning") {
    // OpenRouter's form: {"effort": "high"} or {"max_tokens": 2048}.
    s.nested_effort = {};
    s.reasoning_budget = -1;
    each_member_of(v, [&](std::string_view k, od::value& f) {
      int64_t budget = 0;
      if (k == "effort") s.nested_effort = string_or_empty(f);
      else if (k == "max_tokens") s.reasoning_budget = is_integer(f) && f.get_int64().get(budget) == simdjson::SUCCESS ? budget : -1;
      return true;
    });
  }
  return true;
}

class ChatRequestMapper {
 public:
  explicit ChatRequestMapper(const RequestMappingOptions& options) : options_(options) {}

  MappedRequest run(std::string_view body) {
    MappedRequest result;
    od::document doc;
    od::object request;
    switch (json_read::open_object(input_, body, doc, request)) {
      case json_read::Opened::object: break;
      case json_read::Opened::not_object: return failure("The request body must be a JSON object.", "invalid_request", result);
      case json_read::Opened::not_json: return failure("The request body is not valid JSON.", "invalid_json", result);
    }
    Settings settings;
    bool readable = true;
    const bool read = each_member(request, [&](std::string_view key, od::value& v) {
      readable = key == "messages" ? read_messages(v) : read_setting(key, v, settings);
      return readable;
    });
    if (!read || !readable || !json_read::finished(doc)) return failure("The request body is not valid JSON.", "invalid_json", result);

    result.model = !options_.model.empty() ? options_.model : upstream_model_id(settings.model);
    if (result.model.empty()) return failure("The request names no model.", "invalid_request", result);
    model_ = result.model;
    if (message_count_ == 0) return failure("messages must be a non-empty array.", "invalid_request", result);
    if (!error_.empty()) return failure(error_, "invalid_request", result);
    if (contents_.empty()) return failure("The conversation needs at least one user message.", "invalid_request", result);
    if (!settings.tool_choice_error.empty()) return failure(settings.tool_choice_error, "invalid_request", result);

    ordered_json inner = ordered_json::object();
    inner["contents"] = std::move(contents_);
    if (!system_parts_.empty()) inner["systemInstruction"] = {{"role", "user"}, {"parts", std::move(system_parts_)}};
    ordered_json tools = ordered_json::array();
    if (!settings.declarations.empty()) {
      ordered_json declarations = ordered_json::array();
      for (ordered_json& d : settings.declarations) declarations.push_back(std::move(d));
      tools.push_back({{"functionDeclarations", std::move(declarations)}});
    }
    if (settings.web_search) tools.push_back({{"googleSearch", ordered_json::object()}});
    if (!tools.empty()) inner["tools"] = std::move(tools);
    if (!settings.tool_config.is_null()) inner["toolConfig"] = std::move(settings.tool_config);
    ordered_json generation = generation_config(settings);
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
    result.body = json_write::dump(envelope);
    return result;
  }

 private:
  MappedRequest& failure(std::string message, const char* code, MappedRequest& result) {
    result.ok = false;
    result.error.error_class = ErrorClass::bad_request;
    result.error.http_status = 400;
    result.error.message = std::move(message);
    result.error.type = "invalid_request_error";
    result.error.code = code;
    return result;
  }

  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  // Reads and maps the messages; false only on a broken document. The first
  // message that cannot be mapped is kept in error_.
  bool read_messages(od::value& v) {
    contents_ = ordered_json::array();
    system_parts_ = ordered_json::array();
    first_user_text_.clear();
    call_names_.clear();
    error_.clear();
    message_count_ = 0;
    tool_turn_ = -1;
    od::array messages;
    if (!json_read::is(v, od::json_type::array) || v.get_array().get(messages) != simdjson::SUCCESS) return true;
    for (auto result : messages) {
      od::value item;
      if (std::move(result).get(item) != simdjson::SUCCESS) return false;
      ++message_count_;
      if (!error_.empty()) continue;
      od::object obj;
      if (!json_read::object(item, obj)) {
        fail("Each message must be an object.");
        continue;
      }
      Message m;
      if (!read_message(obj, m)) return false;
      map_message(m);
    }
    return true;
  }

  // Text of a string content or of the text parts of an array content.
  static void collect_texts(const Content& content, std::vector<std::string_view>& texts) {
    if (content.kind == Content::Kind::text) {
      texts.push_back(content.text);
      return;
    }
    for (const Part& part : content.parts) {
      if ((part.type == "text" || (part.type.empty() && part.has_text)) && !part.text.empty()) texts.push_back(part.text);
    }
  }

  static std::string joined_text(const Content& content) {
    std::string out;
    std::vector<std::string_view> texts;
    collect_texts(content, texts);
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

  bool user_parts(const Content& content, ordered_json& parts) {
    switch (content.kind) {
      case Content::Kind::absent: return true;
      case Content::Kind::text:
        if (!content.text.empty()) parts.push_back(text_part(content.text));
        return true;
      case Content::Kind::other: return fail("Message content must be a string or an array of parts.");
      case Content::Kind::parts: break;
    }
    for (const Part& part : content.parts) {
      if (part.type == "text") {
        if (!part.text.empty()) parts.push_back(text_part(part.text));
      } else if (part.type == "image_url") {
        if (!part.has_image) return fail("An image_url part has no image_url.");
        if (!media_part(part.image_url, "image/jpeg", parts)) return false;
      } else if (part.type == "input_audio") {
        if (!part.has_audio) return fail("An input_audio part has no input_audio.");
        std::string format = ascii_lower(part.audio_format);
        parts.push_back(inline_data("audio/" + (format.empty() ? std::string("wav") : format), part.audio_data));
      } else if (part.type == "file") {
        if (!part.has_file) return fail("A file part has no file.");
        if (part.file_data.empty()) return fail("Files must be sent inline (file_data); file_id is not supported.");
        std::string fallback = mime_from_name(part.file_name, "application/pdf");
        if (starts_with(part.file_data, "data:")) {
          if (!media_part(part.file_data, fallback, parts)) return false;
        } else {
          parts.push_back(inline_data(fallback, part.file_data));
        }
      } else if (part.type == "refusal") {
        // An earlier refusal carries nothing the model needs.
      } else {
        return fail("Unsupported content part type \"" + std::string(part.type) + "\".");
      }
    }
    return true;
  }

  ordered_json function_arguments(ToolCall& call) {
    if (call.arguments_object) return std::move(*call.arguments_object);
    std::string_view text = call.arguments_text;
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return ordered_json::object();
    ordered_json parsed;
    if (json_tree::object_from_text(text, arguments_input_, parsed)) return parsed;
    // Not an object (or not JSON): keep what the model wrote rather than drop it.
    return ordered_json{{"arguments", std::string(text)}};
  }

  bool assistant_parts(Message& message, ordered_json& parts) {
    if (!message.reasoning.empty()) parts.push_back({{"text", std::string(message.reasoning)}, {"thought", true}});
    std::vector<std::string_view> texts;
    collect_texts(message.content, texts);
    for (std::string_view text : texts) parts.push_back(text_part(text));
    bool signed_call = false;
    auto add_call = [&](std::string_view id, ToolCall& call) {
      ordered_json part = {{"functionCall", {{"name", std::string(call.name)}, {"args", function_arguments(call)}}}};
      const std::string* recorded = nullptr;
      if (options_.thought_signatures != nullptr && !id.empty()) {
        auto found = options_.thought_signatures->find(std::string(id));
        if (found != options_.thought_signatures->end()) recorded = &found->second;
      }
      if (recorded != nullptr) {
        part["thoughtSignature"] = *recorded;
        signed_call = true;
      } else if (!signed_call) {
        // Gemini signs only the first of parallel calls; unsigned history needs the bypass value.
        part["thoughtSignature"] = std::string(kSkipThoughtSignatureValidator);
      }
      parts.push_back(std::move(part));
      if (!id.empty()) call_names_[std::string(id)] = std::string(call.name);
    };
    if (message.has_tool_calls) {
      if (!message.tool_calls_array) return fail("tool_calls must be an array.");
      for (ToolCall& call : message.tool_calls) {
        if (call.name.empty()) return fail("A tool call has no function name.");
        add_call(call.id, call);
      }
    }
    if (message.has_function_call) {
      if (message.function_call.name.empty()) return fail("A function_call has no name.");
      add_call({}, message.function_call);
    }
    return true;
  }

  ordered_json function_response(const Message& message, bool legacy_function_role) {
    std::string name;
    auto known = call_names_.find(std::string(message.tool_call_id));
    if (!legacy_function_role && known != call_names_.end()) name = known->second;
    if (name.empty()) name = std::string(message.name);
    if (name.empty()) name = "unknown_function";
    // gemini-cli's shape: the tool's text under "output".
    return {{"functionResponse", {{"name", name}, {"response", {{"output", joined_text(message.content)}}}}}};
  }

  void map_message(Message& message) {
    std::string_view role = message.role;
    if (role == "system" || role == "developer") {
      std::vector<std::string_view> texts;
      collect_texts(message.content, texts);
      for (std::string_view text : texts) system_parts_.push_back(text_part(text));
    } else if (role == "user") {
      ordered_json parts = ordered_json::array();
      if (!user_parts(message.content, parts)) return;
      if (first_user_text_.empty()) first_user_text_ = joined_text(message.content);
      if (parts.empty()) return;
      contents_.push_back({{"role", "user"}, {"parts", std::move(parts)}});
      tool_turn_ = -1;
    } else if (role == "assistant") {
      ordered_json parts = ordered_json::array();
      if (!assistant_parts(message, parts) || parts.empty()) return;
      contents_.push_back({{"role", "model"}, {"parts", std::move(parts)}});
      tool_turn_ = -1;
    } else if (role == "tool" || role == "function") {
      ordered_json part = function_response(message, role == "function");
      if (tool_turn_ >= 0) {
        contents_[static_cast<size_t>(tool_turn_)]["parts"].push_back(std::move(part));
      } else {
        tool_turn_ = static_cast<long>(contents_.size());
        contents_.push_back({{"role", "user"}, {"parts", ordered_json::array({std::move(part)})}});
      }
    } else {
      fail("Unsupported message role \"" + std::string(role) + "\".");
    }
  }

  ordered_json generation_config(Settings& s) {
    ordered_json config = ordered_json::object();
    auto copy = [&](std::optional<ordered_json>& value, const char* to) {
      if (value) config[to] = std::move(*value);
    };
    copy(s.temperature, "temperature");
    copy(s.top_p, "topP");
    copy(s.top_k, "topK");
    copy(s.max_completion_tokens ? s.max_completion_tokens : s.max_tokens, "maxOutputTokens");
    copy(s.n, "candidateCount");
    if (!s.stop_sequences.empty()) config["stopSequences"] = std::move(s.stop_sequences);
    copy(s.presence_penalty, "presencePenalty");
    copy(s.frequency_penalty, "frequencyPenalty");
    copy(s.seed, "seed");
    if (s.format_type == "json_object") {
      config["responseMimeType"] = "application/json";
    } else if (s.format_type == "json_schema") {
      config["responseMimeType"] = "application/json";
      copy(s.format_schema, "responseJsonSchema");
    }
    if (s.logprobs) {
      config["responseLogprobs"] = true;
      copy(s.top_logprobs, "logprobs");
    }
    std::string_view effort = !s.reasoning_effort.empty() ? s.reasoning_effort : s.nested_effort;
    ordered_json thinking = thinking_config(model_, effort, s.reasoning_budget);
    if (!thinking.is_null()) config["thinkingConfig"] = std::move(thinking);
    return config;
  }

  const RequestMappingOptions& options_;
  json_read::Input input_, arguments_input_;
  std::string model_;
  ordered_json contents_ = ordered_json::array();
  ordered_json system_parts_ = ordered_json::array();
  size_t message_count_ = 0;
  long tool_turn_ = -1;  // contents_ index of the user turn collecting tool results
  std::string error_;    // the first message that cannot be mapped
  std::string first_user_text_;
  std::map<std::string, std::string> call_names_;  // tool_call_id → function name
};

}  // namespace

std::string upstream_model_id(std::string_view model) {
  size_t slash = model.rfind('/');
  if (slash != std::string_view::npos) model = model.substr(slash + 1);
  return std::string(model);
}

MappedRequest map_chat_request(std::string_view request_body, const RequestMappingOptions& options) {
  return ChatRequestMapper(options).run(request_body);
}

}  // namespace keyaos::google_v1internal
