/**
 * The connections to Redis (standalone, Sentinel or Cluster) with Lettuce: opened and checked at start-up, topology
 * refresh, a second connection for batched journal writes, and {@code Pending} results of commands started on the
 * shared connection before any is awaited (one round trip for several features' commands). Holds connections, not data: the features that keep data
 * in Redis (rate limits, the session cache, the answer journal) own their keys. Uses only config.
 */
package io.chatproxy.redis;
