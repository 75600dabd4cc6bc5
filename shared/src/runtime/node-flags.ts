/**
 * V8 flags for the processes on the session path (relay, gateway), given wherever this repository
 * starts them (scripts/start-children.ts, the test and benchmark harnesses) and written out in
 * their `#!` lines and package scripts, which cannot import this.
 *
 * Why: every socket read hands JavaScript a fresh buffer, and at bulk rates a process falls,
 * apparently at random, into one of two garbage-collection regimes: 1–6 full mark-compacts per
 * 640 MB, or 17–70. The second costs the relay ~0.7 CPU s per GB (1.6 → 2.4) and the gateway up
 * to 1–1.5 ms per MB recorded. A larger initial old generation kept every measured run in the
 * first regime (bench/README.md, "Throughput"); it reserves nothing up front, it only raises the
 * size at which V8 starts its first full collections.
 */
export const SESSION_PATH_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=64'];
