// Ctrl-C (SIGINT) and SIGTERM ask the loop to stop after the step in progress, write a checkpoint and exit
// cleanly. A kernel cannot be interrupted mid-step, so the handler only records the request; the loop
// yields to the event loop once per step so the request is seen. A second signal exits at once: every
// file the trainer writes is atomic, so nothing is left half-written.
export type StopReason = 'SIGINT' | 'SIGTERM';

export class StopSignal {
  reason: StopReason | null = null;
  private readonly onSignal = (signal: StopReason) => {
    if (this.reason) process.exit(signal === 'SIGINT' ? 130 : 143);
    this.reason = signal;
    this.onRequest?.(signal);
  };

  constructor(private readonly onRequest?: (signal: StopReason) => void) {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}

// The conventional exit status of a process stopped by that signal (128 + signal number).
export function exitCodeFor(reason: StopReason): number {
  return reason === 'SIGINT' ? 130 : 143;
}
