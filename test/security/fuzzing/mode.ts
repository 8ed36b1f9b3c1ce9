/**
 * The security suites run in two sizes: quick (inside `npm test`, seconds) and
 * full (`npm run test:security`, SECURITY_FULL=1: the figures of
 * docs/reliability.md).
 */
export const FULL = process.env.SECURITY_FULL === '1';

/** The fuzzer's seed: the same seed generates the same requests (FUZZ_SEED to replay a run). */
export const SEED = Number(process.env.FUZZ_SEED ?? 20_261_202);
