import type { ServerResponse } from 'node:http';
import type { Rendered } from './envelope.js';
import { endWithText } from './pieces.js';

/** What the batch needs of a response: node:http's ServerResponse (Express's too). */
export type AnswerTarget = Pick<ServerResponse, 'writeHead' | 'write' | 'end' | 'destroy'>;

/**
 * Answers written in one batch, after the event loop has read every request that arrived together
 * (setImmediate runs once the poll phase is over). On loopback a write to a client that sleeps
 * costs a wake-up in the kernel (an inter-processor interrupt, dear in a VM: a quarter of the
 * server's CPU at c=16 when every answer was written on its own); the first write of a batch pays
 * it and the rest find the client awake. Each answer is still one write: status, headers and body.
 */
export class AnswerBatch {
  private pending: Array<AnswerTarget | Rendered> = [];
  /** How many batches were written (for tests: answers that arrived together share one). */
  batches = 0;

  constructor(private readonly schedule: (flush: () => void) => void = setImmediate) {}

  send(res: AnswerTarget, rendered: Rendered): void {
    if (this.pending.length === 0) this.schedule(() => this.flush());
    this.pending.push(res, rendered);
  }

  /** Writes every pending answer; one that cannot be written is dropped, never the batch. */
  flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.batches += 1;
    for (let i = 0; i < batch.length; i += 2) {
      const res = batch[i] as AnswerTarget;
      const rendered = batch[i + 1] as Rendered;
      try {
        // Exactly this Content-Type: some official clients compare it verbatim.
        // A known length instead of chunked framing: no chunk header or trailer. The body goes as a
        // string: node:http then sends status line, headers and body as one string in one write
        // (a Buffer body would be a second chunk, and a writev).
        // Object.assign, not `{ ...headers, more }`: V8's slow path for a spread followed by more properties.
        const headers: Record<string, string> = Object.assign({}, rendered.headers);
        headers['Content-Type'] = rendered.contentType;
        headers['Content-Length'] = String(Buffer.byteLength(rendered.body, 'utf8'));
        res.writeHead(rendered.status, headers);
        endWithText(res, rendered.body);
      } catch {
        // The client went away, or the answer cannot be written: this connection is closed.
        res.destroy();
      }
    }
  }
}
