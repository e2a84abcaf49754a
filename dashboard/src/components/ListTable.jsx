// A cursor-paged list (hooks.js usePagedList) as a responsive table: a
// spinner until the first page, `empty` when there is nothing, an error with
// a retry, and "Load more" while pages remain.
// columns: [{ label, cell(item), num, className, title(item), hideLabel }]
// (`className` may be a function of the item; `hideLabel` for an actions column).
import { isoTitle, shortDateTime } from "../format.js";
import { ErrorNote, LoadMore, Loading } from "./ui.jsx";

export function ListTable({ list, label, columns, rowKey = (item) => item.id, rowAttrs, empty, rows = 4 }) {
  return (
    <>
      <ErrorNote error={list.error} onRetry={list.loaded ? list.more : list.reload} />
      {!list.loaded && list.loading ? (
        <Loading rows={rows} />
      ) : list.items.length === 0 ? (
        empty
      ) : (
        <ResponsiveTable label={label} columns={columns}>
          {list.items.map((item) => (
            <tr key={rowKey(item)} {...rowAttrs?.(item)}>
              {columns.map((c) => {
                const extra = typeof c.className === "function" ? c.className(item) : c.className;
                return (
                  <td key={c.label} data-label={c.hideLabel ? undefined : c.label} className={[c.num && "num", extra].filter(Boolean).join(" ") || undefined} title={c.title?.(item)}>
                    {c.cell(item)}
                  </td>
                );
              })}
            </tr>
          ))}
        </ResponsiveTable>
      )}
      <LoadMore list={list} />
    </>
  );
}

// The frame of a responsive table: the header row from `columns` ({ label,
// num, hideLabel }) and the body rows as children. `className` adds to the
// table's classes; `busy` marks the wrapper aria-busy while a reload runs.
export function ResponsiveTable({ label, columns, className, busy, children }) {
  return (
    <div className="table-wrap" aria-busy={busy}>
      <table className={className ? `table responsive ${className}` : "table responsive"} aria-label={label}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.label} scope="col" className={c.num ? "num" : undefined}>
                {c.hideLabel ? <span className="sr-only">{c.label}</span> : c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

// A table row with a detail row under it while `open`, spanning all `colSpan`
// columns; `detailId` is what the row's toggle names in aria-controls.
export function ExpandableRow({ open, detailId, colSpan, detail, children }) {
  return (
    <>
      {children}
      {open && (
        <tr className="detail-row" id={detailId}>
          <td colSpan={colSpan}>{detail}</td>
        </tr>
      )}
    </>
  );
}

// A column with an item's epoch-milliseconds time (today's without the date).
export const timeColumn = (label = "Date", key = "created_at") => ({ label, className: "nowrap", title: (item) => isoTitle(item[key]), cell: (item) => shortDateTime(item[key]) });
