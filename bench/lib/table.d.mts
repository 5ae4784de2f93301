// Types of table.mjs, for the test that imports it (test/bench/table.test.ts).
export const PEERS: readonly (readonly [string, string])[];
export function medianOf(values: readonly number[]): number;
type Value = number | Record<string, number>;
type Results = Map<string, Record<string, Value[]>>;
interface Table {
  header: string[];
  rows: string[][];
}
interface RowSpec {
  label: string;
  ours: string;
  bull?: string;
  bee?: string;
}
interface Scenario {
  id: string;
  label: string;
  kind: "rate" | "latency" | "prefilled";
  rows?: RowSpec[];
}
export function resultRows(scenarios: readonly Scenario[], results: Results): Table;
export function targetRows(results: Results): Table;
export function formatTable(table: Table): string;
