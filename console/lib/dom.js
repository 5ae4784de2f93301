// Small DOM helpers every page uses.

export const $ = (id) => document.getElementById(id);

export function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** A public key short enough to read at a glance; the whole key goes in the tooltip. */
export function shortKey(hex) {
  return hex.length > 16 ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : hex;
}

/**
 * An id on one line: cut with an ellipsis where the column is narrow, never wrapped in the
 * middle; the whole id in the tooltip (and in the text, for copying).
 */
export function idNode(id, href) {
  const node = el(href ? "a" : "code", id, "id");
  node.title = id;
  if (href) node.href = href;
  return node;
}

export function setMessage(id, text, ok) {
  const node = $(id);
  node.textContent = text;
  node.className = `message ${ok ? "ok" : "bad"}`;
}

/** Fills a <select> with runner names (and "any" first), keeping the choice when it can. */
export function fillRunnerSelect(select, names, withAny) {
  const current = select.value;
  const wanted = [...(withAny ? [""] : []), ...names];
  if ([...select.options].map((o) => o.value).join("\n") === wanted.join("\n")) return;
  select.replaceChildren(
    ...wanted.map((n) => Object.assign(el("option", n || "any"), { value: n })),
  );
  if (wanted.includes(current)) select.value = current;
}

/** A table row of cells: strings become text cells, nodes are put in a cell as they are. */
export function row(cells, attrs = {}) {
  const tr = el("tr");
  for (const [k, v] of Object.entries(attrs)) tr.dataset[k] = v;
  for (const c of cells) {
    if (c instanceof Node && c.nodeName === "TD") tr.append(c);
    else if (c instanceof Node) {
      const td = el("td");
      td.append(c);
      tr.append(td);
    } else tr.append(el("td", c ?? ""));
  }
  return tr;
}

/** A cell with a field name, for tests and styles to find a value by what it is. */
export function cell(field, text, className) {
  const td = el("td", text, className);
  td.dataset.field = field;
  return td;
}
