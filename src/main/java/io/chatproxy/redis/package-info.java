/**
 * The connections to Redis (standalone, Sentinel or Cluster) with Lettuce: opened and checked at start-up, topology
 * refresh, a second connection for batched journal writes. Holds connections, not data: the features that keep data
 * in Redis (rate limits, the session cache, the answer journal) own their keys. Uses only config.
 */
package io.chatproxy.redis;
