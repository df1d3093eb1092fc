// The emulator scripts/fuzz.mjs attacks, in a process of its own (forked with --expose-gc), so the
// memory it reports is the emulator's alone: the fuzzer's own request generation (UUIDs, gzip and
// brotli of bodies, 300 KB raw headers, its HTTP agent) would otherwise share the heap and the
// allocator with it. Driven over IPC: `memory` (after two full GCs; `memory-idle` after 6 s idle first), `held`, `clear-audit`,
// `forget-nonces`, `reset`, `close`. A crash (uncaught exception or unhandled rejection) is
// reported to the fuzzer, which counts it as a failure.
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';

const { Emulator } = await import('../dist/emulator.js');

const crash = (kind) => (error) => {
  process.send?.({ type: 'crash', kind, error: String(error?.stack ?? error).slice(0, 2000) });
};
process.on('uncaughtException', crash('uncaughtException'));
process.on('unhandledRejection', crash('unhandledRejection'));

const MiB = (bytes) => Math.round(bytes / 2 ** 20);
const settle = () => new Promise((resolve) => setTimeout(resolve, 500));
/**
 * After two full GCs (when `collect`), and half a second later: V8 hands the pages a GC emptied
 * back to the system from a background thread, so RSS read at once still counts them
 * (`rssAtOnce`).
 */
/** How long a process is idle before `memory-idle` measures (V8 looks at the last ~5 s). */
const IDLE_MS = 6000;

async function memory(collect, idleMs = 0) {
  let rssAtOnce;
  if (collect) {
    // `memory-idle` waits first, as a process is once its load stops. V8 sizes its young generation
    // by the recent allocation rate: a GC after ~5 s without allocation gives most of it back.
    if (idleMs > 0) await new Promise((resolve) => setTimeout(resolve, idleMs));
    globalThis.gc?.();
    globalThis.gc?.();
    rssAtOnce = MiB(process.memoryUsage.rss());
    await settle();
  }
  const m = process.memoryUsage();
  return {
    rss: MiB(m.rss),
    ...(rssAtOnce === undefined ? {} : { rssAtOnce }),
    heapTotal: MiB(m.heapTotal),
    heapUsed: MiB(m.heapUsed),
    external: MiB(m.external),
    arrayBuffers: MiB(m.arrayBuffers),
    // [committed, used] MiB of each V8 space that holds anything.
    spaces: Object.fromEntries(
      v8
        .getHeapSpaceStatistics()
        .filter((s) => s.space_size > 0)
        .map((s) => [s.space_name, [MiB(s.space_size), MiB(s.space_used_size)]]),
    ),
  };
}

/** RSS by kind of mapping (MiB), from /proc/self/smaps: where memory outside the JS heap sits. */
function mappings() {
  let text;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return undefined;
  }
  const out = {};
  let kind = 'other';
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[1];
      kind = name === '' ? 'anonymous' : name.startsWith('/') ? 'files' : name;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] = (out[kind] ?? 0) + Number(rss[1]);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Math.round(v / 1024)]));
}

const emulator = await Emulator.create({
  port: 0,
  state: ':memory:',
  logLevel: 'silent',
  env: {},
  randomSeed: `fuzz-${process.argv[2] ?? '1'}`,
});
await emulator.listen();

const handlers = {
  memory: () => memory(true),
  'memory-idle': () => memory(true, IDLE_MS),
  mappings: () => mappings(),
  cpu: () => process.cpuUsage(),
  snapshot: () => v8.writeHeapSnapshot(),
  sample: async () => ({
    ...(await memory(false)),
    audit: emulator.audit.size,
    nonces: emulator.authenticator.rememberedNonces,
  }),
  held: () => ({
    auditEvents: emulator.audit.size,
    auditBytes: emulator.audit.bytes,
    nonces: emulator.authenticator.rememberedNonces,
    faultRules: emulator.faults.list().length,
    compiledPolicies: emulator.authorizer.policies.size,
  }),
  // The authorizer's bounded cache of compiled policy documents (kept across a reset: keyed by text).
  'forget-policies': () => emulator.authorizer.policies.clear(),
  'clear-audit': () => emulator.audit.clear(),
  'forget-nonces': () => emulator.authenticator.forgetNonces(),
  // The address `acs:SourceIp` reads (as --source-ip sets it); undefined: the socket's.
  'source-ip': (value) => {
    emulator.options.sourceIp = value;
  },
  reset: () => emulator.reset(),
  close: async () => {
    await emulator.close();
    setImmediate(() => process.exit(0));
  },
};
process.on('message', async ({ id, type, value }) => {
  try {
    process.send?.({ id, value: await handlers[type](value) });
  } catch (error) {
    process.send?.({ id, error: String(error?.stack ?? error) });
  }
});
process.send?.({ type: 'ready', url: emulator.url });
