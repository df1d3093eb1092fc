/**
 * The one source of "now" for the domain. Virtual time is wall time plus an offset, or a frozen
 * instant; moving it never reads the wall clock from domain code.
 */
export interface Clock {
  now(): number;
}

export interface ClockState {
  offsetMs: number;
  frozenAt: number | null;
}

export class VirtualClock implements Clock {
  private offsetMs = 0;
  private frozenAt: number | null = null;

  constructor(private readonly wall: () => number) {}

  now(): number {
    return this.frozenAt ?? this.wall() + this.offsetMs;
  }

  get frozen(): boolean {
    return this.frozenAt !== null;
  }

  /** Moves virtual time to `at`. Time never moves backwards through `advanceTo`, but `set` may. */
  set(at: number): void {
    if (this.frozenAt !== null) this.frozenAt = at;
    else this.offsetMs = at - this.wall();
  }

  freeze(): void {
    if (this.frozenAt === null) this.frozenAt = this.now();
  }

  resume(): void {
    if (this.frozenAt === null) return;
    this.offsetMs = this.frozenAt - this.wall();
    this.frozenAt = null;
  }

  state(): ClockState {
    return { offsetMs: this.offsetMs, frozenAt: this.frozenAt };
  }

  restore(state: ClockState): void {
    this.offsetMs = state.offsetMs;
    this.frozenAt = state.frozenAt;
  }

  reset(): void {
    this.offsetMs = 0;
    this.frozenAt = null;
  }
}
