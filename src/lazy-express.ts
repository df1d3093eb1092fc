import { createRequire } from 'node:module';
import type express from 'express';

let loaded: typeof express | undefined;

/**
 * Express, loaded on first use. The signed API takes the lean node:http route and never needs it,
 * so start-up (and the first answered signed request) does not pay for loading it; the control
 * plane, unknown paths and supertest load it the first time they ask.
 */
export function expressModule(): typeof express {
  loaded ??= createRequire(import.meta.url)('express') as typeof express;
  return loaded;
}
