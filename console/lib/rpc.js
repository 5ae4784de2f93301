// JSON-RPC 2.0 over one WebSocket: call() returns a promise; notifications (job.event,
// flow.event, events.activity) go to the handler given, with their method.
export class Rpc {
  constructor(url, onNotice, onClose) {
    this.pending = new Map();
    this.nextId = 1;
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.socket.addEventListener("open", resolve, { once: true });
      this.socket.addEventListener("error", () => reject(new Error("cannot connect")), {
        once: true,
      });
    });
    this.socket.addEventListener("message", (e) => {
      const msg = JSON.parse(e.data);
      if (msg.method !== undefined && msg.id === undefined) return onNotice(msg.method, msg.params);
      const waiter = this.pending.get(msg.id);
      if (!waiter) return;
      this.pending.delete(msg.id);
      if (msg.error)
        waiter.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code }));
      else waiter.resolve(msg.result);
    });
    this.socket.addEventListener("close", () => {
      for (const w of this.pending.values()) w.reject(new Error("connection closed"));
      this.pending.clear();
      onClose();
    });
  }

  async call(method, params = {}) {
    await this.opened;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    });
  }

  close() {
    this.socket.close();
  }
}
