// OpenAI Responses inbound API: request mapping to chat, the event stream
// written from the engine's chat chunks, and the non-streamed response.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "protocols/common/openai_chunks.h"
#include "protocols/responses/body_renderer.h"
#include "protocols/responses/errors.h"
#include "protocols/responses/protocol.h"
#include "protocols/responses/request_mapper.h"
#include "protocols/responses/stream_writer.h"

using namespace keyaos;
using nlohmann::json;

namespace {

responses::MappedRequest map_ok(const std::string& body) {
  responses::MappedRequest out;
  ApiError error;
  INFO(body);
  const bool ok = responses::map_request(body, out, error);
  INFO(error.body());
  REQUIRE(ok);
  return out;
}

json chat_of(const std::string& body) {
  json chat = json::parse(map_ok(body).chat_body, nullptr, false);
  REQUIRE(chat.is_object());
  return chat;
}

ApiError map_error(const std::string& body) {
  responses::MappedRequest out;
  ApiError error;
  INFO(body);
  REQUIRE_FALSE(responses::map_request(body, out, error));
  return error;
}

ClientResponseContext context() { return {"abc123", "client/model", 1700000000, 1700000000000}; }

// The engine's chunks, written as the translators write them.
struct Chunks {
  OpenAIChunkWriter w{"chatcmpl-1", 1700000000, "upstream-model"};
  std::vector<std::string> events;
  template <class F>
  Chunks& add(F f) {
    std::string out;
    f(w, out);
    // One event per element, as the task hands them over.
    size_t pos = 0;
    while (pos < out.size()) {
      size_t end = out.find("\n\n", pos);
      events.push_back(out.substr(pos, end + 2 - pos));
      pos = end + 2;
    }
    return *this;
  }
  Chunks& text(const std::string& t) { return add([&](auto& w, auto& o) { w.content(t, o); }); }
  Chunks& reasoning(const std::string& t) { return add([&](auto& w, auto& o) { w.reasoning(t, o); }); }
  Chunks& call(int i, const std::string& id, const std::string& name, const std::string& args) {
    return add([&](auto& w, auto& o) { w.tool_call_start(i, id, name, args, o); });
  }
  Chunks& args(int i, const std::string& a) { return add([&](auto& w, auto& o) { w.tool_call_arguments(i, a, o); }); }
  Chunks& finish(const std::string& r) { return add([&](auto& w, auto& o) { w.finish(r, o); }); }
  Chunks& raw(const std::string& data) {
    events.push_back("data: " + data + "\n\n");
    return *this;
  }
  std::string all() const {
    std::string s;
    for (const auto& e : events) s += e;
    return s;
  }
};

Usage usage_of(int64_t prompt, int64_t completion, int64_t cached = 0, int64_t reasoning = 0) {
  return Usage{.prompt_tokens = prompt,
               .completion_tokens = completion,
               .cached_tokens = cached,
               .cache_write_tokens = 0,
               .reasoning_tokens = reasoning,
               .reported_cost_usd = std::nullopt,
               .present = true,
               .estimated = false};
}

struct Event {
  std::string type;
  json data;
};

// Parses a Responses stream and checks what Codex and the OpenAI SDK's
// accumulator require of it; returns the events.
std::vector<Event> check_stream(const std::string& stream) {
  std::vector<Event> events;
  size_t pos = 0;
  while (pos < stream.size()) {
    size_t end = stream.find("\n\n", pos);
    REQUIRE(end != std::string::npos);
    std::string frame = stream.substr(pos, end - pos);
    pos = end + 2;
    REQUIRE(frame.rfind("event: ", 0) == 0);
    size_t nl = frame.find('\n');
    REQUIRE(nl != std::string::npos);
    Event e;
    e.type = frame.substr(7, nl - 7);
    REQUIRE(frame.compare(nl + 1, 6, "data: ") == 0);
    e.data = json::parse(frame.substr(nl + 7), nullptr, false);
    REQUIRE(e.data.is_object());
    REQUIRE(e.data["type"] == e.type);
    events.push_back(std::move(e));
  }
  REQUIRE(events.size() >= 3);
  REQUIRE(events[0].type == "response.created");
  REQUIRE(events[1].type == "response.in_progress");
  json output = json::array();
  std::vector<bool> done;
  std::vector<std::string> ids;
  bool terminal = false;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    INFO("event " << i << " " << e.data.dump());
    REQUIRE(e.data["sequence_number"] == static_cast<int64_t>(i));
    if (e.type == "error") {
      REQUIRE(terminal);
      continue;
    }
    REQUIRE_FALSE(terminal);
    if (e.type == "response.completed" || e.type == "response.incomplete" || e.type == "response.failed") {
      terminal = true;
      for (bool d : done) REQUIRE(d);  // every item closed before the end
      const json& r = e.data["response"];
      REQUIRE(r["id"] == "resp_abc123");
      REQUIRE(r["object"] == "response");
      REQUIRE(r["output"] == output);
      continue;
    }
    if (e.type == "response.created" || e.type == "response.in_progress") {
      REQUIRE(i < 2);
      continue;
    }
    const int64_t index = e.data["output_index"].get<int64_t>();
    if (e.type == "response.output_item.added") {
      REQUIRE(index == static_cast<int64_t>(output.size()));
      for (bool d : done) REQUIRE(d);  // the previous item closed first
      const json& item = e.data["item"];
      REQUIRE(item["id"].is_string());
      for (const auto& id : ids) REQUIRE(id != item["id"]);
      if (item["type"] == "function_call" || item["type"] == "custom_tool_call") REQUIRE(!item["call_id"].get<std::string>().empty());
      ids.push_back(item["id"].get<std::string>());
      output.push_back(item);
      done.push_back(false);
      continue;
    }
    REQUIRE(index >= 0);
    REQUIRE(index < static_cast<int64_t>(output.size()));
    REQUIRE_FALSE(done[index]);
    json& item = output[index];
    if (e.type == "response.output_item.done") {
      REQUIRE(e.data["item"]["id"] == item["id"]);
      REQUIRE(e.data["item"]["type"] == item["type"]);
      item = e.data["item"];
      done[index] = true;
      continue;
    }
    REQUIRE(e.data["item_id"] == item["id"]);
    const std::string t = e.type;
    if (t.rfind("response.output_text.", 0) == 0 || t.rfind("response.content_part.", 0) == 0) REQUIRE(item["type"] == "message");
    if (t.rfind("response.reasoning_summary", 0) == 0) REQUIRE(item["type"] == "reasoning");
    if (t.rfind("response.function_call_arguments.", 0) == 0) REQUIRE(item["type"] == "function_call");
    if (t.rfind("response.custom_tool_call_input.", 0) == 0) REQUIRE(item["type"] == "custom_tool_call");
    if (t == "response.content_part.added") item["content"].push_back(e.data["part"]);
    if (t == "response.output_text.delta") REQUIRE(item["content"].size() == 1);
  }
  REQUIRE(terminal);
  return events;
}

const json& terminal_response(const std::vector<Event>& events) {
  for (auto it = events.rbegin(); it != events.rend(); ++it)
    if (it->type != "error") return it->data["response"];
  FAIL("no terminal event");
  static json none;
  return none;
}

std::string write_stream(const Chunks& chunks, const Usage& usage, responses::ToolNames tools = {}, bool one_feed = false) {
  responses::StreamWriter w(context(), std::move(tools));
  std::string out;
  w.open(out);
  if (one_feed) w.feed(chunks.all(), out);
  else
    for (const auto& e : chunks.events) w.feed(e, out);
  w.finish(usage, out);
  return out;
}

std::vector<std::string> types_of(const std::vector<Event>& events) {
  std::vector<std::string> t;
  for (const auto& e : events) t.push_back(e.type);
  return t;
}

}  // namespace

// ---- request mapping ---------------------------------------------------------

TEST_CASE("responses request: string input, instructions and renamed settings", "[responses]") {
  json chat = chat_of(R"({"model":"openai/gpt-4o-mini","instructions":"Be brief.","input":"Hi","max_output_tokens":64,
    "temperature":0.5,"top_p":0.9,"reasoning":{"effort":"high","summary":"auto"},"prompt_cache_key":"k1","user":"u1",
    "safety_identifier":"s1","store":false,"include":["reasoning.encrypted_content"],"service_tier":"auto","truncation":"auto",
    "metadata":{"a":"b"},"unknown_field":{"x":1},"stream":true})");
  CHECK(chat["model"] == "openai/gpt-4o-mini");
  CHECK(chat["messages"] == json::parse(R"([{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}])"));
  CHECK(chat["max_tokens"] == 64);
  CHECK(chat["temperature"] == 0.5);
  CHECK(chat["top_p"] == 0.9);
  CHECK(chat["reasoning_effort"] == "high");
  CHECK(chat["prompt_cache_key"] == "k1");
  CHECK(chat["user"] == "u1");
  CHECK(chat["safety_identifier"] == "s1");
  CHECK(chat["stream"] == true);
  CHECK(chat["stream_options"] == json::parse(R"({"include_usage":true})"));
  for (const char* dropped : {"store", "include", "service_tier", "truncation", "metadata", "unknown_field", "instructions", "input",
                              "max_output_tokens", "reasoning"})
    CHECK_FALSE(chat.contains(dropped));
}

TEST_CASE("responses request: message items by role and content type", "[responses]") {
  json chat = chat_of(R"({"model":"m","input":[
    {"type":"message","role":"developer","content":[{"type":"input_text","text":"dev rules"}]},
    {"type":"message","role":"system","content":"sys"},
    {"role":"user","content":[{"type":"input_text","text":"look"},{"type":"input_image","image_url":"https://x/img.png","detail":"high"},
      {"type":"input_file","file_data":"data:application/pdf;base64,QUJD","filename":"a.pdf"}]},
    {"type":"message","role":"assistant","content":[{"type":"output_text","text":"seen","annotations":[]}]},
    {"type":"message","role":"user","content":[{"type":"input_text","text":"again"}]}]})");
  CHECK(chat["messages"] == json::parse(R"([
    {"role":"system","content":"dev rules"},
    {"role":"system","content":"sys"},
    {"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"https://x/img.png","detail":"high"}},
      {"type":"file","file":{"file_data":"data:application/pdf;base64,QUJD","filename":"a.pdf"}}]},
    {"role":"assistant","content":"seen"},
    {"role":"user","content":"again"}])"));
}

TEST_CASE("responses request: function calls and outputs become one assistant turn and its tool messages", "[responses]") {
  json chat = chat_of(R"({"model":"m","input":[
    {"type":"message","role":"user","content":"weather in Paris and Rome?"},
    {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Two cities."}],"encrypted_content":"gAAAA"},
    {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking."}]},
    {"type":"function_call","call_id":"call_a","name":"weather","arguments":"{\"city\":\"Paris\"}"},
    {"type":"function_call","call_id":"call_b","name":"weather","arguments":"{\"city\":\"Rome\"}"},
    {"type":"function_call_output","call_id":"call_b","output":"18C"},
    {"type":"function_call_output","call_id":"call_a","output":[{"type":"input_text","text":"21C"}]},
    {"type":"message","role":"user","content":"thanks"}]})");
  CHECK(chat["messages"] == json::parse(R"([
    {"role":"user","content":"weather in Paris and Rome?"},
    {"role":"assistant","content":"Checking.","reasoning_content":"Two cities.","tool_calls":[
      {"id":"call_a","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}},
      {"id":"call_b","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Rome\"}"}}]},
    {"role":"tool","tool_call_id":"call_b","content":"18C"},
    {"role":"tool","tool_call_id":"call_a","content":"21C"},
    {"role":"user","content":"thanks"}])"));
}

TEST_CASE("responses request: a call after outputs starts the next assistant turn; an orphan output is user text", "[responses]") {
  json chat = chat_of(R"({"model":"m","input":[
    {"type":"message","role":"user","content":"go"},
    {"type":"function_call","call_id":"c1","name":"ls","arguments":""},
    {"type":"function_call_output","call_id":"c1","output":"a.txt"},
    {"type":"function_call","call_id":"c2","name":"cat","arguments":"{\"f\":\"a.txt\"}"},
    {"type":"function_call_output","call_id":"c2","output":"hello"},
    {"type":"function_call_output","call_id":"zz","output":"stray"}]})");
  const json& m = chat["messages"];
  REQUIRE(m.size() == 6);
  CHECK(m[1]["tool_calls"][0]["function"]["arguments"] == "{}");
  CHECK(m[2] == json::parse(R"({"role":"tool","tool_call_id":"c1","content":"a.txt"})"));
  CHECK(m[3]["tool_calls"][0]["id"] == "c2");
  CHECK(m[4]["tool_call_id"] == "c2");
  CHECK(m[5] == json::parse(R"({"role":"user","content":"Output of tool call zz:\nstray"})"));
}

TEST_CASE("responses request: a custom tool is a one-string function and round-trips as custom_tool_call", "[responses]") {
  const std::string body = R"({"model":"m","tools":[{"type":"custom","name":"apply_patch","description":"Apply a patch.",
      "format":{"type":"grammar","syntax":"lark","definition":"start: begin_patch"}}],
    "tool_choice":{"type":"custom","name":"apply_patch"},
    "input":[{"type":"message","role":"user","content":"patch it"},
      {"type":"custom_tool_call","call_id":"call_p","name":"apply_patch","input":"*** Begin Patch\n*** End Patch"},
      {"type":"custom_tool_call_output","call_id":"call_p","output":"Done!"}]})";
  responses::MappedRequest mapped = map_ok(body);
  json chat = json::parse(mapped.chat_body);
  const json& fn = chat["tools"][0]["function"];
  CHECK(fn["name"] == "apply_patch");
  CHECK(fn["parameters"]["properties"]["input"]["type"] == "string");
  CHECK(fn["parameters"]["required"] == json::array({"input"}));
  CHECK(fn["description"].get<std::string>().find("lark grammar:\nstart: begin_patch") != std::string::npos);
  CHECK(chat["tool_choice"] == json::parse(R"({"type":"function","function":{"name":"apply_patch"}})"));
  CHECK(chat["messages"][1]["tool_calls"][0]["function"]["arguments"] == R"({"input":"*** Begin Patch\n*** End Patch"})");
  CHECK(chat["messages"][2] == json::parse(R"({"role":"tool","tool_call_id":"call_p","content":"Done!"})"));

  // The upstream's function call comes back as the client's custom tool call.
  Chunks c;
  c.call(0, "call_q", "apply_patch", R"({"input":"*** Begin)").args(0, R"( Patch\n*** End Patch"})").finish("tool_calls");
  auto events = check_stream(write_stream(c, usage_of(10, 5), mapped.tools));
  const json& out = terminal_response(events)["output"];
  REQUIRE(out.size() == 1);
  CHECK(out[0]["type"] == "custom_tool_call");
  CHECK(out[0]["id"] == "ctc_abc123_0");
  CHECK(out[0]["call_id"] == "call_q");
  CHECK(out[0]["name"] == "apply_patch");
  CHECK(out[0]["input"] == "*** Begin Patch\n*** End Patch");
  std::vector<std::string> expected = {"response.created", "response.in_progress", "response.output_item.added",
                                       "response.custom_tool_call_input.delta", "response.custom_tool_call_input.done",
                                       "response.output_item.done", "response.completed"};
  CHECK(types_of(events) == expected);
}

TEST_CASE("responses request: namespace tools are flattened and mapped back", "[responses]") {
  const std::string body = R"({"model":"m","input":"spawn one","tools":[
    {"type":"namespace","name":"multi_agent_v1","description":"Agents.","tools":[
      {"type":"function","name":"close_agent","description":"Close.","strict":false,"parameters":{"type":"object","properties":{"target":{"type":"string"}}}}]},
    {"type":"namespace","tools":[{"type":"function","name":"x"}],"name":"a_namespace_with_a_very_long_name_that_goes_past_the_limit_of_chat"},
    {"type":"web_search","external_web_access":true},
    {"type":"local_shell"}]})";
  responses::MappedRequest mapped = map_ok(body);
  json chat = json::parse(mapped.chat_body);
  REQUIRE(chat["tools"].size() == 2);
  CHECK(chat["tools"][0]["function"]["name"] == "multi_agent_v1__close_agent");
  CHECK(chat["tools"][0]["function"]["strict"] == false);
  CHECK(chat["tools"][0]["function"]["parameters"]["properties"]["target"]["type"] == "string");
  const std::string long_name = chat["tools"][1]["function"]["name"].get<std::string>();
  CHECK(long_name.size() <= 64);
  CHECK(long_name == responses::ToolNames::chat_name("a_namespace_with_a_very_long_name_that_goes_past_the_limit_of_chat", "x"));

  // History items name the namespace; the chat history uses the flat name.
  json history = chat_of(R"({"model":"m","input":[{"type":"function_call","call_id":"c","namespace":"multi_agent_v1","name":"close_agent",
    "arguments":"{}"},{"type":"function_call_output","call_id":"c","output":"closed"}]})");
  CHECK(history["messages"][0]["tool_calls"][0]["function"]["name"] == "multi_agent_v1__close_agent");

  Chunks c;
  c.call(0, "call_1", "multi_agent_v1__close_agent", R"({"target":"a1"})").call(1, "call_2", long_name, "{}").finish("tool_calls");
  auto events = check_stream(write_stream(c, usage_of(1, 1), mapped.tools));
  const json& out = terminal_response(events)["output"];
  REQUIRE(out.size() == 2);
  CHECK(out[0]["type"] == "function_call");
  CHECK(out[0]["name"] == "close_agent");
  CHECK(out[0]["namespace"] == "multi_agent_v1");
  CHECK(out[0]["arguments"] == R"({"target":"a1"})");
  CHECK(out[1]["name"] == "x");
  CHECK(out[1]["namespace"] == "a_namespace_with_a_very_long_name_that_goes_past_the_limit_of_chat");
}

TEST_CASE("responses request: text.format and tool_choice forms", "[responses]") {
  struct Row {
    std::string format;
    std::string expected;
  };
  const std::vector<Row> rows = {
      {R"({"type":"json_schema","name":"person","schema":{"type":"object"},"strict":true})",
       R"({"type":"json_schema","json_schema":{"name":"person","schema":{"type":"object"},"strict":true}})"},
      {R"({"type":"json_object"})", R"({"type":"json_object"})"},
      {R"({"type":"text"})", R"({"type":"text"})"},
  };
  for (const auto& row : rows) {
    json chat = chat_of(R"({"model":"m","input":"x","text":{"verbosity":"low","format":)" + row.format + "}}");
    CHECK(chat["response_format"] == json::parse(row.expected));
  }
  const std::string tools = R"("tools":[{"type":"function","name":"f","parameters":{"type":"object","properties":{}}}])";
  CHECK(chat_of(R"({"model":"m","input":"x",)" + tools + R"(,"tool_choice":"required","parallel_tool_calls":false})")["tool_choice"] ==
        "required");
  CHECK(chat_of(R"({"model":"m","input":"x",)" + tools + R"(,"parallel_tool_calls":false})")["parallel_tool_calls"] == false);
  CHECK(chat_of(R"({"model":"m","input":"x",)" + tools + R"(,"tool_choice":{"type":"function","name":"f"}})")["tool_choice"] ==
        json::parse(R"({"type":"function","function":{"name":"f"}})"));
  // Without any tool left, tool settings are not sent.
  json none = chat_of(R"({"model":"m","input":"x","tools":[{"type":"web_search"}],"tool_choice":"auto","parallel_tool_calls":true})");
  CHECK_FALSE(none.contains("tools"));
  CHECK_FALSE(none.contains("tool_choice"));
  CHECK_FALSE(none.contains("parallel_tool_calls"));
}

TEST_CASE("responses request: refusals are 400s naming the field", "[responses]") {
  struct Row {
    std::string body;
    std::string param;
    std::string code;
  };
  const std::vector<Row> rows = {
      {R"({"model":"m","input":"x","previous_response_id":"resp_1"})", "previous_response_id", "unsupported_parameter"},
      {R"({"model":"m","input":"x","conversation":"conv_1"})", "conversation", "unsupported_parameter"},
      {R"({"input":"x"})", "model", "missing_required_parameter"},
      {R"({"model":"m"})", "input", "missing_required_parameter"},
      {R"({"model":"m","input":[]})", "input", "missing_required_parameter"},
      {R"({"model":"m","input":42})", "input", "invalid_type"},
      {R"({"model":"m","input":"x","max_output_tokens":0})", "max_output_tokens", "invalid_value"},
      {R"({"model":"m","input":"x","max_output_tokens":1.5})", "max_output_tokens", "invalid_value"},
      {R"({"model":"m","input":"x","temperature":3})", "temperature", "invalid_value"},
      {R"({"model":"m","input":"x","top_p":"1"})", "top_p", "invalid_value"},
      {R"({"model":"m","input":"x","stream":"yes"})", "stream", "invalid_type"},
      {R"({"model":"m","input":[{"type":"message","role":"robot","content":"x"}]})", "input[0].role", "invalid_value"},
      {R"({"model":"m","input":[{"type":"function_call","name":"f","arguments":"{}"}]})", "input[0].call_id", "missing_required_parameter"},
      {R"({"model":"m","input":"x","text":{"format":{"type":"yaml"}}})", "text.format.type", "invalid_value"},
      {R"({"model":"m","input":"x","tools":[{"type":"function"}]})", "tools[0].name", "missing_required_parameter"},
      {R"({"model":"m","input":"x",)", "", "invalid_json"},
      {R"([1])", "", "invalid_json"},
  };
  for (const auto& row : rows) {
    ApiError e = map_error(row.body);
    INFO(row.body);
    CHECK(e.status == 400);
    CHECK(e.type == "invalid_request_error");
    CHECK(e.param == row.param);
    CHECK(e.code == row.code);
    json shaped = json::parse(e.body());
    CHECK(shaped["error"]["param"] == (row.param.empty() ? json(nullptr) : json(row.param)));
  }
  CHECK(map_error(R"({"model":"m","input":"x","previous_response_id":"resp_1"})").message.find("keeps no responses") != std::string::npos);
  // null and empty mean unset.
  CHECK(chat_of(R"({"model":"m","input":"x","previous_response_id":null,"conversation":null,"max_output_tokens":null})").is_object());
}

TEST_CASE("responses request: the real Codex request maps to a chat request", "[responses]") {
  json fixture = json::parse(read_fixture("clients/codex_0.169.0_responses_request.json"));
  REQUIRE(fixture.is_object());
  const std::string body = fixture["body"].dump();
  responses::MappedRequest mapped = map_ok(body);
  CHECK(mapped.stream);
  CHECK(mapped.model == "ag/agent");
  json chat = json::parse(mapped.chat_body);
  const json& m = chat["messages"];
  REQUIRE(m.size() == 4);
  CHECK(m[0]["role"] == "system");
  CHECK(m[0]["content"].get<std::string>().rfind("You are a coding agent running in the Codex CLI", 0) == 0);
  CHECK(m[1]["role"] == "system");
  CHECK(m[1]["content"].get<std::string>().find("<permissions instructions>") != std::string::npos);
  CHECK(m[3] == json::parse(R"({"role":"user","content":"Read the file marker.txt and tell me what it says."})"));
  // Every function tool is offered, the namespace flattened, web_search dropped.
  std::vector<std::string> names;
  for (const auto& t : chat["tools"]) names.push_back(t["function"]["name"].get<std::string>());
  size_t expected = 0;
  for (const auto& t : fixture["body"]["tools"]) {
    if (t["type"] == "function") ++expected;
    if (t["type"] == "namespace") expected += t["tools"].size();
  }
  CHECK(names.size() == expected);
  CHECK(std::find(names.begin(), names.end(), "exec_command") != names.end());
  CHECK(std::find(names.begin(), names.end(), "multi_agent_v1__close_agent") != names.end());
  for (const auto& n : names) CHECK(n.size() <= 64);
  CHECK(chat["tool_choice"] == "auto");
  CHECK(chat["parallel_tool_calls"] == true);
  CHECK(chat["prompt_cache_key"] == "<uuid>");
  CHECK(chat["stream_options"]["include_usage"] == true);
  for (const char* dropped : {"store", "include", "client_metadata", "reasoning"}) CHECK_FALSE(chat.contains(dropped));
  // `reasoning: {summary}` without an effort sets none.
  CHECK_FALSE(chat.contains("reasoning_effort"));
}

// ---- stream writer -------------------------------------------------------------

TEST_CASE("responses stream: reasoning, then text, then tools, with full usage", "[responses]") {
  Chunks c;
  c.reasoning("Think").reasoning("ing.").text("Hel").text("lo").call(0, "call_1", "weather", R"({"ci)").args(0, R"(ty":"Paris"})");
  c.finish("tool_calls");
  auto events = check_stream(write_stream(c, usage_of(1000, 50, 800, 20)));
  std::vector<std::string> expected = {
      "response.created", "response.in_progress",
      "response.output_item.added", "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
      "response.output_item.done",
      "response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
      "response.output_text.done", "response.content_part.done", "response.output_item.done",
      "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.done",
      "response.output_item.done", "response.completed"};
  CHECK(types_of(events) == expected);
  const json& r = terminal_response(events);
  CHECK(r["status"] == "completed");
  CHECK(r["model"] == "client/model");
  CHECK(r["created_at"] == 1700000000);
  CHECK(r["usage"] == json::parse(R"({"input_tokens":1000,"input_tokens_details":{"cached_tokens":800},"output_tokens":50,
    "output_tokens_details":{"reasoning_tokens":20},"total_tokens":1050})"));
  const json& out = r["output"];
  REQUIRE(out.size() == 3);
  CHECK(out[0] == json::parse(R"({"type":"reasoning","id":"rs_abc123_0","summary":[{"type":"summary_text","text":"Thinking."}]})"));
  CHECK(out[1]["id"] == "msg_abc123_1");
  CHECK(out[1]["status"] == "completed");
  CHECK(out[1]["content"][0]["text"] == "Hello");
  CHECK(out[2] == json::parse(R"({"type":"function_call","id":"fc_abc123_2","call_id":"call_1","name":"weather",
    "arguments":"{\"city\":\"Paris\"}","status":"completed"})"));
}

TEST_CASE("responses stream: tool calls however the upstream sends them", "[responses]") {
  SECTION("whole call in one chunk, message-less answer") {
    Chunks c;
    c.call(0, "call_w", "f", R"({"a":1})").finish("tool_calls");
    auto events = check_stream(write_stream(c, usage_of(1, 1)));
    const json& out = terminal_response(events)["output"];
    REQUIRE(out.size() == 1);
    CHECK(out[0]["arguments"] == R"({"a":1})");
  }
  SECTION("no argument deltas at all") {
    Chunks c;
    c.call(0, "call_n", "noargs", "").finish("tool_calls");
    auto events = check_stream(write_stream(c, usage_of(1, 1)));
    CHECK(terminal_response(events)["output"][0]["arguments"] == "{}");
  }
  SECTION("the name after the id, and no id at all") {
    Chunks c;
    c.raw(R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_late","type":"function","function":{"arguments":""}}]}}]})");
    c.raw(R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"late_name"}}]}}]})");
    c.raw(R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"q\":2}"}}]}}]})");
    c.raw(R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"name":"anon","arguments":"{}"}}]}}]})");
    c.finish("tool_calls");
    auto events = check_stream(write_stream(c, usage_of(1, 1)));
    const json& out = terminal_response(events)["output"];
    REQUIRE(out.size() == 2);
    CHECK(out[0]["call_id"] == "call_late");
    CHECK(out[0]["name"] == "late_name");
    CHECK(out[0]["arguments"] == R"({"q":2})");
    CHECK(out[1]["call_id"] == "call_abc123_1");
    CHECK(out[1]["name"] == "anon");
  }
  SECTION("parallel calls with interleaved argument chunks and non-dense indices") {
    Chunks c;
    c.call(1, "call_x", "fx", "{\"x\":").call(3, "call_y", "fy", "{\"y\":").args(1, "1}").args(3, "2}").finish("tool_calls");
    auto events = check_stream(write_stream(c, usage_of(1, 1)));
    const json& out = terminal_response(events)["output"];
    REQUIRE(out.size() == 2);
    CHECK(out[0]["arguments"] == R"({"x":1})");
    CHECK(out[1]["arguments"] == R"({"y":2})");
    CHECK(out[1]["id"] == "fc_abc123_1");
  }
}

TEST_CASE("responses stream: interleaving closes the open item; one chunk with reasoning and text", "[responses]") {
  Chunks c;
  c.reasoning("r1").text("t1").reasoning("r2").text("t2");
  c.raw(R"({"choices":[{"index":0,"delta":{"content":"t3","reasoning_content":"r3"}}]})");
  c.call(0, "c1", "f", "{}").text("after tools").finish("stop");
  auto events = check_stream(write_stream(c, usage_of(1, 1)));
  const json& out = terminal_response(events)["output"];
  std::vector<std::string> kinds;
  for (const auto& item : out) kinds.push_back(item["type"].get<std::string>());
  CHECK(kinds == std::vector<std::string>{"reasoning", "message", "reasoning", "message", "reasoning", "message", "function_call",
                                          "message"});
  CHECK(out[4]["summary"][0]["text"] == "r3");
  CHECK(out[5]["content"][0]["text"] == "t3");
  CHECK(out[7]["content"][0]["text"] == "after tools");
}

TEST_CASE("responses stream: a length stop is response.incomplete; an empty answer still completes", "[responses]") {
  Chunks c;
  c.text("cut sho").finish("length");
  auto events = check_stream(write_stream(c, usage_of(5, 7)));
  CHECK(events.back().type == "response.incomplete");
  CHECK(terminal_response(events)["status"] == "incomplete");
  CHECK(terminal_response(events)["incomplete_details"] == json::parse(R"({"reason":"max_output_tokens"})"));
  CHECK(terminal_response(events)["usage"]["output_tokens"] == 7);

  Chunks empty;
  empty.finish("stop");
  auto e2 = check_stream(write_stream(empty, usage_of(3, 0)));
  CHECK(e2.back().type == "response.completed");
  CHECK(terminal_response(e2)["output"].empty());
}

TEST_CASE("responses stream: fail() ends with response.failed carrying the code Codex acts on", "[responses]") {
  struct Row {
    UpstreamError error;
    std::string code;
    std::string in_message;
  };
  const std::vector<Row> rows = {
      {{ErrorClass::context_length, 400, "too long", "invalid_request_error", "", -1}, "context_length_exceeded", "too long"},
      {{ErrorClass::rate_limited, 429, "slow down.", "rate_limit_error", "", 12500}, "rate_limit_exceeded", "Please try again in 13s."},
      {{ErrorClass::rate_limited, 429, "slow down.", "rate_limit_error", "", -1}, "rate_limit_exceeded", "Please try again in 30s."},
      {{ErrorClass::payment, 402, "no money", "insufficient_quota", "", -1}, "insufficient_quota", "no money"},
      {{ErrorClass::stream, 502, "cut", "upstream_error", "stream_truncated", -1}, "server_error", "cut"},
  };
  for (const auto& row : rows) {
    Chunks c;
    c.text("partial").call(0, "call_cut", "f", "{\"a\":");
    responses::StreamWriter w(context(), {});
    std::string out;
    w.open(out);
    for (const auto& e : c.events) w.feed(e, out);
    w.fail(row.error, out);
    w.finish(usage_of(1, 1), out);  // nothing after the terminal event
    auto events = check_stream(out);
    REQUIRE(events.size() >= 2);
    const Event& failed = events[events.size() - 2];
    CHECK(failed.type == "response.failed");
    CHECK(failed.data["response"]["status"] == "failed");
    CHECK(failed.data["response"]["error"]["code"] == row.code);
    CHECK(failed.data["response"]["error"]["message"].get<std::string>().find(row.in_message) != std::string::npos);
    // The streamed text is closed; the unfinished call is never written.
    CHECK(failed.data["response"]["output"].size() == 1);
    CHECK(events.back().type == "error");
    CHECK(events.back().data["error"]["code"] == row.code);
  }
}

TEST_CASE("responses stream: the same events give the same bytes however they are fed", "[responses]") {
  Chunks c;
  c.reasoning("a\"b").text("héllo 世界").call(0, "c1", "f", "{\"k\":").args(0, "\"v\"}").raw(R"({"choices":[],"usage":{"prompt_tokens":1}})");
  c.finish("tool_calls");
  c.events.push_back("data: [DONE]\n\n");
  const std::string one_by_one = write_stream(c, usage_of(1, 2));
  CHECK(write_stream(c, usage_of(1, 2), {}, true) == one_by_one);
  // Pairs of events per feed, as a pass-through meter may hand them over.
  responses::StreamWriter w(context(), {});
  std::string out;
  w.open(out);
  for (size_t i = 0; i < c.events.size(); i += 2) w.feed(c.events[i] + (i + 1 < c.events.size() ? c.events[i + 1] : ""), out);
  w.finish(usage_of(1, 2), out);
  CHECK(out == one_by_one);
  check_stream(one_by_one);
}

TEST_CASE("responses stream: every event's data is nlohmann's compact dump of itself, deltas included", "[responses]") {
  // Quotes, backslashes, control characters and multibyte text in deltas and
  // item ids: the directly written delta events escape them as the trees do.
  Chunks c;
  c.reasoning("think \"\\ \x01\t").reasoning(" \u00e9\u4e16\U0001F600").text("a\x1f" "b\n\"c\"").text(std::string("\0\x7f/", 3));
  c.finish("stop");
  const std::string out = write_stream(c, usage_of(1, 2));
  size_t deltas = 0;
  for (const Event& e : check_stream(out)) {
    CHECK(out.find("data: " + e.data.dump() + "\n\n") != std::string::npos);
    if (e.type.size() > 6 && e.type.compare(e.type.size() - 6, 6, ".delta") == 0) ++deltas;
  }
  CHECK(deltas == 4);
}

// ---- non-streamed ----------------------------------------------------------------

TEST_CASE("responses body: a chat.completion as a response object", "[responses]") {
  const std::string completion = R"({"id":"chatcmpl-9","object":"chat.completion","created":1,"model":"up","choices":[{"index":0,
    "message":{"role":"assistant","content":"Sunny.","reasoning_content":"Look it up.","tool_calls":[
      {"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}},
      {"id":"call_2","type":"function","function":{"name":"apply_patch","arguments":"{\"input\":\"*** Begin Patch\"}"}}]},
    "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":9,"completion_tokens":4}})";
  responses::ToolNames tools;
  tools.add({"apply_patch", "apply_patch", "", true});
  json r = json::parse(responses::render_body(completion, usage_of(9, 4, 2, 1), context(), tools));
  CHECK(r["id"] == "resp_abc123");
  CHECK(r["object"] == "response");
  CHECK(r["status"] == "completed");
  CHECK(r["model"] == "client/model");
  CHECK(r["created_at"] == 1700000000);
  CHECK(r["output_text"] == "Sunny.");
  CHECK(r["usage"]["input_tokens"] == 9);
  CHECK(r["usage"]["input_tokens_details"]["cached_tokens"] == 2);
  CHECK(r["usage"]["output_tokens_details"]["reasoning_tokens"] == 1);
  CHECK(r["usage"]["total_tokens"] == 13);
  const json& out = r["output"];
  REQUIRE(out.size() == 4);
  CHECK(out[0]["type"] == "reasoning");
  CHECK(out[1]["content"][0] == json::parse(R"({"type":"output_text","text":"Sunny.","annotations":[],"logprobs":[]})"));
  CHECK(out[2]["name"] == "weather");
  CHECK(out[3] == json::parse(R"({"type":"custom_tool_call","id":"ctc_abc123_3","call_id":"call_2","name":"apply_patch",
    "input":"*** Begin Patch"})"));

  json cut = json::parse(responses::render_body(
      R"({"choices":[{"index":0,"message":{"role":"assistant","content":"abc"},"finish_reason":"length"}]})", usage_of(1, 1), context(), {}));
  CHECK(cut["status"] == "incomplete");
  CHECK(cut["incomplete_details"]["reason"] == "max_output_tokens");
}

TEST_CASE("responses protocol: names itself and keeps the request's tools for the answer", "[responses]") {
  responses::OpenAIResponses p;
  CHECK(p.name() == "responses");
  CHECK_FALSE(p.is_chat());
  std::string chat;
  ApiError error;
  REQUIRE(p.map_request(R"({"model":"m","input":"x","tools":[{"type":"custom","name":"apply_patch"}]})", chat, error));
  json r = json::parse(p.render_body(R"({"choices":[{"message":{"tool_calls":[{"id":"c","function":{"name":"apply_patch",
    "arguments":"{\"input\":\"P\"}"}}]},"finish_reason":"tool_calls"}]})",
                                     usage_of(1, 1), context()));
  CHECK(r["output"][0]["type"] == "custom_tool_call");
  CHECK(r["output"][0]["input"] == "P");
  ApiError e = ApiError::bad_request("bad", "invalid_value", "input");
  CHECK(json::parse(p.error_body(e))["error"]["param"] == "input");
}
