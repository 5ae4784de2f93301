// Times as people read them: relative ("3 min ago", "in 20 s") with the local date and time
// in the tooltip, or local time with the relative one beside it. The ISO time stays in the
// element's datetime attribute. Relative texts are brought up to date every 10 s (a clock,
// not a request to the supervisor).

const UNITS = [
  [86_400_000, "d"],
  [3_600_000, "h"],
  [60_000, "min"],
  [1000, "s"],
];

/** "3 min ago", "in 20 s", "now". */
export function relative(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return "";
  const diff = t - now;
  const abs = Math.abs(diff);
  if (abs < 1000) return "now";
  const [size, unit] = UNITS.find(([ms]) => abs >= ms);
  const n = Math.floor(abs / size);
  return diff < 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}

const LOCAL = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** The browser's local date and time, to the second. */
export function local(iso) {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? LOCAL.format(t) : "";
}

/** A <time>: relative text, local and UTC in the tooltip ("full": local, then relative). */
export function timeNode(iso, full = false) {
  const node = document.createElement("time");
  if (!iso) return node;
  node.dateTime = iso;
  node.dataset.form = full ? "full" : "relative";
  node.title = `${local(iso)} (${iso})`;
  render(node);
  return node;
}

function render(node) {
  const iso = node.dateTime;
  node.textContent =
    node.dataset.form === "full" ? `${local(iso)} · ${relative(iso)}` : relative(iso);
}

setInterval(() => {
  for (const node of document.querySelectorAll("time[datetime]")) render(node);
}, 10_000);

/** Seconds as "850 ms", "12.3 s", "4 min 5 s", "2 h 3 min". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

/** Seconds between two ISO times, or undefined when either is missing. */
export function between(fromIso, toIso) {
  const a = Date.parse(fromIso ?? "");
  const b = Date.parse(toIso ?? "");
  return Number.isFinite(a) && Number.isFinite(b) ? (b - a) / 1000 : undefined;
}
