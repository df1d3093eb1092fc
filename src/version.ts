import { readFileSync } from 'node:fs';
import { packagePath } from './paths.js';

const packageJson = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as {
  version: string;
};

export const VERSION: string = packageJson.version;
