// What every page shares: the connection, who is connected, the runners known, and how to go
// to another page. app.js fills it in; pages read it.
export const session = {
  /** The Rpc of the connection (lib/rpc.js), once connected. */
  rpc: null,
  /** auth.verify's answer: { id, name, scope }. */
  who: null,
  /** list_runners' runners, refreshed with the pages. */
  runners: [],
  /** Subscribers to job.event notifications (the job page). */
  jobEventHandlers: new Set(),
  /** Subscribers to flow.event notifications (the flows page). */
  flowEventHandlers: new Set(),

  call(method, params) {
    if (!this.rpc) return Promise.reject(new Error("not connected"));
    return this.rpc.call(method, params);
  },

  /** Goes to a page: "jobs", "job/<id>", ... */
  go(path) {
    location.hash = `#/${path}`;
  },

  get admin() {
    return this.who?.scope === "admin";
  },
};
