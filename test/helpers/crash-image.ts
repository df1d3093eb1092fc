import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What a crash at this instant would leave of a state file, copied to a new directory (the store
 * that wrote it may go on compacting). Copied synchronously, so at most the one file operation a
 * compaction has in flight can land meanwhile, and in the order that stays consistent whichever it
 * is: `.journal.next`, then `.journal`, then the snapshot (a journal copied twice replays to the same
 * state; a snapshot renamed meanwhile is either the old one, whose journals are both still there, or
 * the new one).
 */
export function crashImage(file: string): string {
  const copy = join(mkdtempSync(join(tmpdir(), 'kms-crash-image-')), 'state.json');
  for (const suffix of ['.journal.next', '.journal', '', '.master-key']) {
    if (!existsSync(`${file}${suffix}`)) continue;
    try {
      writeFileSync(`${copy}${suffix}`, readFileSync(`${file}${suffix}`), { mode: 0o600 });
    } catch (error) {
      // Removed by the compaction between the check and the read: what it held is elsewhere now.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return copy;
}
