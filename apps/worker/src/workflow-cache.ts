/**
 * Workflows a worker keeps in memory between tasks, unless configured. The SDK's own default
 * scales with the heap limit (about 2,300 on a 4 GiB heap) and so lets RSS grow to gigabytes
 * when thousands of actions wait for a person. A workflow evicted from the cache costs the
 * worker nothing: a decision or query on it replays its history first (bench/README.md,
 * "10,000 pending approvals", has the memory per cached workflow and the replay cost).
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 1000;
