// A local Kiro: the token services of both login kinds (with refresh-token
// rotation: a used refresh token stops working) and generateAssistantResponse
// answering in AWS Event Stream frames, encoded here with both CRCs.
import { sendJson, startRecordingServer } from "./http-mock.js";
import { fixture } from "./mock-upstream.js";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// One event-stream message with string headers.
export function frame(headers, payload) {
  const enc = new TextEncoder();
  const parts = [];
  for (const [name, value] of Object.entries(headers)) {
    const n = enc.encode(name);
    const v = enc.encode(value);
    parts.push(Buffer.from([n.length]), n, Buffer.from([7, v.length >> 8, v.length & 0xff]), v);
  }
  const head = Buffer.concat(parts);
  const body = Buffer.from(payload);
  const total = 12 + head.length + body.length + 4;
  const out = Buffer.alloc(total);
  out.writeUInt32BE(total, 0);
  out.writeUInt32BE(head.length, 4);
  out.writeUInt32BE(crc32(out.subarray(0, 8)), 8);
  head.copy(out, 12);
  body.copy(out, 12 + head.length);
  out.writeUInt32BE(crc32(out.subarray(0, total - 4)), total - 4);
  return out;
}

export const event = (type, obj) => frame({ ":event-type": type, ":content-type": "application/json", ":message-type": "event" }, JSON.stringify(obj));

// The reply to a generateAssistantResponse body: a tool use when tools are
// offered and no tool result came back yet, else text.
export function kiroReply(body, { text = "Hello from Kiro." } = {}) {
  const current = body?.conversationState?.currentMessage?.userInputMessage;
  const ctx = current?.userInputMessageContext || {};
  const results = ctx.toolResults || [];
  const tools = ctx.tools || [];
  if (tools.length && !results.length) return { tool: { name: tools[0].toolSpecification.name, input: { city: "Paris" } } };
  if (results.length) return { text: `The tool said: ${JSON.stringify(results[0].content)}` };
  return { text };
}

export function kiroFrames(reply) {
  const frames = [];
  if (reply.tool) {
    const id = "tooluse_mock0001";
    const input = JSON.stringify(reply.tool.input);
    frames.push(event("assistantResponseEvent", { content: "Checking." }));
    frames.push(event("toolUseEvent", { name: reply.tool.name, toolUseId: id, input: "" }));
    frames.push(event("toolUseEvent", { name: reply.tool.name, toolUseId: id, input: input.slice(0, 5) }));
    frames.push(event("toolUseEvent", { name: reply.tool.name, toolUseId: id, input: input.slice(5) }));
    frames.push(event("toolUseEvent", { name: reply.tool.name, toolUseId: id, stop: true }));
  } else {
    for (const w of reply.text.split(/(?<= )/)) frames.push(event("assistantResponseEvent", { content: w }));
  }
  frames.push(event("meteringEvent", { unit: "credit", unitPlural: "credits", usage: 0.0148 }));
  frames.push(event("contextUsageEvent", { contextUsagePercentage: 2.1684 }));
  return frames;
}

// options: { generate(body, entry) -> plan | undefined, tokenDelayMs }
export async function startMockKiro(options = {}) {
  const state = { refreshCalls: 0, socialCalls: 0, idcCalls: 0, generateCalls: 0, requests: [], access: new Set(), refresh: new Set(options.validRefreshTokens || []), rotations: 0 };
  const server = await startRecordingServer(async (entry, req, res) => {
    const { body, raw } = entry;
    const json = (status, obj) => sendJson(res, status, obj);
    if (req.url === "/refreshToken" || req.url === "/token") {
      state.refreshCalls++;
      if (req.url === "/refreshToken") state.socialCalls++;
      else state.idcCalls++;
      if (options.tokenDelayMs) await new Promise((r) => setTimeout(r, options.tokenDelayMs));
      const presented = body?.refreshToken;
      if (!state.refresh.has(presented)) return json(400, fixture("kiro_refresh_error_invalid_grant.json"));
      state.refresh.delete(presented); // rotation: the old refresh token is spent
      state.rotations++;
      const next = `aorRotated${state.rotations}xxxxxxxxxxxxxxxxxxxxxxxx`;
      state.refresh.add(next);
      const access = `aoaMockAccess${state.rotations}xxxxxxxxxxxxxxxxxxxxxx`;
      state.access.add(access);
      const out = { accessToken: access, refreshToken: next, expiresIn: 3600 };
      if (req.url === "/refreshToken") out.profileArn = "arn:aws:codewhisperer:us-east-1:123456789012:profile/ABCDEFGHIJKL";
      else out.tokenType = "Bearer";
      return json(200, out);
    }
    if (req.url === "/generateAssistantResponse") {
      state.generateCalls++;
      const token = (req.headers.authorization || "").replace(/^Bearer /, "");
      const plan = (await options.generate?.(body, entry, state.generateCalls)) ?? undefined;
      if (plan?.status && plan.status >= 400) return json(plan.status, plan.json ?? {});
      if (!state.access.has(token)) return json(403, fixture("kiro_error_403_bearer_invalid.json"));
      res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream" });
      for (const f of kiroFrames(plan?.reply ?? kiroReply(body))) res.write(f);
      return res.end();
    }
    json(404, { message: `no mock for ${req.method} ${req.url}` });
  });
  state.requests = server.requests;
  const url = server.url;
  return {
    url,
    state,
    generateRequests: () => state.requests.filter((r) => r.url === "/generateAssistantResponse"),
    close: server.close,
  };
}
