// A streamed chat completion through the real OpenAI SDK, collected as a
// client sees it: the text, the reasoning, the tool calls (joined by index),
// the last usage chunk and the finish reason.
export async function streamChat(client, request) {
  const stream = await client.chat.completions.create({ messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true }, ...request });
  let text = "";
  let reasoning = "";
  const calls = [];
  let usage = null;
  let finish = null;
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta;
    text += delta?.content ?? "";
    reasoning += delta?.reasoning_content ?? "";
    for (const tc of delta?.tool_calls ?? []) {
      calls[tc.index] ??= { id: "", name: "", arguments: "" };
      if (tc.id) calls[tc.index].id = tc.id;
      if (tc.function?.name) calls[tc.index].name = tc.function.name;
      calls[tc.index].arguments += tc.function?.arguments ?? "";
    }
    if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, reasoning, calls, usage, finish };
}

// The tool of the tool-calling round trips.
export const WEATHER_TOOL = { type: "function", function: { name: "get_weather", description: "Weather of a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } };
