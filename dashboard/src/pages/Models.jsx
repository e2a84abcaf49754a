import { Fragment, useMemo, useState } from "react";
import { api, invalidate, qs } from "../api.js";
import { useDebounced, useNow, useResource } from "../hooks.js";
import { useProviders, useRoutableModels } from "../data.js";
import { href } from "../router.js";
import { compact, num, perM, relative, usd } from "../format.js";
import { Badge, Card, Empty, ErrorNote, Loading, PageHeader, ProviderSelect, useToast } from "../components/ui.jsx";
import { ExpandableRow, ResponsiveTable } from "../components/ListTable.jsx";

const PAGE = 50;
const MODEL_COLUMNS = [{ label: "Model" }, { label: "Context", num: true }, { label: "Providers · input / output per 1M" }, { label: "Actions", hideLabel: true }];

export function Models() {
  const catalog = useResource("/api/catalog", { cached: true });
  const routable = useRoutableModels();
  const providers = useProviders();
  const toast = useToast();
  const [query, setQuery] = useState("");
  const [onlyRoutable, setOnlyRoutable] = useState(false);
  const [provider, setProvider] = useState("");
  const [type, setType] = useState("");
  const [limit, setLimit] = useState(PAGE);
  const [open, setOpen] = useState(null);
  const [syncing, setSyncing] = useState(false);
  const [syncReport, setSyncReport] = useState(null);
  const q = useDebounced(query.trim().toLowerCase(), 150);

  const routableById = useMemo(() => new Map(routable.list.map((m) => [m.id, m])), [routable.list]);

  const models = useMemo(() => {
    const groups = new Map();
    for (const o of catalog.data?.data ?? []) {
      if (!o.is_active) continue;
      let g = groups.get(o.model_id);
      if (!g) groups.set(o.model_id, (g = { id: o.model_id, name: o.name, context: o.context_length, offers: [], modalities: new Set(), type: o.type || "chat" }));
      g.name ||= o.name;
      if (o.context_length > (g.context || 0)) g.context = o.context_length;
      for (const m of o.input_modalities ?? []) g.modalities.add(m);
      g.offers.push(o);
    }
    const out = [...groups.values()];
    for (const g of out) {
      const price = (o) => (o.input_price_per_m ?? Infinity) + (o.output_price_per_m ?? Infinity);
      g.offers.sort((a, b) => price(a) - price(b) || a.provider_id.localeCompare(b.provider_id));
      // Highlight the lowest price when the offers differ; ties share the mark.
      const best = price(g.offers[0]);
      const worst = price(g.offers[g.offers.length - 1]);
      g.cheapest = new Set(Number.isFinite(best) && best < worst ? g.offers.filter((o) => price(o) === best).map((o) => o.provider_id) : []);
      g.routable = routableById.get(g.id) || null;
    }
    out.sort((a, b) => Boolean(b.routable) - Boolean(a.routable) || a.id.localeCompare(b.id));
    return out;
  }, [catalog.data, routableById]);

  const filtered = useMemo(
    () =>
      models.filter((m) => {
        if (onlyRoutable && !m.routable) return false;
        if (provider && !m.offers.some((o) => o.provider_id === provider)) return false;
        if (type && m.type !== type) return false;
        if (!q) return true;
        return m.id.toLowerCase().includes(q) || (m.name || "").toLowerCase().includes(q) || m.offers.some((o) => o.provider_id.includes(q) || providers.name(o.provider_id).toLowerCase().includes(q));
      }),
    [models, q, onlyRoutable, provider, type, providers],
  );
  const shown = filtered.slice(0, limit);

  const sync = async () => {
    setSyncing(true);
    setSyncReport(null);
    try {
      const report = await api("/api/catalog/sync", { method: "POST" });
      setSyncReport(report);
      invalidate("/api/catalog");
      invalidate("/v1/models");
      catalog.reload();
      routable.reload();
      toast("Catalogue synced.");
    } catch (err) {
      toast(`Sync failed: ${err.message}`, "bad");
    } finally {
      setSyncing(false);
    }
  };

  return (
    <>
      <PageHeader
        title="Models"
        description="Every model in the catalogue with each provider's price per 1M tokens. Routable models are those you hold a working key for."
        actions={
          <button type="button" className="btn" onClick={sync} disabled={syncing}>
            {syncing ? "Syncing…" : "Sync catalogue"}
          </button>
        }
      />
      {syncReport && <SyncReport report={syncReport} onClose={() => setSyncReport(null)} />}
      <ModelAliases />
      <Card>
        <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
          <div className="field grow">
            <label htmlFor="model-search">Search models</label>
            <input id="model-search" type="search" placeholder="gpt-4o, claude, deepseek…" value={query} onChange={(e) => (setQuery(e.target.value), setLimit(PAGE))} />
          </div>
          <div className="field">
            <label htmlFor="model-provider">Provider</label>
            <ProviderSelect id="model-provider" value={provider} onChange={(id) => (setProvider(id), setLimit(PAGE))} providers={providers} anyLabel="All providers" />
          </div>
          <div className="field">
            <label htmlFor="model-type">Type</label>
            <select id="model-type" value={type} onChange={(e) => (setType(e.target.value), setLimit(PAGE))}>
              <option value="">Chat and embedding</option>
              <option value="chat">Chat</option>
              <option value="embedding">Embedding</option>
            </select>
          </div>
          <label className="check">
            <input type="checkbox" checked={onlyRoutable} onChange={(e) => (setOnlyRoutable(e.target.checked), setLimit(PAGE))} />
            Only routable
          </label>
        </form>
        <ErrorNote error={catalog.error} onRetry={catalog.reload} />
        <ErrorNote error={routable.error} onRetry={routable.reload} />
        <p className="muted small" aria-live="polite">
          {catalog.data ? `${num(filtered.length)} of ${num(models.length)} models · ${num(models.filter((m) => m.routable).length)} routable. The cheapest offer (input + output price) is highlighted; ● marks providers you hold a key for.` : "\u00a0"}
        </p>
        {!catalog.data && catalog.loading ? (
          <Loading rows={8} />
        ) : filtered.length === 0 ? (
          <Empty title="No models match">Try a shorter search or another provider.</Empty>
        ) : (
          <ResponsiveTable label="Models" className="models-table" columns={MODEL_COLUMNS}>
            {shown.map((m) => (
              <ExpandableRow key={m.id} open={open === m.id} detailId={`route-${m.id}`} colSpan={MODEL_COLUMNS.length} detail={<RoutePreview model={m.id} providerName={providers.name} />}>
                <tr data-model-id={m.id}>
                  <td data-label="Model">
                    <div className="cell-title">
                      {m.name || m.id} {m.type === "embedding" && <Badge>Embedding</Badge>} {m.routable && <Badge tone="ok">Routable</Badge>}
                    </div>
                    <div className="mono small break">{m.id}</div>
                    {m.modalities.size > 1 && <div className="small muted">input: {[...m.modalities].join(", ")}</div>}
                  </td>
                  <td data-label="Context" className="num">
                    {m.context ? compact(m.context) : "—"}
                  </td>
                  <td data-label="Prices per 1M tokens (input / output)" className="stack">
                    <ul className="offers">
                      {m.offers.map((o) => {
                        const cheapest = m.cheapest.has(o.provider_id);
                        const held = m.routable?.providers?.includes(o.provider_id);
                        return (
                          <li key={o.provider_id} className={cheapest ? "offer offer-best" : "offer"}>
                            <span className="offer-provider">
                              {providers.name(o.provider_id)}
                              {held && (
                                <span className="held" title="You have a key for this provider">
                                  {" "}
                                  ●<span className="sr-only"> (you have a key)</span>
                                </span>
                              )}
                            </span>
                            <span className="offer-price">
                              {perM(o.input_price_per_m)} / {perM(o.output_price_per_m)}
                            </span>
                            {cheapest && <Badge tone="ok">Cheapest</Badge>}
                          </li>
                        );
                      })}
                    </ul>
                  </td>
                  <td data-label="Actions" className="actions">
                    <div className="row-actions">
                      {m.routable && (
                        <a className="btn btn-small" href={href("playground", { model: m.id })}>
                          Try
                        </a>
                      )}
                      <button type="button" className="btn btn-small" aria-expanded={open === m.id} aria-controls={`route-${m.id}`} onClick={() => setOpen(open === m.id ? null : m.id)}>
                        {open === m.id ? "Hide route" : "Route"}
                      </button>
                    </div>
                  </td>
                </tr>
              </ExpandableRow>
            ))}
          </ResponsiveTable>
        )}
        {filtered.length > limit && (
          <div className="more">
            <button type="button" className="btn" onClick={() => setLimit(limit + PAGE)}>
              Show {Math.min(PAGE, filtered.length - limit)} more
            </button>
          </div>
        )}
      </Card>
    </>
  );
}

// Client model names (such as the Anthropic names Claude Code asks for) routed to a catalogue model by /v1/messages.
function ModelAliases() {
  const aliases = useResource("/api/model-aliases");
  const toast = useToast();
  const [alias, setAlias] = useState("");
  const [target, setTarget] = useState("");
  const [busy, setBusy] = useState(false);
  const save = async (e) => {
    e.preventDefault();
    if (!alias.trim() || !target.trim()) return;
    setBusy(true);
    try {
      await api(`/api/model-aliases/${alias.trim()}`, { method: "PUT", body: { model: target.trim() } });
      setAlias("");
      setTarget("");
      aliases.reload();
      toast("Alias saved.");
    } catch (err) {
      toast(`Could not save the alias: ${err.message}`, "bad");
    } finally {
      setBusy(false);
    }
  };
  const remove = async (name) => {
    try {
      await api(`/api/model-aliases/${name}`, { method: "DELETE" });
      aliases.reload();
      toast("Alias removed.");
    } catch (err) {
      toast(`Could not remove the alias: ${err.message}`, "bad");
    }
  };
  const list = aliases.data?.data ?? [];
  return (
    <Card title="Aliases">
      <p className="muted small">
        Route a model name a client asks for (for example Claude Code&apos;s <span className="mono">claude-sonnet-4-5</span>) to any catalogue model on /v1/messages. A name also matches with a date or -latest suffix.
      </p>
      {aliases.error && <ErrorNote error={aliases.error} onRetry={aliases.reload} />}
      {list.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Alias</th>
              <th scope="col">Model</th>
              <th scope="col"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {list.map((a) => (
              <tr key={a.alias}>
                <td data-label="Alias" className="mono">{a.alias}</td>
                <td data-label="Model" className="mono">{a.model}</td>
                <td>
                  <button type="button" className="btn btn-small" onClick={() => remove(a.alias)} aria-label={`Remove alias ${a.alias}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="filters" onSubmit={save}>
        <div className="field grow">
          <label htmlFor="alias-name">Alias</label>
          <input id="alias-name" placeholder="claude-sonnet-4-5" value={alias} onChange={(e) => setAlias(e.target.value)} />
        </div>
        <div className="field grow">
          <label htmlFor="alias-model">Catalogue model</label>
          <input id="alias-model" placeholder="google/gemini-2.5-pro" value={target} onChange={(e) => setTarget(e.target.value)} />
        </div>
        <div className="field">
          <button type="submit" className="btn btn-primary" disabled={busy || !alias.trim() || !target.trim()}>
            Save alias
          </button>
        </div>
      </form>
    </Card>
  );
}

function RoutePreview({ model, providerName }) {
  const route = useResource(`/api/route${qs({ model })}`);
  const now = useNow(15000);
  if (!route.data && route.loading) return <Loading label="Ranking candidates…" rows={2} />;
  if (route.error) return <ErrorNote error={route.error} onRetry={route.reload} />;
  const { candidates = [], skipped = [] } = route.data || {};
  return (
    <div className="route">
      <h3 className="small-heading">Where the next request for {model} would go</h3>
      {candidates.length === 0 ? (
        <p className="muted">No credential can serve this model. Add a key for one of its providers.</p>
      ) : (
        <ol className="route-list">
          {candidates.map((c, i) => (
            <li key={`${c.provider_id}-${c.credential_id}`}>
              <span className="route-rank">{i + 1}</span>
              <span>
                <strong>{providerName(c.provider_id)}</strong> <span className="mono small">{c.credential_hint}</span>
              </span>
              <span className="small">
                {perM(c.input_price_per_m)} / {perM(c.output_price_per_m)} × {c.price_multiplier}
              </span>
              <span className="small">
                expected {usd(c.expected_cost_usd)}
                {c.cooling_until_ms > now && <Badge tone="warn">cooling {relative(c.cooling_until_ms, now).replace(/^in /, "")}</Badge>}
              </span>
            </li>
          ))}
        </ol>
      )}
      {skipped.length > 0 && (
        <>
          <h4 className="small-heading">Skipped</h4>
          <ul className="plain small">
            {skipped.map((s) => (
              <li key={`${s.provider_id}-${s.credential_id}`}>
                {providerName(s.provider_id)} <span className="mono">{s.credential_id}</span> — {s.reason}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

export function SyncReport({ report, onClose }) {
  const rows = report && typeof report === "object" ? Object.entries(report).filter(([k]) => k !== "object") : [];
  return (
    <Card title="Catalogue sync" actions={<button type="button" className="btn btn-small" onClick={onClose}>Dismiss</button>}>
      {rows.length === 0 ? (
        <p>Done.</p>
      ) : (
        <dl className="kv">
          {rows.map(([k, v]) => (
            <Fragment key={k}>
              <dt>{k.replace(/_/g, " ")}</dt>
              <dd>{typeof v === "object" ? <pre className="code small">{JSON.stringify(v, null, 2)}</pre> : String(v)}</dd>
            </Fragment>
          ))}
        </dl>
      )}
    </Card>
  );
}
