/**
 * placeholder
 * @module
 */
/** placeholder */
export function runPassthru(): Promise<number> {
  return Promise.resolve(1);
}
