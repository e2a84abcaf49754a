// A streamed chat completion through the real OpenAI SDK, collected: the
// text, the last usage chunk and the finish reason, as a client sees them.
export async function streamChat(client, request) {
  const stream = await client.chat.completions.create({ messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true }, ...request });
  let text = "";
  let usage = null;
  let finish = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? "";
    if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, usage, finish };
}
