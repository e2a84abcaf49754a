#include "protocols/kiro/request_mapper.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "core/text.h"
#include "protocols/kiro/models.h"

namespace keyaos::kiro {

namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

constexpr size_t kMaxToolNameBytes = 64;
constexpr size_t kMaxToolDescriptionBytes = 10000;
constexpr std::string_view kEmptyTurnText = "continue";
constexpr std::string_view kToolResultsOnlyText = "Tool results provided.";
constexpr std::string_view kStubToolDescription = "Tool used earlier in this conversation.";

struct Turn {
  bool user = true;
  std::string text;
  ojson images = ojson::array();
  ojson tool_results = ojson::array();
  ojson tool_uses = ojson::array();
};

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string string_member(const json& obj, const char* key) {
  const json* v = member(obj, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

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

ojson to_ordered(const json& j) { return ojson::parse(j.dump(-1, ' ', false, json::error_handler_t::replace), nullptr, false); }

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

// Text parts joined by newlines; images collected when `images` is given.
bool read_content(const json* content, std::string& text, ojson* images, std::string& error) {
  if (!content) return true;
  if (content->is_string()) {
    text = content->get<std::string>();
    return true;
  }
  if (!content->is_array()) return true;
  for (const json& part : *content) {
    if (part.is_string()) {
      append_paragraph(text, part.get<std::string>(), "\n");
      continue;
    }
    const std::string type = string_member(part, "type");
    if (type == "text" || type == "input_text") {
      append_paragraph(text, string_member(part, "text"), "\n");
    } else if (type == "image_url" && images) {
      const json* image_url = member(part, "image_url");
      std::string url = image_url && image_url->is_string() ? image_url->get<std::string>()
                        : image_url ? string_member(*image_url, "url")
                                    : std::string();
      ojson image;
      if (!image_from_url(url, image, error)) return false;
      images->push_back(std::move(image));
    }
  }
  return true;
}

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

// Thinking budget asked for, 0 when none.
int64_t thinking_budget(const json& request, const std::string& model) {
  if (const json* thinking = member(request, "thinking")) {
    if (string_member(*thinking, "type") == "enabled") {
      const json* budget = member(*thinking, "budget_tokens");
      return budget && budget->is_number_integer() && budget->get<int64_t>() > 0 ? budget->get<int64_t>() : 16000;
    }
  }
  std::string effort = string_member(request, "reasoning_effort");
  if (const json* reasoning = member(request, "reasoning")) {
    const json* max_tokens = member(*reasoning, "max_tokens");
    if (max_tokens && max_tokens->is_number_integer() && max_tokens->get<int64_t>() > 0) return max_tokens->get<int64_t>();
    if (effort.empty()) effort = string_member(*reasoning, "effort");
  }
  if (effort == "minimal") return 1024;
  if (effort == "low") return 4000;
  if (effort == "medium") return 16000;
  if (effort == "high" || effort == "xhigh") return 32000;
  if (model.size() > 9 && model.compare(model.size() - 9, 9, "-thinking") == 0) return 16000;
  return 0;
}

std::string tool_choice_instruction(const json& request) {
  const json* choice = member(request, "tool_choice");
  if (!choice) return {};
  if (choice->is_string()) {
    const std::string c = choice->get<std::string>();
    if (c == "required") return "You must call at least one of the provided tools in your reply.";
    if (c == "none") return "Do not call any tools in your reply; answer in text.";
    return {};
  }
  if (const json* fn = member(*choice, "function")) {
    const std::string name = string_member(*fn, "name");
    if (!name.empty()) return "You must call the tool `" + name + "` in your reply.";
  }
  return {};
}

std::string response_format_instruction(const json& request) {
  const json* format = member(request, "response_format");
  if (!format) return {};
  const std::string type = string_member(*format, "type");
  if (type == "json_object") return "Reply with one valid JSON object only, without any other text or code fences.";
  if (type == "json_schema") {
    std::string text = "Reply with one valid JSON value only, without any other text or code fences";
    const json* spec = member(*format, "json_schema");
    const json* schema = spec ? member(*spec, "schema") : nullptr;
    if (schema) text += ", matching this JSON Schema:\n" + schema->dump(-1, ' ', false, json::error_handler_t::replace);
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

}  // namespace

MappedRequest map_chat_request(const json& request, const RequestOptions& options) {
  if (!request.is_object()) return failure("the request body must be a JSON object");
  if (options.conversation_id.empty()) return failure("a conversation id is required");
  const std::string requested_model = string_member(request, "model");
  if (requested_model.empty()) return failure("the request has no model");
  const json* messages = member(request, "messages");
  if (!messages || !messages->is_array() || messages->empty()) return failure("the request has no messages");

  MappedRequest result;
  result.model_id = kiro_model_id(requested_model);

  std::string system_text;
  std::vector<Turn> turns;
  std::string error;
  for (const json& m : *messages) {
    if (!m.is_object()) return failure("every message must be a JSON object");
    const std::string role = string_member(m, "role");
    const json* content = member(m, "content");
    if (role == "system" || role == "developer") {
      std::string text;
      read_content(content, text, nullptr, error);
      append_paragraph(system_text, text);
    } else if (role == "user") {
      std::string text;
      Turn& t = turn_for(turns, true);
      if (!read_content(content, text, &t.images, error)) return failure(error);
      append_paragraph(t.text, text);
    } else if (role == "tool" || role == "function") {
      std::string text;
      read_content(content, text, nullptr, error);
      std::string id = string_member(m, role == "tool" ? "tool_call_id" : "name");
      if (text.empty()) text = "(no output)";
      ojson tool_result = ojson::object();
      tool_result["toolUseId"] = std::move(id);
      tool_result["content"] = ojson::array({ojson{{"text", std::move(text)}}});
      tool_result["status"] = "success";
      turn_for(turns, true).tool_results.push_back(std::move(tool_result));
    } else if (role == "assistant") {
      std::string text;
      read_content(content, text, nullptr, error);
      Turn& t = turn_for(turns, false);
      append_paragraph(t.text, text);
      if (const json* calls = member(m, "tool_calls"); calls && calls->is_array()) {
        for (const json& call : *calls) {
          const json* fn = member(call, "function");
          if (!fn) continue;
          const std::string name = string_member(*fn, "name");
          if (name.empty()) continue;
          json input = json::parse(string_member(*fn, "arguments"), nullptr, false);
          if (input.is_discarded() || !input.is_object()) input = json::object();
          ojson use = ojson::object();
          use["toolUseId"] = string_member(call, "id");
          use["name"] = name;
          use["input"] = to_ordered(input);
          t.tool_uses.push_back(std::move(use));
        }
      }
    } else {
      return failure("unsupported message role \"" + role + "\"");
    }
  }

  while (!turns.empty() && !turns.back().user) turns.pop_back();
  if (turns.empty()) return failure("the request has no user message");
  if (!turns.front().user) {
    // Kiro's history starts with a user turn.
    turns.insert(turns.begin(), Turn{});
  }
  pair_tool_calls(turns);

  // System text leads the first user turn, behind the thinking switch.
  const int64_t budget = thinking_budget(request, ascii_lower(requested_model));
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
  append_paragraph(current.text, tool_choice_instruction(request));
  append_paragraph(current.text, response_format_instruction(request));

  // Tool definitions, plus stubs for tools the history used but the request
  // no longer lists (Kiro refuses toolUses of undeclared tools, ignoring case).
  ojson tools = ojson::array();
  std::set<std::string> declared;
  if (const json* list = member(request, "tools"); list && list->is_array()) {
    for (const json& tool : *list) {
      const json* fn = member(tool, "function");
      if (!fn) continue;
      const std::string name = string_member(*fn, "name");
      if (name.empty()) return failure("a tool has no name");
      if (name.size() > kMaxToolNameBytes) return failure("tool name \"" + name + "\" is longer than 64 characters");
      std::string description = utf8_prefix(string_member(*fn, "description"), kMaxToolDescriptionBytes);
      if (description.empty()) description = name;
      const json* parameters = member(*fn, "parameters");
      tools.push_back(tool_spec(name, description, normalise_schema(parameters ? *parameters : json(), true)));
      declared.insert(ascii_lower(name));
    }
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
  result.body = body.dump(-1, ' ', false, ojson::error_handler_t::replace);
  result.ok = true;
  return result;
}

}  // namespace keyaos::kiro
