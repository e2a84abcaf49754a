import { useEffect, useState } from "react";
import { qs } from "../api.js";
import { useResource } from "../hooks.js";
import { useProviders } from "../data.js";
import { replaceParams } from "../router.js";
import { dateTime, isoTitle, ms, num, usd } from "../format.js";
import { Badge, Card, Empty, ErrorNote, Loading, PageHeader, ProviderSelect } from "../components/ui.jsx";
import { DirectionBadge, NetAmount } from "../components/Ledger.jsx";
import { ExpandableRow, ResponsiveTable } from "../components/ListTable.jsx";
import { usePlatform } from "../platform.js";

const LIMIT = 50;

// Platform mode shows which way credits moved and the net instead of the cost.
const logColumns = (platform) => [
  { label: "Time" },
  { label: "Model" },
  { label: "Provider" },
  { label: "Status" },
  { label: "Tokens in / out", num: true },
  ...(platform ? [{ label: "Direction" }, { label: "Net", num: true }] : [{ label: "Cost", num: true }]),
  { label: "Saved", num: true },
  { label: "Latency", num: true },
  { label: "Details", hideLabel: true },
];

export function Logs({ params }) {
  const providers = useProviders();
  const models = useResource("/v1/models?all=1", { cached: true });
  const [filters, setFilters] = useState(() => ({ model: params.get("model") || "", provider: params.get("provider") || "", status: params.get("status") || "" }));
  const [modelText, setModelText] = useState(filters.model);
  const [cursors, setCursors] = useState([null]); // the `cursor` of each page seen, newest first
  const [open, setOpen] = useState(null);
  const cursor = cursors[cursors.length - 1];
  const logs = useResource(`/api/logs${qs({ limit: LIMIT, cursor, ...filters })}`);
  const rows = logs.data?.data ?? [];
  const platform = usePlatform();
  const columns = logColumns(platform);

  useEffect(() => replaceParams("logs", filters), [filters]);

  const apply = (next) => {
    setFilters((f) => ({ ...f, ...next }));
    setCursors([null]);
    setOpen(null);
  };
  const older = () => {
    setCursors([...cursors, logs.data.next_cursor]);
    setOpen(null);
  };
  const newer = () => {
    setCursors(cursors.slice(0, -1));
    setOpen(null);
  };
  const filtered = filters.model || filters.provider || filters.status;

  return (
    <>
      <PageHeader
        title="Logs"
        description="Every request: which upstream served it, what it cost and how long it took. Open a row to see its attempts."
        actions={
          <button type="button" className="btn" onClick={logs.reload}>
            Refresh
          </button>
        }
      />
      <Card>
        <form
          className="filters"
          aria-label="Filter logs"
          onSubmit={(e) => {
            e.preventDefault();
            apply({ model: modelText.trim() });
          }}
        >
          <div className="field grow">
            <label htmlFor="log-model">Model</label>
            <div className="input-row">
              <input
                id="log-model"
                list="log-model-options"
                value={modelText}
                placeholder="Any model"
                autoComplete="off"
                spellCheck={false}
                onChange={(e) => setModelText(e.target.value)}
                onBlur={() => modelText.trim() !== filters.model && apply({ model: modelText.trim() })}
              />
              <button type="submit" className="btn">
                Apply
              </button>
            </div>
            <datalist id="log-model-options">
              {(models.data?.data ?? []).map((m) => (
                <option key={m.id} value={m.id} />
              ))}
            </datalist>
          </div>
          <div className="field">
            <label htmlFor="log-provider">Provider</label>
            <ProviderSelect id="log-provider" value={filters.provider} onChange={(provider) => apply({ provider })} providers={providers} anyLabel="Any provider" />
          </div>
          <div className="field">
            <label htmlFor="log-status">Status</label>
            <select id="log-status" value={filters.status} onChange={(e) => apply({ status: e.target.value })}>
              <option value="">Any status</option>
              <option value="ok">Succeeded</option>
              <option value="error">Failed</option>
            </select>
          </div>
          {filtered && (
            <button
              type="button"
              className="btn btn-ghost"
              onClick={() => {
                setModelText("");
                apply({ model: "", provider: "", status: "" });
              }}
            >
              Clear filters
            </button>
          )}
        </form>
        <ErrorNote error={logs.error} onRetry={logs.reload} />
        {!logs.data && logs.loading ? (
          <Loading rows={8} />
        ) : rows.length === 0 ? (
          <Empty title={filtered ? "No requests match these filters" : "No requests yet"}>{filtered ? "Clear a filter to see more." : "Requests appear here as soon as they are billed."}</Empty>
        ) : (
          <ResponsiveTable label="Request logs" className="logs-table" columns={columns} busy={logs.loading}>
            {rows.map((l) => (
              <ExpandableRow key={l.id} open={open === l.id} detailId={`log-${l.id}`} colSpan={columns.length} detail={<LogDetail id={l.id} providerName={providers.name} />}>
                <tr data-log-id={l.id}>
                  <td data-label="Time" className="nowrap" title={isoTitle(l.created_at)}>
                    {dateTime(l.created_at)}
                  </td>
                  <td data-label="Model">
                    <span className="mono">{l.model_id}</span>
                    {l.served_model && l.served_model !== l.model_id && !l.model_id.endsWith(`/${l.served_model}`) && <div className="small muted mono">{l.served_model}</div>}
                    <div className="small muted">{l.stream ? "streamed" : "not streamed"}</div>
                  </td>
                  <td data-label="Provider">{providers.name(l.provider_id)}</td>
                  <td data-label="Status">
                    {l.status === "ok" ? <Badge tone="ok">{l.http_status || 200}</Badge> : <Badge tone="bad" title={l.error_message || undefined}>{l.http_status || "error"}</Badge>}
                    {l.attempts > 1 && <div className="small muted">{l.attempts} attempts</div>}
                  </td>
                  <td data-label="Tokens" className="num">
                    {num(l.input_tokens)} / {num(l.output_tokens)}
                    {l.usage_estimated ? <span className="small muted" title="The upstream reported no usage; tokens are estimated"> est.</span> : null}
                  </td>
                  {platform ? (
                    // The net is what moved for you; the request's cost is in its details.
                    <>
                      <td data-label="Direction">
                        <DirectionBadge direction={l.direction} />
                      </td>
                      <td data-label="Net" className="num">
                        <NetAmount log={l} />
                      </td>
                    </>
                  ) : (
                    <td data-label="Cost" className="num">
                      {usd(l.effective_cost_usd)}
                    </td>
                  )}
                  <td data-label="Saved" className="num">
                    {usd(l.savings_usd)}
                  </td>
                  <td data-label="Latency" className="num">
                    {ms(l.latency_ms)}
                  </td>
                  <td data-label="Details" className="actions">
                    <button type="button" className="btn btn-small" aria-expanded={open === l.id} aria-controls={`log-${l.id}`} onClick={() => setOpen(open === l.id ? null : l.id)}>
                      {open === l.id ? "Hide" : "Details"}
                      <span className="sr-only"> for the request at {dateTime(l.created_at)}</span>
                    </button>
                  </td>
                </tr>
              </ExpandableRow>
            ))}
          </ResponsiveTable>
        )}
        <nav className="pager" aria-label="Pages">
          <button type="button" className="btn" onClick={newer} disabled={cursors.length === 1}>
            ← Newer
          </button>
          <span className="muted small">Page {cursors.length}</span>
          <button type="button" className="btn" onClick={older} disabled={!logs.data?.next_cursor || rows.length === 0}>
            Older →
          </button>
        </nav>
      </Card>
    </>
  );
}

export function LogDetail({ id, providerName }) {
  const log = useResource(`/api/logs/${encodeURIComponent(id)}`);
  const platform = usePlatform();
  if (!log.data && log.loading) return <Loading label="Loading attempts…" rows={2} />;
  if (log.error) return <ErrorNote error={log.error} onRetry={log.reload} />;
  const l = log.data;
  const attempts = l.attempt_list ?? [];
  return (
    <div className="log-detail">
      <dl className="kv kv-grid">
        <dt>Request id</dt>
        <dd className="mono break">{l.id}</dd>
        <dt>Served model</dt>
        <dd className="mono break">{l.served_model || "—"}</dd>
        <dt>Credential</dt>
        <dd className="mono break">{l.credential_id || (platform && l.direction === "spent" ? <span className="muted">another account's</span> : "—")}</dd>
        <dt>API key</dt>
        <dd className="mono break">{l.api_key_id || (platform ? <span className="muted">{l.direction === "earned" ? "another account's" : "session token"}</span> : "admin token")}</dd>
        <dt>Time to first byte</dt>
        <dd>{ms(l.first_byte_ms)}</dd>
        <dt>Cached / reasoning tokens</dt>
        <dd>
          {num(l.cached_tokens)} / {num(l.reasoning_tokens)}
        </dd>
        {platform && (
          <>
            <dt>Cost</dt>
            <dd>{usd(l.effective_cost_usd)}</dd>
          </>
        )}
        <dt>Base cost</dt>
        <dd>{usd(l.base_cost_usd)}</dd>
        <dt>At list price</dt>
        <dd>{usd(l.list_cost_usd)}</dd>
        {l.error_message && (
          <>
            <dt>Error</dt>
            <dd className="break">
              {l.error_class && <span className="mono">{l.error_class}: </span>}
              {l.error_message}
            </dd>
          </>
        )}
      </dl>
      <h3 className="small-heading">Attempts</h3>
      {attempts.length === 0 ? (
        <p className="muted small">No upstream was tried.</p>
      ) : (
        <div className="table-wrap">
          <table className="table compact" aria-label="Attempts">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Provider</th>
                <th scope="col">Model</th>
                <th scope="col">Result</th>
                <th scope="col" className="num">First byte</th>
                <th scope="col" className="num">Latency</th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((a) => (
                <tr key={a.attempt}>
                  <td>{a.attempt}</td>
                  <td>
                    {providerName(a.provider_id)}
                    <div className="mono small muted">{a.credential_id}</div>
                  </td>
                  <td className="mono break">{a.model_id}</td>
                  <td>
                    {a.status === "ok" ? <Badge tone="ok">{a.http_status || "ok"}</Badge> : <Badge tone="bad">{a.http_status || "failed"}</Badge>}
                    {a.error_class && <span className="mono small"> {a.error_class}</span>}
                    {a.error_message && <div className="small muted break">{a.error_message}</div>}
                  </td>
                  <td className="num">{ms(a.first_byte_ms)}</td>
                  <td className="num">{ms(a.latency_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
