#include "protocols/kiro/request_mapper.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_read.h"
#include "core/json_tree.h"
#include "core/json_write.h"
#include "core/text.h"
#include "protocols/kiro/models.h"
#include "protocols/kiro/token_estimate.h"

namespace keyaos::kiro {

namespace {

namespace od = simdjson::ondemand;
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;
using json_read::each_member;

constexpr size_t kMaxToolNameBytes = 64;
constexpr size_t kMaxToolDescriptionBytes = 10000;
constexpr std::string_view kEmptyTurnText = "continue";
constexpr std::string_view kToolResultsOnlyText = "Tool results provided.";
constexpr std::string_view kStubToolDescription = "Tool used earlier in this conversation.";

// Prompt token estimate (for when Kiro reports none): the per-message framing
// chat formats add, the reply header, and a typical screenshot after the
// model's downscaling (800-1600).
constexpr int64_t kPerMessageTokens = 4;
constexpr int64_t kReplyPrimingTokens = 3;
constexpr int64_t kPerImageTokens = 1000;

struct Turn {
  bool user = true;
  std::string text;
  ojson images = ojson::array();
  ojson tool_results = ojson::array();
  ojson tool_uses = ojson::array();
};

void append_paragraph(std::string& to, std::string_view text, std::string_view separator = "\n\n") {
  if (text.empty()) return;
  if (!to.empty()) to += separator;
  to += text;
}

// Cuts at most `max_bytes` without splitting a UTF-8 sequence.
std::string utf8_prefix(const std::string& s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

// The same tree with its members kept in order (json's are sorted), for the
// body Kiro gets.
ojson to_ordered(const json& j) {
  switch (j.type()) {
    case json::value_t::object: {
      ojson out = ojson::object();
      for (auto it = j.begin(); it != j.end(); ++it) out[it.key()] = to_ordered(it.value());
      return out;
    }
    case json::value_t::array: {
      ojson out = ojson::array();
      for (const json& item : j) out.push_back(to_ordered(item));
      return out;
    }
    case json::value_t::string: return j.get_ref<const std::string&>();
    case json::value_t::boolean: return j.get<bool>();
    case json::value_t::number_integer: return j.get<int64_t>();
    case json::value_t::number_unsigned: return j.get<uint64_t>();
    case json::value_t::number_float: return j.get<double>();
    default: return nullptr;
  }
}

bool image_from_url(const std::string& url, ojson& image, std::string& error) {
  if (url.compare(0, 5, "data:") != 0) {
    error = "Kiro takes images only as base64 data: URLs; remote image URLs are not supported";
    return false;
  }
  const size_t comma = url.find(',');
  const std::string header = url.substr(5, comma == std::string::npos ? std::string::npos : comma - 5);
  if (comma == std::string::npos || header.size() < 7 || header.compare(header.size() - 7, 7, ";base64") != 0) {
    error = "an image data: URL must be base64-encoded";
    return false;
  }
  std::string mime = header.substr(0, header.find(';'));
  for (char& c : mime) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  std::string format;
  if (mime == "image/png") format = "png";
  else if (mime == "image/jpeg" || mime == "image/jpg") format = "jpeg";
  else if (mime == "image/gif") format = "gif";
  else if (mime == "image/webp") format = "webp";
  else {
    error = "Kiro accepts png, jpeg, gif and webp images, not " + (mime.empty() ? std::string("untyped data") : mime);
    return false;
  }
  std::string bytes = url.substr(comma + 1);
  if (bytes.empty()) {
    error = "an image data: URL is empty";
    return false;
  }
  image = ojson::object();
  image["format"] = format;
  image["source"] = {{"bytes", std::move(bytes)}};
  return true;
}

// A tool call's `arguments`: a JSON object in a string; anything else is {}.
json arguments_object(std::string_view text, json_read::Input& input) {
  json out;
  if (!json_tree::object_from_text(text, input, out)) return json::object();
  return out;
}

// A member's string value, or empty for any other type (as absent).
std::string string_or_empty(od::value& v) {
  std::string out;
  json_read::string(v, out);
  return out;
}

// A message's content: text parts joined by newlines, and its image_url
// parts as Kiro images (only a user turn's are kept, and only there is a
// refused image an error).
struct Content {
  std::string text;
  ojson images = ojson::array();
  std::string image_error;
  int64_t estimated_tokens = 0;  // every part's text, and kPerImageTokens per image part
};

Content read_content(od::value& v) {
  Content c;
  od::json_type type;
  if (!json_read::type_of(v, type)) return c;
  if (type == od::json_type::string) {
    json_read::string(v, c.text);
    c.estimated_tokens = estimate_tokens(c.text);
    return c;
  }
  od::array parts;
  if (type != od::json_type::array || v.get_array().get(parts) != simdjson::SUCCESS) return c;
  for (auto result : parts) {
    od::value part;
    if (std::move(result).get(part) != simdjson::SUCCESS) break;
    std::string_view text;
    if (json_read::string(part, text)) {
      append_paragraph(c.text, text, "\n");
      continue;
    }
    od::object obj;
    if (!json_read::object(part, obj)) continue;
    std::string part_type, part_text, url;
    each_member(obj, [&](std::string_view key, od::value& member) {
      if (key == "type") part_type = string_or_empty(member);
      else if (key == "text") part_text = string_or_empty(member);
      else if (key == "image_url") {
        od::object image_url;
        url = string_or_empty(member);
        if (url.empty() && json_read::object(member, image_url))
          each_member(image_url, [&](std::string_view k, od::value& field) {
            if (k == "url") url = string_or_empty(field);
            return true;
          });
      }
      return true;
    });
    c.estimated_tokens += estimate_tokens(part_text) + (part_type == "image_url" ? kPerImageTokens : 0);
    if (part_type == "text" || part_type == "input_text") {
      append_paragraph(c.text, part_text, "\n");
    } else if (part_type == "image_url" && c.image_error.empty()) {
      ojson image;
      if (image_from_url(url, image, c.image_error)) c.images.push_back(std::move(image));
    }
  }
  return c;
}

struct ToolCall {
  std::string id, name, arguments;
};

// One client message, read whole before it is placed (its role may follow its content).
struct Message {
  std::string role;
  Content content;
  std::string tool_call_id, name;
  std::vector<ToolCall> tool_calls;
};

Message read_message(od::object& obj) {
  Message m;
  each_member(obj, [&](std::string_view key, od::value& v) {
    if (key == "role") m.role = string_or_empty(v);
    else if (key == "content") m.content = read_content(v);
    else if (key == "tool_call_id") m.tool_call_id = string_or_empty(v);
    else if (key == "name") m.name = string_or_empty(v);
    else if (key == "tool_calls") {
      m.tool_calls.clear();
      json_read::each_object(v, [&](od::object& call_obj) {
        ToolCall call;
        each_member(call_obj, [&](std::string_view k, od::value& field) {
          od::object fn;
          if (k == "id") call.id = string_or_empty(field);
          else if (k == "function" && json_read::object(field, fn))
            each_member(fn, [&](std::string_view fk, od::value& fv) {
              if (fk == "name") call.name = string_or_empty(fv);
              else if (fk == "arguments") call.arguments = string_or_empty(fv);
              return true;
            });
          return true;
        });
        m.tool_calls.push_back(std::move(call));
      });
    }
    return true;
  });
  return m;
}

// A declared tool: `function` present (else the entry is passed over).
struct ToolDecl {
  std::string name, description;
  json parameters;  // null when absent
};

// Kiro answers 400 to schemas with null or mistyped keywords, which MCP tool
// definitions sometimes carry; repair those, leave valid schemas untouched.
json normalise_schema(const json& schema, bool root) {
  if (!schema.is_object()) {
    return root ? json{{"type", "object"}, {"properties", json::object()}} : json::object();
  }
  json out = json::object();
  for (auto it = schema.begin(); it != schema.end(); ++it) {
    const std::string& key = it.key();
    const json& value = it.value();
    if (key == "properties") {
      json props = json::object();
      if (value.is_object()) {
        for (auto p = value.begin(); p != value.end(); ++p) props[p.key()] = normalise_schema(p.value(), false);
      }
      out[key] = std::move(props);
    } else if (key == "required") {
      json names = json::array();
      if (value.is_array()) {
        for (const json& n : value) {
          if (n.is_string()) names.push_back(n);
        }
      }
      out[key] = std::move(names);
    } else if (key == "items" || key == "not" || key == "if" || key == "then" || key == "else" ||
               (key == "additionalProperties" && value.is_object())) {
      if (value.is_array()) {
        json items = json::array();
        for (const json& i : value) items.push_back(normalise_schema(i, false));
        out[key] = std::move(items);
      } else {
        out[key] = normalise_schema(value, false);
      }
    } else if (key == "anyOf" || key == "oneOf" || key == "allOf") {
      if (!value.is_array()) continue;
      json alts = json::array();
      for (const json& a : value) alts.push_back(normalise_schema(a, false));
      out[key] = std::move(alts);
    } else if (key == "$defs" || key == "definitions") {
      json defs = json::object();
      if (value.is_object()) {
        for (auto d = value.begin(); d != value.end(); ++d) defs[d.key()] = normalise_schema(d.value(), false);
      }
      out[key] = std::move(defs);
    } else if (key == "type") {
      if (value.is_string() || value.is_array()) out[key] = value;
    } else if (!value.is_null()) {
      out[key] = value;
    }
  }
  if (root && !out.contains("type")) out["type"] = "object";
  return out;
}

ojson tool_spec(const std::string& name, const std::string& description, const json& schema) {
  ojson spec = ojson::object();
  spec["name"] = name;
  spec["description"] = description;
  spec["inputSchema"] = {{"json", to_ordered(schema)}};
  return ojson{{"toolSpecification", std::move(spec)}};
}

// What the request asks for beyond its messages and tools, which Kiro
// lacks and the prompt carries instead.
struct Directives {
  bool thinking_enabled = false;          // thinking.type == "enabled"
  int64_t thinking_budget_tokens = 0;     // thinking.budget_tokens, when a positive integer
  std::string reasoning_effort;           // reasoning_effort, else reasoning.effort
  std::string nested_effort;
  int64_t reasoning_max_tokens = 0;       // reasoning.max_tokens, when a positive integer
  std::string tool_choice;                // "auto", "required", "none"…
  std::string tool_choice_function;       // tool_choice.function.name
  std::string format_type;                // response_format.type
  std::optional<json> format_schema;      // response_format.json_schema.schema
};

bool positive_integer(od::value& v, int64_t& out) {
  int64_t n = 0;
  if (!json_read::is(v, od::json_type::number) || v.get_int64().get(n) != simdjson::SUCCESS || n <= 0) return false;
  out = n;
  return true;
}

// Reads one of the members Directives holds; false on a schema that cannot be read.
bool read_directive(std::string_view key, od::value& v, Directives& d) {
  od::object obj;
  if (key == "thinking") {
    d.thinking_enabled = false;
    d.thinking_budget_tokens = 0;
    if (json_read::object(v, obj))
      each_member(obj, [&](std::string_view k, od::value& f) {
        if (k == "type") d.thinking_enabled = string_or_empty(f) == "enabled";
        else if (k == "budget_tokens") d.thinking_budget_tokens = positive_integer(f, d.thinking_budget_tokens) ? d.thinking_budget_tokens : 0;
        return true;
      });
  } else if (key == "reasoning_effort") {
    d.reasoning_effort = string_or_empty(v);
  } else if (key == "reasoning") {
    d.nested_effort.clear();
    d.reasoning_max_tokens = 0;
    if (json_read::object(v, obj))
      each_member(obj, [&](std::string_view k, od::value& f) {
        if (k == "effort") d.nested_effort = string_or_empty(f);
        else if (k == "max_tokens") d.reasoning_max_tokens = positive_integer(f, d.reasoning_max_tokens) ? d.reasoning_max_tokens : 0;
        return true;
      });
  } else if (key == "tool_choice") {
    d.tool_choice = string_or_empty(v);
    d.tool_choice_function.clear();
    if (json_read::object(v, obj))
      each_member(obj, [&](std::string_view k, od::value& f) {
        od::object fn;
        if (k == "function" && json_read::object(f, fn))
          each_member(fn, [&](std::string_view fk, od::value& fv) {
            if (fk == "name") d.tool_choice_function = string_or_empty(fv);
            return true;
          });
        return true;
      });
  } else if (key == "response_format") {
    d.format_type.clear();
    d.format_schema.reset();
    bool ok = true;
    if (json_read::object(v, obj))
      each_member(obj, [&](std::string_view k, od::value& f) {
        od::object spec;
        if (k == "type") d.format_type = string_or_empty(f);
        else if (k == "json_schema" && json_read::object(f, spec))
          each_member(spec, [&](std::string_view sk, od::value& sv) {
            if (sk != "schema") return true;
            json schema;
            if (json_read::is(sv, od::json_type::null)) d.format_schema.reset();
            else if ((ok = json_tree::from_value(sv, schema, 0))) d.format_schema = std::move(schema);
            return ok;
          });
        return ok;
      });
    return ok;
  }
  return true;
}

// Thinking budget asked for, 0 when none.
int64_t thinking_budget(const Directives& d, const std::string& model) {
  if (d.thinking_enabled) return d.thinking_budget_tokens > 0 ? d.thinking_budget_tokens : 16000;
  if (d.reasoning_max_tokens > 0) return d.reasoning_max_tokens;
  const std::string& effort = d.reasoning_effort.empty() ? d.nested_effort : d.reasoning_effort;
  if (effort == "minimal") return 1024;
  if (effort == "low") return 4000;
  if (effort == "medium") return 16000;
  if (effort == "high" || effort == "xhigh") return 32000;
  if (model.size() > 9 && model.compare(model.size() - 9, 9, "-thinking") == 0) return 16000;
  return 0;
}

std::string tool_choice_instruction(const Directives& d) {
  if (d.tool_choice == "required") return "You must call at least one of the provided tools in your reply.";
  if (d.tool_choice == "none") return "Do not call any tools in your reply; answer in text.";
  if (!d.tool_choice_function.empty()) return "You must call the tool `" + d.tool_choice_function + "` in your reply.";
  return {};
}

std::string response_format_instruction(const Directives& d) {
  if (d.format_type == "json_object") return "Reply with one valid JSON object only, without any other text or code fences.";
  if (d.format_type == "json_schema") {
    std::string text = "Reply with one valid JSON value only, without any other text or code fences";
    if (d.format_schema) text += ", matching this JSON Schema:\n" + d.format_schema->dump(-1, ' ', false, json::error_handler_t::replace);
    else text += ".";
    return text;
  }
  return {};
}

MappedRequest failure(std::string message) {
  MappedRequest r;
  r.error = std::move(message);
  return r;
}

Turn& turn_for(std::vector<Turn>& turns, bool user) {
  if (turns.empty() || turns.back().user != user) {
    turns.emplace_back();
    turns.back().user = user;
  }
  return turns.back();
}

// Keeps tool uses and results only in matched pairs: a use in an assistant
// turn must be answered by a result in the next user turn.
void pair_tool_calls(std::vector<Turn>& turns) {
  for (size_t i = 0; i < turns.size(); ++i) {
    Turn& t = turns[i];
    if (!t.user) continue;
    std::set<std::string> offered;
    if (i > 0) {
      for (const ojson& use : turns[i - 1].tool_uses) offered.insert(use["toolUseId"].get<std::string>());
    }
    ojson kept = ojson::array();
    std::set<std::string> answered;
    for (ojson& result : t.tool_results) {
      const std::string id = result["toolUseId"].get<std::string>();
      if (offered.count(id) && !answered.count(id)) {
        answered.insert(id);
        kept.push_back(std::move(result));
      } else {
        // An orphan result would be refused; keep what it said as text.
        std::string text = "Result of tool call " + id + ":\n" + result["content"][0]["text"].get<std::string>();
        append_paragraph(t.text, text);
      }
    }
    t.tool_results = std::move(kept);
    if (i > 0) {
      ojson uses = ojson::array();
      for (ojson& use : turns[i - 1].tool_uses) {
        if (answered.count(use["toolUseId"].get<std::string>())) uses.push_back(std::move(use));
      }
      turns[i - 1].tool_uses = std::move(uses);
    }
  }
}

// Places one message in the turns; false with `error` for what Kiro cannot take.
bool place_message(Message& m, std::vector<Turn>& turns, std::string& system_text, json_read::Input& arguments_input,
                   std::string& error) {
  const std::string& role = m.role;
  if (role == "system" || role == "developer") {
    append_paragraph(system_text, m.content.text);
  } else if (role == "user") {
    if (!m.content.image_error.empty()) {
      error = m.content.image_error;
      return false;
    }
    Turn& t = turn_for(turns, true);
    for (auto& image : m.content.images) t.images.push_back(std::move(image));
    append_paragraph(t.text, m.content.text);
  } else if (role == "tool" || role == "function") {
    std::string text = std::move(m.content.text);
    if (text.empty()) text = "(no output)";
    ojson tool_result = ojson::object();
    tool_result["toolUseId"] = role == "tool" ? std::move(m.tool_call_id) : std::move(m.name);
    tool_result["content"] = ojson::array({ojson{{"text", std::move(text)}}});
    tool_result["status"] = "success";
    turn_for(turns, true).tool_results.push_back(std::move(tool_result));
  } else if (role == "assistant") {
    Turn& t = turn_for(turns, false);
    append_paragraph(t.text, m.content.text);
    for (ToolCall& call : m.tool_calls) {
      if (call.name.empty()) continue;
      ojson use = ojson::object();
      use["toolUseId"] = std::move(call.id);
      use["name"] = call.name;
      use["input"] = to_ordered(arguments_object(call.arguments, arguments_input));
      t.tool_uses.push_back(std::move(use));
    }
  } else {
    error = "unsupported message role \"" + role + "\"";
    return false;
  }
  return true;
}

}  // namespace

MappedRequest map_chat_request(std::string_view openai_body, const RequestOptions& options) {
  json_read::Input input, arguments_input;
  od::document doc;
  od::object request;
  switch (json_read::open_object(input, openai_body, doc, request)) {
    case json_read::Opened::object: break;
    case json_read::Opened::not_object: return failure("the request body must be a JSON object");
    case json_read::Opened::not_json: return failure("the request body is not valid JSON");
  }
  if (options.conversation_id.empty()) return failure("a conversation id is required");

  // One pass over the body, in its order; a member given twice counts as the
  // last (as JSON readers that build a tree take it).
  std::string requested_model(options.model);
  std::string system_text;
  std::vector<Turn> turns;
  size_t message_count = 0;
  int64_t message_tokens = 0;
  std::string message_error;  // the first message Kiro cannot take
  std::vector<ToolDecl> tools_declared;
  Directives directives;
  bool readable = true;
  const bool read = each_member(request, [&](std::string_view key, od::value& v) {
    if (key == "model") {
      if (options.model.empty()) requested_model = string_or_empty(v);
    } else if (key == "messages") {
      system_text.clear();
      turns.clear();
      message_count = 0;
      message_tokens = 0;
      message_error.clear();
      od::array messages;
      if (v.get_array().get(messages) != simdjson::SUCCESS) return true;
      for (auto result : messages) {
        od::value item;
        od::object obj;
        if (std::move(result).get(item) != simdjson::SUCCESS) return readable = false;
        ++message_count;
        if (!message_error.empty()) continue;
        if (!json_read::object(item, obj)) {
          message_error = "every message must be a JSON object";
          continue;
        }
        Message m = read_message(obj);
        message_tokens += kPerMessageTokens + m.content.estimated_tokens;
        for (const ToolCall& call : m.tool_calls) message_tokens += estimate_tokens(call.name) + estimate_tokens(call.arguments);
        place_message(m, turns, system_text, arguments_input, message_error);
      }
    } else if (key == "tools") {
      tools_declared.clear();
      json_read::each_object(v, [&](od::object& tool) {
        ToolDecl decl;
        bool declared = false;  // an entry without a `function` is passed over
        each_member(tool, [&](std::string_view k, od::value& fv) {
          if (k != "function") return true;
          decl = ToolDecl{};
          declared = !json_read::is(fv, od::json_type::null);
          od::object fn;
          if (json_read::object(fv, fn))
            each_member(fn, [&](std::string_view fk, od::value& f) {
              if (fk == "name") decl.name = string_or_empty(f);
              else if (fk == "description") decl.description = string_or_empty(f);
              else if (fk == "parameters" && !(readable = json_tree::from_value(f, decl.parameters, 0))) return false;
              return true;
            });
          return readable;
        });
        if (declared) tools_declared.push_back(std::move(decl));
      });
    } else if (!read_directive(key, v, directives)) {
      readable = false;
    }
    return readable;
  });
  if (!read || !readable || !json_read::finished(doc)) return failure("the request body is not valid JSON");
  if (requested_model.empty()) return failure("the request has no model");
  if (message_count == 0) return failure("the request has no messages");
  if (!message_error.empty()) return failure(message_error);

  MappedRequest result;
  result.model_id = kiro_model_id(requested_model);

  while (!turns.empty() && !turns.back().user) turns.pop_back();
  if (turns.empty()) return failure("the request has no user message");
  if (!turns.front().user) {
    // Kiro's history starts with a user turn.
    turns.insert(turns.begin(), Turn{});
  }
  pair_tool_calls(turns);

  // System text leads the first user turn, behind the thinking switch.
  const int64_t budget = thinking_budget(directives, ascii_lower(requested_model));
  std::string preamble;
  if (budget > 0) {
    result.thinking = true;
    preamble = "<thinking_mode>enabled</thinking_mode><max_thinking_length>" + std::to_string(budget) +
               "</max_thinking_length>";
  }
  append_paragraph(preamble, system_text, "\n");
  if (!preamble.empty()) {
    std::string& first = turns.front().text;
    first = first.empty() ? preamble : preamble + "\n\n" + first;
  }
  Turn& current = turns.back();
  append_paragraph(current.text, tool_choice_instruction(directives));
  append_paragraph(current.text, response_format_instruction(directives));

  // Tool definitions, plus stubs for tools the history used but the request
  // no longer lists (Kiro refuses toolUses of undeclared tools, ignoring case).
  ojson tools = ojson::array();
  std::set<std::string> declared;
  int64_t tool_tokens = 0;  // the declarations as Kiro gets them
  for (const ToolDecl& decl : tools_declared) {
    if (decl.name.empty()) return failure("a tool has no name");
    if (decl.name.size() > kMaxToolNameBytes) return failure("tool name \"" + decl.name + "\" is longer than 64 characters");
    std::string description = utf8_prefix(decl.description, kMaxToolDescriptionBytes);
    if (description.empty()) description = decl.name;
    tools.push_back(tool_spec(decl.name, description, normalise_schema(decl.parameters, true)));
    declared.insert(ascii_lower(decl.name));
    tool_tokens += estimate_tokens(json_write::dump(tools.back()));
  }
  for (const Turn& t : turns) {
    for (const ojson& use : t.tool_uses) {
      const std::string name = use["name"].get<std::string>();
      if (declared.insert(ascii_lower(name)).second) {
        tools.push_back(tool_spec(name, std::string(kStubToolDescription), normalise_schema(json(), true)));
      }
    }
  }

  auto user_message = [&](const Turn& t, bool is_current) {
    ojson msg = ojson::object();
    std::string text = t.text;
    if (text.empty()) text = t.tool_results.empty() ? std::string(kEmptyTurnText) : std::string(kToolResultsOnlyText);
    msg["content"] = std::move(text);
    msg["modelId"] = result.model_id;
    msg["origin"] = std::string(options.origin);
    if (!t.images.empty()) msg["images"] = t.images;
    ojson context = ojson::object();
    if (!t.tool_results.empty()) context["toolResults"] = t.tool_results;
    if (is_current && !tools.empty()) context["tools"] = tools;
    if (!context.empty()) msg["userInputMessageContext"] = std::move(context);
    return msg;
  };

  ojson history = ojson::array();
  for (size_t i = 0; i + 1 < turns.size(); ++i) {
    const Turn& t = turns[i];
    if (t.user) {
      history.push_back(ojson{{"userInputMessage", user_message(t, false)}});
    } else {
      ojson msg = ojson::object();
      // Kiro refuses an empty assistant content even next to tool uses.
      msg["content"] = t.text.empty() ? std::string(" ") : t.text;
      if (!t.tool_uses.empty()) msg["toolUses"] = t.tool_uses;
      history.push_back(ojson{{"assistantResponseMessage", std::move(msg)}});
    }
  }

  ojson state = ojson::object();
  if (!options.agent_continuation_id.empty()) state["agentContinuationId"] = std::string(options.agent_continuation_id);
  if (!tools.empty()) state["agentTaskType"] = "vibe";
  state["chatTriggerType"] = "MANUAL";
  state["conversationId"] = std::string(options.conversation_id);
  state["currentMessage"] = {{"userInputMessage", user_message(current, true)}};
  if (!history.empty()) state["history"] = std::move(history);

  ojson body = ojson::object();
  body["conversationState"] = std::move(state);
  if (!options.profile_arn.empty()) body["profileArn"] = std::string(options.profile_arn);
  result.body = json_write::dump(body);
  result.prompt_tokens_estimate = kReplyPrimingTokens + message_tokens + tool_tokens;
  result.ok = true;
  return result;
}

}  // namespace keyaos::kiro
