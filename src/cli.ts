#!/usr/bin/env node
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  formatEnv,
  removeRunningFile,
  resolveTarget,
  SHELLS,
  type Shell,
  stateDir,
  writeCaBundle,
  writeRunningFile,
} from './cli-env.js';
import { isLoopbackName } from './control/guard.js';
import { parseDuration } from './domain/time.js';
import { DEFAULT_HOST, DEFAULT_PORT, Emulator } from './emulator.js';
import { StateFileError } from './store/store.js';
import { applySeed, readSeedFile, SeedError } from './testkit/seed.js';
import { VERSION } from './version.js';

export const DEFAULT_STATE_FILE = '.kms-emulator/state.json';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

/** A duration such as 10s, 5m, 48h or 7d (a bare number is seconds), in milliseconds. */
function duration(value: string): number {
  const parsed = parseDuration(value);
  if (parsed === undefined) throw new InvalidArgumentError('Not a duration such as 10s, 5m, 48h or 7d.');
  return parsed;
}

const program = new Command('kms-emulator')
  .description('Local emulator of Alibaba Cloud Key Management Service (KMS 2016-01-20)')
  .version(VERSION);

program
  .command('start', { isDefault: true })
  .description('start the emulator')
  .addOption(new Option('--port <port>', 'HTTP port').env('PORT').default(DEFAULT_PORT).argParser(port))
  .addOption(new Option('--host <host>', 'listen address').env('HOST').default(DEFAULT_HOST))
  .addOption(
    new Option('--https-port <port>', 'also listen with TLS on this port')
      .env('KMS_EMULATOR_HTTPS_PORT')
      .argParser(port),
  )
  .addOption(
    new Option(
      '--tls-cert <file>',
      'PEM certificate for the TLS listener (default: one issued by the local CA, see `kms-emulator ca`)',
    ),
  )
  .addOption(new Option('--tls-key <file>', 'PEM private key for the TLS listener'))
  .addOption(
    new Option(
      '--gateway-port <port>',
      'serve the KMS Instance API (KMS Instance SDKs) with TLS on this port',
    )
      .env('KMS_EMULATOR_GATEWAY_PORT')
      .argParser(port),
  )
  .addOption(
    new Option('--gateway-source-ip <ip>', "the caller address the gateway's network rules see").env(
      'KMS_EMULATOR_GATEWAY_SOURCE_IP',
    ),
  )
  .addOption(
    new Option('--state <file>', 'JSON state file, or :memory:')
      .env('KMS_EMULATOR_STATE')
      .default(DEFAULT_STATE_FILE),
  )
  .addOption(
    new Option('--auth <mode>', 'verify signatures')
      .choices(['on', 'off'])
      .env('KMS_EMULATOR_AUTH')
      .default('on'),
  )
  .addOption(
    new Option(
      '--authorization <mode>',
      'authorize RAM users, roles and sessions: enforce, audit (record would-be denials) or off (root pairs are never checked)',
    )
      .choices(['enforce', 'audit', 'off'])
      .env('KMS_EMULATOR_AUTHORIZATION')
      .default('enforce'),
  )
  .addOption(
    new Option(
      '--source-ip <ip>',
      "the caller address acs:SourceIp conditions see (default: the connection's)",
    ).env('KMS_EMULATOR_SOURCE_IP'),
  )
  .addOption(
    new Option(
      '--access-management-quota <n>',
      "other accounts a KMS instance's key and secret policies may name (default 10)",
    )
      .env('KMS_EMULATOR_ACCESS_MANAGEMENT_QUOTA')
      .argParser(count),
  )
  .addOption(
    new Option('--random-seed <seed>', 'make IDs, request IDs and key material reproducible').env(
      'KMS_EMULATOR_RANDOM_SEED',
    ),
  )
  .addOption(
    new Option('--region <region>', 'default region').env('KMS_EMULATOR_REGION').default('cn-hangzhou'),
  )
  .addOption(
    new Option('--seed-file <file>', 'load a seed file (YAML or JSON) at start-up').env(
      'KMS_EMULATOR_SEED_FILE',
    ),
  )
  .addOption(
    new Option(
      '--rotation-duration <duration>',
      'how long a database or ECS rotation stays ACSPending (e.g. 10s, 5m)',
    )
      .env('KMS_EMULATOR_ROTATION_DURATION')
      .argParser(duration),
  )
  .addOption(
    new Option(
      '--ram-rollover <duration>',
      "how long a rotated RAM secret's previous AccessKey stays valid (e.g. 48h)",
    )
      .env('KMS_EMULATOR_RAM_ROLLOVER')
      .argParser(duration),
  )
  .addOption(
    new Option(
      '--control-token <token>',
      'every /_emulator/ call must send Authorization: Bearer <token>',
    ).env('KMS_EMULATOR_CONTROL_TOKEN'),
  )
  .addOption(
    new Option(
      '--allow-host <names>',
      'comma-separated Host names (besides loopback) the control plane answers to, e.g. kms-emulator,*.internal',
    ).env('KMS_EMULATOR_ALLOWED_HOSTS'),
  )
  .addOption(new Option('--record <file>', 'record every API call into a replayable scenario file'))
  .addOption(
    new Option('--log-level <level>', 'fatal, error, warn, info, debug or silent')
      .env('KMS_EMULATOR_LOG_LEVEL')
      .default('info'),
  )
  .action(async (opts: Record<string, string | number | undefined>) => {
    try {
      const randomSeed =
        opts.randomSeed === undefined || opts.randomSeed === '' ? undefined : String(opts.randomSeed);
      const emulator = await Emulator.create({
        port: opts.port as number,
        host: opts.host as string,
        httpsPort: opts.httpsPort as number | undefined,
        tlsCert: opts.tlsCert as string | undefined,
        tlsKey: opts.tlsKey as string | undefined,
        gatewayPort: opts.gatewayPort as number | undefined,
        gatewaySourceIp: opts.gatewaySourceIp as string | undefined,
        state: opts.state as string,
        auth: opts.auth !== 'off',
        authorization: opts.authorization as 'enforce' | 'audit' | 'off',
        sourceIp: (opts.sourceIp as string | undefined) || undefined,
        accessManagementQuota: opts.accessManagementQuota as number | undefined,
        randomSeed,
        defaultRegion: opts.region as string,
        logLevel: opts.logLevel as string,
        controlToken: (opts.controlToken as string | undefined) || undefined,
        allowedHosts: String(opts.allowHost ?? '')
          .split(',')
          .map((h) => h.trim())
          .filter(Boolean),
        rotationTiming: {
          ...(opts.rotationDuration !== undefined ? { quickMs: Number(opts.rotationDuration) } : {}),
          ...(opts.ramRollover !== undefined ? { ramRolloverMs: Number(opts.ramRollover) } : {}),
        },
      });
      if (opts.seedFile) {
        const seedFile = String(opts.seedFile);
        await applySeed(emulator, readSeedFile(seedFile), seedFile);
      }
      if (opts.record) {
        const { ScenarioRecorder } = await import('./testkit/recorder.js');
        // The recording names the seed file and the random seed, so its replay starts from the same world.
        const recorder = new ScenarioRecorder(String(opts.record), {
          emulator,
          seedFile: opts.seedFile ? String(opts.seedFile) : undefined,
          randomSeed,
        });
        emulator.observers.add(recorder);
      }
      await emulator.listen();
      if (!isLoopbackName(String(opts.host)) && !opts.controlToken) {
        emulator.logger.warn(
          { host: opts.host },
          `listening on ${String(opts.host)} (not loopback) without a control token: anyone who can reach this port can reset, seed and export the emulator. Set --control-token or KMS_EMULATOR_CONTROL_TOKEN.`,
        );
      }
      emulator.logger.info(
        {
          url: emulator.url,
          httpsUrl: emulator.httpsUrl,
          bound: emulator.boundAddresses,
          caCertificate: emulator.caCertificatePath,
          gatewayUrl: emulator.gatewayUrl,
          state: opts.state,
          auth: opts.auth,
          authorization: opts.authorization,
          version: VERSION,
        },
        'kms-emulator listening',
      );
      // Beside the state (where `kms-emulator ca` finds the CA): what `kms-emulator env` points at.
      const state = String(opts.state);
      try {
        writeRunningFile(state, {
          pid: process.pid,
          url: emulator.url,
          httpsUrl: emulator.httpsUrl,
          gatewayUrl: emulator.gatewayUrl,
          caCertificate: emulator.caCertificatePath ? resolve(emulator.caCertificatePath) : undefined,
          region: String(opts.region),
          state: state === ':memory:' ? state : resolve(state),
        });
      } catch (error) {
        emulator.logger.warn(
          { err: (error as Error).message },
          'could not record the running emulator for `kms-emulator env`',
        );
      }
      const stop = () => {
        removeRunningFile(state, process.pid);
        void emulator.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    } catch (error) {
      if (error instanceof StateFileError || error instanceof SeedError) {
        console.error(`kms-emulator: ${error.message}`);
        process.exit(2);
      }
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES') {
        console.error(`kms-emulator: cannot listen: ${(error as Error).message}`);
        process.exit(2);
      }
      throw error;
    }
  });

program
  .command('ca')
  .description(
    "print the path of the local CA certificate the TLS listener's certificates chain to (made if missing): " +
      'the one beside --state (pass the same --state as `start`), or with --url the one a running emulator serves',
  )
  .addOption(
    new Option('--state <file>', 'state file the CA is kept beside, or :memory:')
      .env('KMS_EMULATOR_STATE')
      .default(DEFAULT_STATE_FILE),
  )
  .addOption(
    new Option(
      '--url <url>',
      "a running emulator's HTTP URL: fetch its CA from /_emulator/tls-certificate into a file",
    ),
  )
  .addOption(
    new Option('--control-token <token>', 'the control token of that emulator, if it has one').env(
      'KMS_EMULATOR_CONTROL_TOKEN',
    ),
  )
  .option('--pem', 'print the certificate itself instead of its path')
  .action(async (opts: { state: string; url?: string; controlToken?: string; pem?: boolean }) => {
    const userDir = stateDir(':memory:');
    if (opts.url) {
      const { fetchRunningCa } = await import('./control/ca-file.js');
      try {
        const fetched = await fetchRunningCa(opts.url, userDir, opts.controlToken);
        console.log(opts.pem ? fetched.pem.trimEnd() : fetched.path);
      } catch (error) {
        console.error(`kms-emulator: ${(error as Error).message}`);
        process.exit(1);
      }
      return;
    }
    const { getOrCreateLocalCa } = await import('./protocol/tls.js');
    const ca = await getOrCreateLocalCa(stateDir(opts.state));
    console.log(opts.pem ? ca.certPem.trimEnd() : resolve(ca.certPath));
  });

program
  .command('env')
  .description(
    'print the variables that point a shell, a CI step or Terraform at the running emulator: eval "$(kms-emulator env)"',
  )
  .addOption(
    new Option(
      '--state <file>',
      'state file of the running emulator (it records its ports beside it), or :memory:',
    )
      .env('KMS_EMULATOR_STATE')
      .default(DEFAULT_STATE_FILE),
  )
  .addOption(new Option('--shell <shell>', 'syntax of the output').choices([...SHELLS]).default('sh'))
  .addOption(new Option('--port <port>', "HTTP port, instead of the running emulator's").argParser(port))
  .addOption(new Option('--https-port <port>', "TLS port, instead of the running emulator's").argParser(port))
  .addOption(new Option('--host <host>', 'host of --port/--https-port').default('127.0.0.1'))
  .addOption(new Option('--region <region>', "region for the clients (default: the emulator's)"))
  .action(
    async (opts: {
      state: string;
      shell: Shell;
      port?: number;
      httpsPort?: number;
      host: string;
      region?: string;
    }) => {
      const { getOrCreateLocalCa } = await import('./protocol/tls.js');
      let caPath: string | undefined;
      if (opts.httpsPort !== undefined)
        caPath = resolve((await getOrCreateLocalCa(stateDir(opts.state))).certPath);
      const target = resolveTarget(opts, () => caPath);
      if (target.warning) console.error(target.warning);
      if (target.caFile) target.caBundle = writeCaBundle(target.caFile);
      process.stdout.write(formatEnv(target, opts.shell));
    },
  );

program
  .command('replay')
  .description('run a scenario file against a fresh in-process emulator; exits non-zero on failure')
  .argument('<scenario...>', 'scenario files (YAML or JSON)')
  .action(async (files: string[]) => {
    // Loaded here: `start` never needs the scenario runner.
    const { formatResult, readScenarioFile, runScenario, ScenarioError } = await import(
      './testkit/scenario.js'
    );
    let failed = false;
    for (const file of files) {
      try {
        const result = await runScenario(readScenarioFile(file));
        console.log(formatResult({ ...result, name: result.name === 'scenario' ? file : result.name }));
        failed ||= !result.ok;
      } catch (error) {
        // A broken file fails that file only; the others still run.
        const known = error instanceof ScenarioError || error instanceof SeedError;
        console.error(`kms-emulator: ${known ? '' : `${file}: `}${(error as Error).message}`);
        failed = true;
      }
    }
    process.exitCode = failed ? 1 : 0;
  });

process.on('unhandledRejection', (reason) => {
  console.error('kms-emulator: unhandled rejection', reason);
});

// No top-level await: the command is bundled as one CommonJS script (scripts/bundle-cli.mjs). A
// failure nobody handled ends the command as an uncaught error would: its stack, exit code 1.
program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
