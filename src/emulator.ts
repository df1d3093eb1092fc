import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type express from 'express';
import { type Product, ProductSet } from './api/product.js';
import {
  AUTHORIZATION_MODES,
  type AuthorizationMode,
  Authorizer,
  type CallerPolicies,
} from './authorizer.js';
import { type ClockState, VirtualClock } from './domain/clock.js';
import { type Random, SeededRandom, SystemRandom } from './domain/random.js';
import { DEFAULT_ROTATION_TIMING, type RotationTiming } from './domain/rotation.js';
import { World } from './domain/world.js';
import { AuditJournal } from './testkit/audit.js';
import { FaultInjector, type FaultRuleInput } from './testkit/faults.js';
import type { Seed } from './testkit/seed.js';
import './testkit/seed-sections.js';
import type { ControlPolicy } from './control/guard.js';
import './testkit/seed-access.js';
import './testkit/seed-ram.js';
import { kms } from './kms/index.js';
import { lazyModule } from './lazy.js';
import { createLogger, type Logger } from './log.js';
import { Authenticator } from './protocol/auth.js';
import { type Credential, Credentials, type Principal } from './protocol/credentials.js';
import { callerPoliciesOf } from './ram/authorization.js';
import { ram } from './ram/index.js';
import { type CallRecord, createApp, createListener } from './server.js';
import { StateFileError, Store } from './store/store.js';
import { sts } from './sts/index.js';
import { VERSION } from './version.js';

const httpsModule = lazyModule<typeof import('node:https')>('node:https');

export interface EmulatorOptions {
  port?: number;
  host?: string;
  /** Adds a TLS listener (the Java and Go Secrets Manager clients insist on https). */
  httpsPort?: number;
  tlsCert?: string;
  tlsKey?: string;
  /** JSON state file; ':memory:' or undefined keeps everything in memory. */
  state?: string;
  auth?: boolean;
  randomSeed?: string;
  defaultRegion?: string;
  logLevel?: string;
  logger?: Logger;
  bodyLimit?: string;
  /** Variables read for ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET; process.env by default. */
  env?: Record<string, string | undefined>;
  /** Wall time source, for tests of the gateway's timestamp window. */
  wallClock?: () => number;
  /** Durations of simulated rotations (defaults from the seeds: 10 s, and 48 h for RAM's rollover). */
  rotationTiming?: Partial<RotationTiming>;
  /** Writes before the journal is folded into the snapshot. */
  compactEvery?: number;
  fsync?: boolean;
  /** Directory of the local CA (default: beside the state file, or a per-user temp directory). */
  caDir?: string;
  /** When set, every /_emulator/ call needs `Authorization: Bearer <token>` (KMS_EMULATOR_CONTROL_TOKEN). */
  controlToken?: string;
  /** Host names (besides loopback and `host`) the control plane answers to; `*.example` allowed. */
  allowedHosts?: string[];
  /** Serves the KMS Instance API (the KMS Instance SDKs' protocol) with TLS on this port. */
  gatewayPort?: number;
  /** The caller address the gateway's network rules see (default: the connection's). */
  gatewaySourceIp?: string;
  /**
   * The products served on the listeners, each found by its API version (default: KMS, RAM, STS). The first
   * answers errors of a request that names no product.
   */
  products?: Product[];
  /**
   * Authorization of RAM users, roles and sessions (`--authorization`, KMS_EMULATOR_AUTHORIZATION):
   * `enforce` (default), `audit` (record would-be denials, let calls through) or `off`. Root pairs
   * are never evaluated.
   */
  authorization?: AuthorizationMode;
  /** What `acs:ram::<uid>:*` in a key or secret policy names (see the README, Access control). */
  accountWildcardPrincipal?: 'AccountOnly' | 'AllIdentities';
  /** The caller address `acs:SourceIp` sees on the OpenAPI (default: the connection's). */
  sourceIp?: string;
  /**
   * The Access Management Quota of each KMS instance: how many other accounts its key and secret
   * policies may name (undocumented; default 10, `--access-management-quota`).
   */
  accessManagementQuota?: number;
}

type ResolvedOptions = Required<Pick<EmulatorOptions, 'port' | 'host' | 'defaultRegion' | 'bodyLimit'>> &
  EmulatorOptions;

/**
 * What a /_emulator/ control endpoint did, told to observers once it has succeeded (the recorder
 * turns these into scenario steps). Times are virtual epoch ms.
 */
export type ControlEvent =
  /** POST /_emulator/seed: the seed as posted (parsed), after it loaded. */
  | { type: 'seed'; seed: Seed }
  /** POST /_emulator/clock: the virtual time before and after, and what was asked. */
  | {
      type: 'clock';
      from: number;
      to: number;
      advance?: string | number;
      set?: string;
      freeze?: boolean;
      resume?: boolean;
    }
  /** POST /_emulator/faults: one event per rule added, as posted. */
  | { type: 'fault'; rule: FaultRuleInput }
  /** DELETE /_emulator/faults. */
  | { type: 'clearFaults' }
  /** DELETE /_emulator/faults/:id. */
  | { type: 'removeFault'; id: string; removed: boolean };

/**
 * Observers see every API call: before it runs (and may fail it), and after it completes; and,
 * optionally, what the control endpoints did.
 */
export interface CallObserver {
  before?(call: CallRecord): void | Promise<void>;
  after?(call: CallRecord): void;
  control?(event: ControlEvent): void;
}

class Observers {
  private readonly list: CallObserver[] = [];
  add(observer: CallObserver): void {
    this.list.push(observer);
  }
  /** Undefined when no observer had anything to wait for (the usual case: no await on the hot path). */
  before(call: CallRecord, from = 0): Promise<void> | undefined {
    for (let i = from; i < this.list.length; i++) {
      const pending = this.list[i]?.before?.(call);
      if (pending) return pending.then(() => this.before(call, i + 1));
    }
    return undefined;
  }
  after(call: CallRecord): void {
    for (const o of this.list) o.after?.(call);
  }
  control(event: ControlEvent): void {
    for (const o of this.list) o.control?.(event);
  }
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_REGION = 'cn-hangzhou';

/**
 * The composition root: one clock, one random source, one store, the domain, the gateway and the
 * HTTP listeners.
 */
export class Emulator {
  readonly options: ResolvedOptions;
  readonly version = VERSION;
  readonly logger: Logger;
  /** Built-in root pairs (the documented default pair, ALIBABA_CLOUD_ACCESS_KEY_*): configuration. */
  readonly credentials: Credentials;
  readonly authenticator: Authenticator;
  readonly observers = new Observers();
  /** The products this emulator serves (KMS first), each found by the request's Version. */
  readonly products: ProductSet;
  /** Who may do what (issue #25): the pipeline's authorization step, the simulator's evaluator. */
  readonly authorizer: Authorizer;
  readonly faults: FaultInjector;
  readonly audit: AuditJournal;
  readonly clock: VirtualClock;
  readonly store: Store;
  private lazyApp: express.Express | undefined;
  /** Who may use /_emulator/* (see src/control/guard.ts). */
  readonly controlPolicy: ControlPolicy;
  world: World;
  private servers: Server[] = [];
  private ticker: NodeJS.Timeout | undefined;
  url = '';
  httpsUrl: string | undefined;
  /** The KMS Instance API endpoint (`https://127.0.0.1:<port>`) when a gateway port is set. */
  gatewayUrl: string | undefined;
  /**
   * What a client must trust for the TLS listener (PEM): the local CA's certificate (or the
   * --tls-cert given), served at /_emulator/tls-certificate.
   */
  tlsCertificate: string | undefined;
  /** The local CA's certificate file, once the TLS listener made or found it. */
  caCertificatePath: string | undefined;
  /** The addresses actually bound (`host:port`), HTTP first. */
  boundAddresses: string[] = [];

  private constructor(options: EmulatorOptions) {
    this.options = {
      ...options,
      port: options.port ?? DEFAULT_PORT,
      host: options.host ?? DEFAULT_HOST,
      defaultRegion: options.defaultRegion ?? DEFAULT_REGION,
      bodyLimit: options.bodyLimit ?? '1mb',
    };
    const wall = options.wallClock ?? Date.now;
    this.products = new ProductSet(options.products ?? [kms, ram, sts]);
    this.authorizer = new Authorizer(
      {
        mode:
          options.authorization ??
          authorizationModeOf((options.env ?? process.env).KMS_EMULATOR_AUTHORIZATION),
        accountWildcardPrincipal: options.accountWildcardPrincipal,
      },
      (principal) => this.callerPolicies(principal),
    );
    this.logger = options.logger ?? createLogger(options.logLevel ?? 'info');
    this.credentials = new Credentials(options.env ?? process.env);
    this.clock = new VirtualClock(wall);
    this.authenticator = new Authenticator((accessKeyId) => this.credentialOf(accessKeyId), {
      enabled: options.auth ?? true,
      wallNow: wall,
      now: () => this.clock.now(),
    });
    const file = options.state && options.state !== ':memory:' ? options.state : undefined;
    this.store = new Store({
      file,
      compactEvery: options.compactEvery,
      fsync: options.fsync,
      warn: (message) => this.logger.warn(message),
    });
    this.rotationTiming = { ...DEFAULT_ROTATION_TIMING, ...options.rotationTiming };
    this.world = this.newWorld();
    this.faults = new FaultInjector(() => this.world);
    this.audit = new AuditJournal(() => this.world);
    this.observers.add(this.faults);
    this.observers.add(this.audit);
    const controlToken = options.controlToken || undefined;
    this.controlPolicy = {
      token: controlToken,
      allowedHosts: [this.options.host, ...(options.allowedHosts ?? [])].map((h) => h.toLowerCase()),
    };
  }

  /**
   * The policies of an authenticated caller, for the authorizer: undefined for an account's root pair
   * (never evaluated). RAM users, roles and sessions supply theirs.
   */
  callerPolicies(principal: Principal): CallerPolicies | undefined {
    if (principal.type !== 'SubUser' && principal.type !== 'AssumedRoleUser') return undefined;
    const { accessKeyId } = principal;
    // The lists change only when a record changes: keep them until the store's version moves.
    const cached = this.callerCache.get(accessKeyId);
    const version = this.store.version;
    if (cached && cached.version === version && cached.world === this.world) return cached.caller;
    const caller = callerPoliciesOf(
      principal,
      this.world.ram,
      this.world.identities,
      this.authorizer.policies,
    );
    if (this.callerCache.size > 10_000) this.callerCache.clear();
    this.callerCache.set(accessKeyId, { version, world: this.world, caller });
    return caller;
  }

  private readonly callerCache = new Map<
    string,
    { version: number; world: World; caller: CallerPolicies | undefined }
  >();

  /**
   * Who signs with an AccessKeyId: a built-in root pair, else the current world's identities (seeded
   * root pairs, RAM users' AccessKeys, STS sessions). Reads `this.world` on each call: a reset or a
   * seed replaces it.
   */
  credentialOf(accessKeyId: string): Credential | undefined {
    return this.credentials.lookup(accessKeyId) ?? this.world.identities.credential(accessKeyId);
  }

  /** The Express app (control plane, unknown paths; what supertest drives), built on first use. */
  get app(): express.Express {
    this.lazyApp ??= createApp(this);
    return this.lazyApp;
  }

  /** Creates the emulator and loads its state file (a bad file rejects, naming the file). */
  static async create(options: EmulatorOptions = {}): Promise<Emulator> {
    const emulator = new Emulator(options);
    await emulator.store.open();
    emulator.masterKey = emulator.loadMasterKey();
    const clock = emulator.store.table<ClockState>('meta').get('emulator', 'clock');
    if (clock) emulator.clock.restore(clock);
    emulator.world = emulator.newWorld();
    return emulator;
  }

  private generation = 0;
  private masterKey: Buffer = Buffer.alloc(32);

  /**
   * The key that wraps key material at rest, so the state file alone discloses no key: from
   * KMS_EMULATOR_MASTER_KEY (base64, 32 bytes), else a file beside the state file made on first start
   * (mode 0600), else — state in memory — derived from the random seed or drawn at random.
   */
  private loadMasterKey(): Buffer {
    const fromEnv = (this.options.env ?? process.env).KMS_EMULATOR_MASTER_KEY;
    if (fromEnv) {
      const key = Buffer.from(fromEnv, 'base64');
      if (key.length !== 32)
        throw new StateFileError('KMS_EMULATOR_MASTER_KEY must be 32 bytes, base64-encoded.');
      return key;
    }
    const file = this.store.file;
    if (file) {
      const keyFile = `${file}.master-key`;
      if (existsSync(keyFile)) {
        const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
        if (key.length !== 32)
          throw new StateFileError(`Master key file ${keyFile} does not hold 32 bytes (base64).`);
        return key;
      }
      const key = randomBytes(32);
      mkdirSync(dirname(keyFile), { recursive: true });
      writeFileSync(keyFile, `${key.toString('base64')}\n`, { mode: 0o600 });
      return key;
    }
    if (this.options.randomSeed !== undefined) {
      return createHash('sha256').update(`master-key:${this.options.randomSeed}`).digest();
    }
    return randomBytes(32);
  }

  /**
   * Each reset starts a new generation of the seeded stream: run to run the sequence is the same,
   * but a RequestId or resource ID is never repeated within one process.
   */
  private newRandom(): Random {
    if (this.options.randomSeed === undefined) return new SystemRandom();
    const seed =
      this.generation === 0 ? this.options.randomSeed : `${this.options.randomSeed}#${this.generation}`;
    return new SeededRandom(seed);
  }

  private newWorld(): World {
    const world = new World(this.clock, this.newRandom(), this.store, this.masterKey);
    world.managed.timing = { ...this.rotationTiming };
    if (this.options.accessManagementQuota !== undefined)
      world.instances.shareQuota = this.options.accessManagementQuota;
    return world;
  }

  /** Rotation durations from the options, changed by a seed's `rotation` until the next reset. */
  private rotationTiming: RotationTiming = { ...DEFAULT_ROTATION_TIMING };

  setRotationTiming(timing: Partial<RotationTiming>): void {
    this.rotationTiming = { ...this.rotationTiming, ...timing };
    this.world.managed.timing = { ...this.rotationTiming };
  }

  /**
   * Everything a seed changes outside the store (the world object, random seed, rotation timing,
   * clock); the returned function puts it back when loading the seed fails.
   */
  captureRuntime(): () => void {
    const world = this.world;
    const randomSeed = this.options.randomSeed;
    const generation = this.generation;
    const timing = { ...this.rotationTiming };
    const managedTiming = { ...world.managed.timing };
    const clock = this.clock.state();
    return () => {
      this.world = world;
      this.options.randomSeed = randomSeed;
      this.generation = generation;
      this.rotationTiming = timing;
      world.managed.timing = managedTiming;
      this.clock.restore(clock);
      this.store.onRollback('scheduler', () => world.scheduler.reload());
      world.scheduler.reload();
    };
  }

  /** Switches to a seeded random source (a seed file's `randomSeed`). */
  useRandomSeed(seed: string): void {
    if (this.options.randomSeed === seed) return;
    this.options.randomSeed = seed;
    this.generation = 0;
    this.world = this.newWorld();
  }

  saveClock(): void {
    this.store.table<ClockState>('meta').put('emulator', 'clock', this.clock.state());
  }

  /** Forgets every resource and returns the clock to wall time. */
  async reset(): Promise<void> {
    await this.store.clear();
    this.clock.reset();
    this.authenticator.forgetNonces();
    this.faults.clear();
    this.audit.clear();
    this.authorizer.clear();
    this.authorizer.policies.clear();
    this.callerCache.clear();
    this.generation += 1;
    this.rotationTiming = { ...DEFAULT_ROTATION_TIMING, ...this.options.rotationTiming };
    this.world = this.newWorld();
  }

  /** Starts the HTTP (and, when configured, HTTPS) listeners. Port 0 picks a free port. */
  async listen(): Promise<this> {
    const http = createHttpServer(
      { maxHeaderSize: 256 * 1024 },
      createListener(this, () => this.app),
    );
    const port = await listenOn(http, this.options.port, this.options.host);
    this.servers.push(http);
    this.boundAddresses.push(boundAddress(http));
    this.url = `http://${urlHost(this.options.host)}:${port}`;
    // Partitions read from the state file get their id maps in the background, once requests can come in.
    this.store.warmUp();
    if (this.options.httpsPort !== undefined) {
      const tls = await this.tlsMaterial();
      this.tlsCertificate = tls.trust;
      // node:https (and TLS) only when a TLS listener is asked for.
      const { createServer: createHttpsServer } = httpsModule();
      const https = createHttpsServer(
        { cert: tls.cert, key: tls.key, maxHeaderSize: 256 * 1024 },
        createListener(this, () => this.app),
      );
      const httpsPort = await listenOn(https, this.options.httpsPort, this.options.host);
      this.servers.push(https);
      this.boundAddresses.push(boundAddress(https));
      this.httpsUrl = `https://${urlHost(this.options.host)}:${httpsPort}`;
    }
    if (this.options.gatewayPort !== undefined) {
      const { createGatewayServer } = await import('./gateway/server.js');
      const gateway = createGatewayServer(this);
      const gatewayPort = await listenOn(gateway, this.options.gatewayPort, this.options.host);
      this.servers.push(gateway);
      this.gatewayUrl = `https://${urlHost(this.options.host)}:${gatewayPort}`;
      void this.store.commit();
    }
    // Due work (rotations, purges, expiries) also runs while nobody calls.
    this.ticker = setInterval(() => {
      if (this.world.scheduler.runDue().length > 0) void this.store.commit();
    }, 1000);
    this.ticker.unref();
    return this;
  }

  private async tlsMaterial(): Promise<{ cert: string; key: string; trust: string }> {
    if (this.options.tlsCert && this.options.tlsKey) {
      const cert = readFileSync(this.options.tlsCert, 'utf8');
      this.caCertificatePath = this.options.tlsCert;
      return { cert, key: readFileSync(this.options.tlsKey, 'utf8'), trust: cert };
    }
    // Loaded only when needed: most runs never use TLS.
    const { defaultServerSans, getOrCreateLocalCa, issueServerCert } = await import('./protocol/tls.js');
    const ca = await getOrCreateLocalCa(this.caDirectory());
    this.caCertificatePath = ca.certPath;
    const issued = await issueServerCert(
      ca,
      defaultServerSans(
        this.products.main.spec.endpoints.map((e) => e.regionId),
        [this.options.host],
      ),
    );
    return { cert: issued.chainPem, key: issued.keyPem, trust: ca.certPem };
  }

  /** Where the local CA lives: beside the state file, else a per-user directory under the temp dir. */
  caDirectory(): string {
    if (this.options.caDir) return this.options.caDir;
    const file = this.store.file;
    if (file) return dirname(file);
    return join(tmpdir(), `kms-emulator-${userInfo().uid}`);
  }

  async close(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
    this.servers = [];
    await this.store.close();
  }
}

function authorizationModeOf(value: string | undefined): AuthorizationMode | undefined {
  if (value === undefined || value === '') return undefined;
  const mode = value.trim().toLowerCase() as AuthorizationMode;
  if (!AUTHORIZATION_MODES.includes(mode))
    throw new StateFileError(`KMS_EMULATOR_AUTHORIZATION must be one of ${AUTHORIZATION_MODES.join(', ')}.`);
  return mode;
}

function boundAddress(server: Server): string {
  const address = server.address() as AddressInfo;
  return address.family === 'IPv6'
    ? `[${address.address}]:${address.port}`
    : `${address.address}:${address.port}`;
}

function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
