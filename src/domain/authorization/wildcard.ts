/**
 * RAM's wildcard patterns: `*` is any run of characters (the empty one included) and `?` exactly one
 * (facts §1, "Policy structure and syntax"). Used for Action, Resource, Principal and StringLike.
 *
 * No regular expression is ever built from a policy: a pattern is split once at its stars into
 * literal segments, and matching places each segment at its leftmost position after the previous
 * one (which is correct for star-separated segments: a later, longer placement can only leave less
 * room for the rest). Never exponential, so a pathological `a*a*a*…b` is as cheap as any other
 * pattern of its length. A segment without `?` is found with indexOf; one with `?` by a bit-parallel
 * scan (Shift-And: one pass over the text, a word operation per 32 characters of the segment), so a
 * 1,024-character `a?a?…b` against a resource ARN as long as a whole request body costs tens of
 * milliseconds, not seconds (the naive scan compared up to the segment's length at every position).
 */
export interface WildcardPattern {
  /** The pattern as written (for explanations). */
  readonly source: string;
  /** True when the text must be lower-cased before `matches` (the pattern was, at compile time). */
  readonly ignoreCase: boolean;
  matches(text: string): boolean;
}

const ANY: WildcardPattern['matches'] = () => true;

export function compileWildcard(pattern: string, options: { ignoreCase?: boolean } = {}): WildcardPattern {
  const ignoreCase = options.ignoreCase === true;
  const source = pattern;
  const text = ignoreCase ? pattern.toLowerCase() : pattern;
  const segments = text.split('*');
  if (segments.length === 1) {
    const only = segments[0] as string;
    if (!only.includes('?')) return { source, ignoreCase, matches: (s) => s === only };
    return { source, ignoreCase, matches: (s) => s.length === only.length && segmentAt(s, 0, only) };
  }
  const first = segments[0] as string;
  const last = segments[segments.length - 1] as string;
  const middle = segments
    .slice(1, -1)
    .filter((segment) => segment.length > 0)
    .map((segment) => (segment.includes('?') ? questionSegmentFinder(segment) : plainSegmentFinder(segment)));
  if (first === '' && last === '' && middle.length === 0) return { source, ignoreCase, matches: ANY };
  const firstPlain = !first.includes('?');
  const lastPlain = !last.includes('?');
  // `prefix*`: the commonest shape in policies (`kms:Describe*`, `acs:kms:*:*:key*` is not, but
  // `acs:kms:cn-hangzhou:123:key/*` is).
  if (middle.length === 0 && last === '' && firstPlain) {
    return { source, ignoreCase, matches: (s) => s.startsWith(first) };
  }
  const fixed = first.length + last.length;
  return {
    source,
    ignoreCase,
    matches(s: string): boolean {
      if (s.length < fixed) return false;
      if (!(firstPlain ? s.startsWith(first) : segmentAt(s, 0, first))) return false;
      const end = s.length - last.length;
      if (!(lastPlain ? s.endsWith(last) : segmentAt(s, end, last))) return false;
      let from = first.length;
      for (const segment of middle) {
        const at = segment.find(s, from, end);
        if (at < 0) return false;
        from = at + segment.length;
      }
      return true;
    },
  };
}

/** Whether `segment` (with `?` for any one character) matches `s` at `at`. */
function segmentAt(s: string, at: number, segment: string): boolean {
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c !== 63 /* ? */ && c !== s.charCodeAt(at + i)) return false;
  }
  return true;
}

/** Finds a middle segment: the leftmost index ≥ from where it fits entirely before `end`, or -1. */
interface SegmentFinder {
  readonly length: number;
  find(s: string, from: number, end: number): number;
}

function plainSegmentFinder(segment: string): SegmentFinder {
  return {
    length: segment.length,
    find(s, from, end) {
      const at = s.indexOf(segment, from);
      return at >= 0 && at + segment.length <= end ? at : -1;
    },
  };
}

/** Up to this length a segment with `?` is compared at each position (cost ≤ 64 × the text). */
const SHORT_SEGMENT = 64;

function questionSegmentFinder(segment: string): SegmentFinder {
  const m = segment.length;
  if (m <= SHORT_SEGMENT) {
    return {
      length: m,
      find(s, from, end) {
        for (let at = from; at + m <= end; at++) if (segmentAt(s, at, segment)) return at;
        return -1;
      },
    };
  }
  return {
    length: m,
    // The masks are built per search, not kept: a compiled policy holds no m²/8-byte tables (a
    // 1,024-character segment of distinct characters would need 128 KB), and a search that gets
    // here scans at least m characters of text anyway.
    find: (s, from, end) => (end - from < m ? -1 : shiftAnd(segment, s, from, end)),
  };
}

/**
 * Shift-And: bit i of the state says whether the segment's first i+1 characters end at the current
 * text position. The first time the last bit is set is the match that ends first, which for a
 * fixed-length segment is the leftmost. One pass over the text, a word operation per 32 characters
 * of the segment.
 */
function shiftAnd(segment: string, s: string, from: number, end: number): number {
  const m = segment.length;
  const words = (m + 31) >>> 5;
  // Positions any character matches (`?`), and per character of the segment the positions it matches.
  const anyChar = new Uint32Array(words);
  for (let i = 0; i < m; i++) {
    if (segment.charCodeAt(i) === 63) anyChar[i >>> 5] = (anyChar[i >>> 5] as number) | (1 << (i & 31));
  }
  const masks = new Map<number, Uint32Array>();
  for (let i = 0; i < m; i++) {
    const c = segment.charCodeAt(i);
    if (c === 63) continue;
    let mask = masks.get(c);
    if (!mask) {
      mask = Uint32Array.from(anyChar);
      masks.set(c, mask);
    }
    mask[i >>> 5] = (mask[i >>> 5] as number) | (1 << (i & 31));
  }
  const lastWord = (m - 1) >>> 5;
  const lastBit = 1 << ((m - 1) & 31);
  const state = new Uint32Array(words);
  for (let j = from; j < end; j++) {
    const mask = masks.get(s.charCodeAt(j)) ?? anyChar;
    let carry = 1;
    for (let w = 0; w < words; w++) {
      const v = state[w] as number;
      state[w] = ((v << 1) | carry) & (mask[w] as number);
      carry = v >>> 31;
    }
    if ((state[lastWord] as number) & lastBit) return j - m + 1;
  }
  return -1;
}

/** Whether any of the patterns matches (the text is lower-cased once if any pattern needs it). */
export function anyMatches(patterns: readonly WildcardPattern[], text: string): boolean {
  let lower: string | undefined;
  for (const pattern of patterns) {
    if (pattern.ignoreCase) {
      lower ??= text.toLowerCase();
      if (pattern.matches(lower)) return true;
    } else if (pattern.matches(text)) return true;
  }
  return false;
}
