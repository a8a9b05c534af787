package io.chatproxy.redis;

import io.chatproxy.testing.RedisTopology;

/** Failovers in a Redis Cluster of three primaries with a replica each ({@code redis.cluster: true}). */
class ClusterFailoverTest extends RedisFailoverContract {
    @Override
    RedisTopology startRedis() {
        return RedisTopology.cluster();
    }
}
