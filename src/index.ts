/** Programmatic API: start an emulator inside a test process. */
export { implementedOperations, kms, operations } from './api/index.js';
export {
  aliyunHosts,
  type Handler,
  type HostRules,
  type OperationContext,
  Product,
  ProductSet,
} from './api/product.js';
export { loadSpec, type ProductSpec } from './api/spec.js';
export type { Clock } from './domain/clock.js';
export {
  type CallObserver,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_REGION,
  Emulator,
  type EmulatorOptions,
} from './emulator.js';
export {
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_ACCESS_KEY_SECRET,
  DEFAULT_ACCOUNT_ID,
} from './protocol/credentials.js';
export { ApiError, ErrorCatalog, KmsError } from './protocol/errors.js';
export { ram } from './ram/index.js';
export { sts } from './sts/index.js';
export { FaultInjector, type FaultRuleInput } from './testkit/faults.js';
export {
  formatResult,
  parseScenario,
  readScenarioFile,
  runScenario,
  type Scenario,
  type ScenarioCaller,
  ScenarioError,
  type ScenarioResult,
} from './testkit/scenario.js';
export { applySeed, exportSeed, parseSeed, readSeedFile, type Seed, SeedError } from './testkit/seed.js';
export { VERSION } from './version.js';

import { Emulator, type EmulatorOptions } from './emulator.js';

/** Creates and starts an emulator; `port: 0` (the default here) picks a free port. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = await Emulator.create({ port: 0, state: ':memory:', logLevel: 'silent', ...options });
  return emulator.listen();
}
