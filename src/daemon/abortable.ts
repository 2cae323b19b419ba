/**
 * A stream that is given up on when a stop signal aborts, even if its source does not
 * notice: so that an informer's `stop()` returns promptly whatever its watch does.
 *
 * @module
 */
import { ABORTED, raceAbort } from "../platform/abort_race.ts";

/**
 * `source`'s items until it ends or `signal` aborts, whichever is first. A stream that
 * ignores the abort (one blocked in a read that nothing cancels) is abandoned rather than
 * waited for: it is closed once its pending read settles.
 */
export async function* untilAborted<E>(
  source: AsyncIterable<E>,
  signal: AbortSignal,
): AsyncGenerator<E> {
  const it = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const next = it.next();
      const r = await raceAbort(next, signal);
      if (r === ABORTED) {
        finished = true;
        next.then(() => it.return?.(), () => {}).catch(() => {});
        return;
      }
      if (r.done) {
        finished = true;
        return;
      }
      yield r.value;
    }
  } finally {
    // Ended early by the consumer: close the source (it is idle, waiting for a next()).
    if (!finished) await it.return?.();
  }
}
