/**
 * The cleanup journal of create (style habit 10): every acquisition registers its undo as soon as
 * it succeeds; on failure the undos run newest first, each one even if another failed.
 */
export class Undo {
  private steps: { what: string; fn: () => void | Promise<void> }[] = [];

  push(what: string, fn: () => void | Promise<void>): void {
    this.steps.push({ what, fn });
  }

  /** Create succeeded: keep everything. */
  commit(): void {
    this.steps = [];
  }

  /** Returns the undos that failed, as "what: error" strings. */
  async run(): Promise<string[]> {
    const failed: string[] = [];
    while (this.steps.length) {
      const s = this.steps.pop()!;
      try {
        await s.fn();
      } catch (e) {
        failed.push(`${s.what}: ${(e as Error).message}`);
      }
    }
    return failed;
  }
}
