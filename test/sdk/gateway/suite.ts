/**
 * The gateway ecosystem of the conformance runner: builds the world of test/helpers/instance-access.ts
 * through the OpenAPI of the runner's emulator, runs each KMS Instance API client's program (the
 * same ones the vitest files test/gateway-*.test.ts run) and folds its cases into three rows.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Emulator } from '../../../src/index.js';
import { instanceAccessWorld } from '../../helpers/instance-access.js';

type Case = { case: string; ok: boolean; detail: string };
type Row = 'instance-crypto' | 'instance-secret' | 'instance-refusals';
type Result = { client: string; row: Row; status: 'pass' | 'fail' | 'skipped'; detail: string };

const SDK = join(import.meta.dirname, '..');
const ROWS: Row[] = ['instance-crypto', 'instance-secret', 'instance-refusals'];
const openapi = process.env.KMS_EMULATOR_URL as string;
const gateway = process.env.KMS_GATEWAY_ENDPOINT as string;
const run = promisify(execFile);

/**
 * A set-up command's exit status, run without blocking the event loop: a synchronous spawn that
 * outlasts the emulator's keep-alive timeout (5 s: a Maven or pip run on a busy machine) leaves fetch's
 * pooled sockets closed by the server but not yet seen as closed, and the next fetch fails on one.
 */
function status(
  cmd: string,
  args: string[],
  options: { cwd?: string; timeout?: number } = {},
): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: options.cwd, stdio: 'ignore' });
    const timer = options.timeout ? setTimeout(() => child.kill('SIGKILL'), options.timeout) : undefined;
    child.on('error', () => resolve(null));
    child.on('exit', (code) => {
      if (timer) clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Which row a case belongs to; management cases (OpenAPI) belong to the ecosystems' own rows. */
function rowOf(name: string): Row | undefined {
  if (/^management:/.test(name)) return undefined;
  if (/refusal|refused|certificate verification|Throttling/i.test(name)) return 'instance-refusals';
  if (/GetSecretValue|reads and refreshes/.test(name)) return 'instance-secret';
  return 'instance-crypto';
}

function fold(client: string, cases: Case[], results: Result[], rows: Row[] = ROWS): void {
  for (const row of rows) {
    const mine = cases.filter((c) => rowOf(c.case) === row);
    const failed = mine.filter((c) => !c.ok);
    results.push(
      mine.length === 0
        ? { client, row, status: 'fail', detail: 'the client reported no case for this row' }
        : failed.length > 0
          ? {
              client,
              row,
              status: 'fail',
              detail: failed
                .map((c) => `${c.case}: ${c.detail}`)
                .join(' | ')
                .slice(0, 600),
            }
          : { client, row, status: 'pass', detail: mine.map((c) => c.case).join('; ') },
    );
  }
}

function skip(client: string, why: string, results: Result[], rows: Row[] = ROWS): void {
  for (const row of rows) results.push({ client, row, status: 'skipped', detail: why });
}

async function json(cmd: string, args: string[], cwd?: string): Promise<Case[]> {
  const { stdout } = await run(cmd, args, { encoding: 'utf8', timeout: 300_000, cwd, maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as Case[];
}

const SM = /^Secrets Manager client/;

async function main(): Promise<void> {
  const results: Result[] = [];
  // Each client gets a world of its own (they put secret versions): reset, then build it.
  const reset = async () => {
    const res = await fetch(`${openapi}/_emulator/reset`, { method: 'POST' });
    if (!res.ok) throw new Error(`reset: HTTP ${res.status}`);
  };
  const fresh = async () => {
    await reset();
    return instanceAccessWorld({ url: openapi, gatewayUrl: `https://${gateway}` } as Emulator);
  };
  const clients: [string, () => Promise<void>][] = [
    [
      'py alibabacloud-dkms-gcs',
      async () => {
        const dir = join(SDK, 'dkms-python');
        if ((await status('bash', [join(dir, 'setup.sh')])) !== 0)
          return skip('py alibabacloud-dkms-gcs', 'python3 or its venv unavailable', results);
        await reset();
        const work = mkdtempSync(join(tmpdir(), 'gateway-conformance-'));
        const config = join(work, 'config.json');
        writeFileSync(
          config,
          JSON.stringify({
            workdir: work,
            openapi: openapi.replace('http://', ''),
            gateway,
            accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID,
            accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
          }),
        );
        fold(
          'py alibabacloud-dkms-gcs',
          await json(join(dir, '.venv', 'bin', 'python'), [join(dir, 'suite.py'), config]),
          results,
        );
      },
    ],
    [
      'py alibabacloud-kms-python-sdk',
      async () => {
        const dir = join(SDK, 'kms-python-sdk');
        if ((await status('bash', [join(dir, 'setup.sh')])) !== 0)
          return skip('py alibabacloud-kms-python-sdk', 'python3 or its venv unavailable', results, [
            'instance-crypto',
          ]);
        const cases = await json(join(dir, '.venv', 'bin', 'python'), [join(dir, 'app.py'), await fresh()]);
        fold('py alibabacloud-kms-python-sdk', cases, results, ['instance-crypto']);
      },
    ],
    [
      'py aliyun-secret-manager-client (ClientKey)',
      async () => {
        const dir = join(SDK, 'python');
        const name = 'py aliyun-secret-manager-client (ClientKey)';
        const rows: Row[] = ['instance-secret', 'instance-refusals'];
        if ((await status('bash', [join(dir, 'run-suite.sh'), '--setup-only'])) !== 0)
          return skip(name, 'python3 or its venv unavailable', results, rows);
        fold(
          name,
          await json(join(dir, '.venv', 'bin', 'python'), [
            join(dir, 'secrets_manager_clientkey.py'),
            await fresh(),
          ]),
          results,
          rows,
        );
      },
    ],
    [
      'go alibabacloud-dkms-gcs-go-sdk',
      async () => {
        const dir = join(SDK, 'dkms-go');
        const binary = join(dir, '.bin', 'dkms-go');
        if ((await status('go', ['build', '-o', binary, '.'], { cwd: dir, timeout: 600_000 })) !== 0) {
          skip('go alibabacloud-dkms-gcs-go-sdk', 'Go toolchain unavailable', results);
          return skip('go aliyun-secretsmanager-client-go (ClientKey)', 'Go toolchain unavailable', results, [
            'instance-secret',
          ]);
        }
        const cases = await json(binary, [await fresh()]);
        fold(
          'go alibabacloud-dkms-gcs-go-sdk',
          cases.filter((c) => !SM.test(c.case)),
          results,
        );
        fold(
          'go aliyun-secretsmanager-client-go (ClientKey)',
          cases.filter((c) => SM.test(c.case)),
          results,
          ['instance-secret'],
        );
      },
    ],
    [
      'java alibabacloud-dkms-gcs-sdk',
      async () => {
        const dir = join(SDK, 'dkms-java');
        const build = await status(
          'mvn',
          ['-q', '-B', 'compile', 'dependency:build-classpath', '-Dmdep.outputFile=target/classpath.txt'],
          { cwd: dir, timeout: 900_000 },
        );
        if (build !== 0 || !existsSync(join(dir, 'target', 'classpath.txt'))) {
          skip('java alibabacloud-dkms-gcs-sdk', 'Maven or a JDK unavailable', results);
          return skip(
            'java alibabacloud-secretsmanager-client (ClientKey)',
            'Maven or a JDK unavailable',
            results,
            ['instance-secret'],
          );
        }
        const classpath = `${join(dir, 'target', 'classes')}:${readFileSync(join(dir, 'target', 'classpath.txt'), 'utf8').trim()}`;
        const cases = await json('java', ['-cp', classpath, 'dkms.Main', await fresh()]);
        fold(
          'java alibabacloud-dkms-gcs-sdk',
          cases.filter((c) => !SM.test(c.case)),
          results,
        );
        fold(
          'java alibabacloud-secretsmanager-client (ClientKey)',
          cases.filter((c) => SM.test(c.case)),
          results,
          ['instance-secret'],
        );
      },
    ],
  ];
  for (const [client, go] of clients) {
    try {
      await go();
    } catch (error) {
      for (const row of ROWS) {
        if (!results.some((r) => r.client === client && r.row === row))
          results.push({ client, row, status: 'fail', detail: `crashed: ${String(error).slice(0, 400)}` });
      }
    }
  }
  writeFileSync(process.env.CONFORMANCE_OUT as string, JSON.stringify(results, null, 2));
}

await main();
